-- Shop profiles, showcases and couriers: small snapshots, synced when the shop_info and
-- logistics features are on.

CREATE TABLE __schema__.shops (
    shop_id bigint PRIMARY KEY,
    shop_name text NOT NULL,
    domain text,
    shop_url text,
    is_open boolean,
    status integer,
    created_date date,
    warehouse_ids bigint[] NOT NULL DEFAULT '{}',
    default_warehouse_id bigint,
    raw jsonb NOT NULL,
    first_synced_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE __schema__.shops IS 'Profile of each synced shop, as Tokopedia''s shop info reports it.';
COMMENT ON COLUMN __schema__.shops.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.shops.shop_name IS 'Shop name.';
COMMENT ON COLUMN __schema__.shops.domain IS 'Shop domain on tokopedia.com.';
COMMENT ON COLUMN __schema__.shops.shop_url IS 'Shop page.';
COMMENT ON COLUMN __schema__.shops.is_open IS 'Whether the shop is open for orders.';
COMMENT ON COLUMN __schema__.shops.status IS 'Tokopedia shop status code (1 active).';
COMMENT ON COLUMN __schema__.shops.created_date IS 'When the shop was opened.';
COMMENT ON COLUMN __schema__.shops.warehouse_ids IS 'The shop''s warehouses.';
COMMENT ON COLUMN __schema__.shops.default_warehouse_id IS 'The warehouse stock changes apply to when none is named.';
COMMENT ON COLUMN __schema__.shops.raw IS 'The shop exactly as Tokopedia returned it.';
COMMENT ON COLUMN __schema__.shops.first_synced_at IS 'When the shop was first loaded.';
COMMENT ON COLUMN __schema__.shops.changed_at IS 'When the row last changed.';

CREATE TABLE __schema__.showcases (
    showcase_id bigint PRIMARY KEY,
    shop_id bigint NOT NULL,
    name text NOT NULL,
    alias text,
    product_count integer,
    is_highlighted boolean,
    raw jsonb NOT NULL,
    first_synced_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
CREATE INDEX showcases_shop ON __schema__.showcases (shop_id);

COMMENT ON TABLE __schema__.showcases IS
    'Showcases (etalase) of each shop. One that disappears is kept and marked deleted_at.';
COMMENT ON COLUMN __schema__.showcases.showcase_id IS 'Tokopedia showcase id (products.showcase_id).';
COMMENT ON COLUMN __schema__.showcases.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.showcases.name IS 'Showcase name.';
COMMENT ON COLUMN __schema__.showcases.alias IS 'Showcase slug.';
COMMENT ON COLUMN __schema__.showcases.product_count IS 'Products in the showcase, as Tokopedia counts them.';
COMMENT ON COLUMN __schema__.showcases.is_highlighted IS 'Whether the shop highlights it.';
COMMENT ON COLUMN __schema__.showcases.raw IS 'The showcase exactly as Tokopedia returned it.';
COMMENT ON COLUMN __schema__.showcases.first_synced_at IS 'When it was first loaded.';
COMMENT ON COLUMN __schema__.showcases.changed_at IS 'When the row last changed.';
COMMENT ON COLUMN __schema__.showcases.deleted_at IS 'When a sync no longer found it; NULL while it exists.';

CREATE TABLE __schema__.couriers (
    shipper_id bigint NOT NULL,
    service_id bigint NOT NULL,
    shipper_name text NOT NULL,
    service_name text NOT NULL,
    service_description text,
    first_synced_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shipper_id, service_id)
);

COMMENT ON TABLE __schema__.couriers IS 'Every courier (shipper) and service Tokopedia offers.';
COMMENT ON COLUMN __schema__.couriers.shipper_id IS 'Tokopedia courier id (orders.raw logistics.shipping_id).';
COMMENT ON COLUMN __schema__.couriers.service_id IS 'Tokopedia service id.';
COMMENT ON COLUMN __schema__.couriers.shipper_name IS 'Courier name, e.g. JNE.';
COMMENT ON COLUMN __schema__.couriers.service_name IS 'Service name, e.g. Reguler.';
COMMENT ON COLUMN __schema__.couriers.service_description IS 'Tokopedia''s description of the service.';
COMMENT ON COLUMN __schema__.couriers.first_synced_at IS 'When it was first loaded.';
COMMENT ON COLUMN __schema__.couriers.changed_at IS 'When the row last changed.';

CREATE TABLE __schema__.shop_couriers (
    shop_id bigint NOT NULL,
    shipper_id bigint NOT NULL,
    service_id bigint NOT NULL,
    shipper_name text,
    service_name text,
    shipper_available boolean,
    service_available boolean,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, shipper_id, service_id)
);

COMMENT ON TABLE __schema__.shop_couriers IS 'Which couriers and services each shop has switched on.';
COMMENT ON COLUMN __schema__.shop_couriers.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.shop_couriers.shipper_id IS 'Courier (couriers.shipper_id).';
COMMENT ON COLUMN __schema__.shop_couriers.service_id IS 'Service (couriers.service_id).';
COMMENT ON COLUMN __schema__.shop_couriers.shipper_name IS 'Courier name.';
COMMENT ON COLUMN __schema__.shop_couriers.service_name IS 'Service name.';
COMMENT ON COLUMN __schema__.shop_couriers.shipper_available IS 'Whether the courier is available to the shop.';
COMMENT ON COLUMN __schema__.shop_couriers.service_available IS 'Whether the service is switched on for the shop.';
COMMENT ON COLUMN __schema__.shop_couriers.changed_at IS 'When the row last changed.';
