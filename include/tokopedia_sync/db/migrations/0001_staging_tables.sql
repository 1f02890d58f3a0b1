-- Staging tables for orders and products, the sync state per shop and stream, and the run ledger.
-- `__schema__` is replaced by the configured schema name.

CREATE TABLE __schema__.orders (
    order_id bigint PRIMARY KEY,
    shop_id bigint NOT NULL,
    warehouse_id bigint,
    invoice_ref_num text,
    status_code integer NOT NULL,
    status_name text NOT NULL,
    is_final boolean NOT NULL,
    created_at timestamptz NOT NULL,
    created_date_jakarta date NOT NULL,
    buyer_id bigint,
    recipient_city text,
    recipient_province text,
    shipping_agency text,
    service_type text,
    awb text,
    item_count integer NOT NULL,
    product_total numeric(18, 2),
    shipping_cost numeric(18, 2),
    insurance_cost numeric(18, 2),
    voucher_amount numeric(18, 2),
    total_amount numeric(18, 2),
    accept_partial boolean,
    raw jsonb NOT NULL,
    first_synced_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by_run bigint
);
CREATE INDEX orders_shop_created ON __schema__.orders (shop_id, created_at);
CREATE INDEX orders_open ON __schema__.orders (shop_id, created_at) WHERE NOT is_final;

COMMENT ON TABLE __schema__.orders IS
    'One row per Tokopedia order that reached payment (status 220), as last read from Tokopedia. '
    'Rows are only rewritten when something about the order changed.';
COMMENT ON COLUMN __schema__.orders.order_id IS 'Tokopedia order id.';
COMMENT ON COLUMN __schema__.orders.shop_id IS 'Tokopedia shop id the order belongs to.';
COMMENT ON COLUMN __schema__.orders.warehouse_id IS 'Warehouse the order ships from (0 when none).';
COMMENT ON COLUMN __schema__.orders.invoice_ref_num IS 'Invoice number shown to the buyer, e.g. INV/20260101/MPL/123.';
COMMENT ON COLUMN __schema__.orders.status_code IS 'Current Tokopedia order status code (220 paid, 400 accepted, 500 shipped, 700 finished, 0/10/15 cancelled...).';
COMMENT ON COLUMN __schema__.orders.status_name IS 'Documented name of status_code.';
COMMENT ON COLUMN __schema__.orders.is_final IS 'True when the status can no longer change (finished, cancelled, rejected, returned).';
COMMENT ON COLUMN __schema__.orders.created_at IS 'When the buyer created the order (UTC).';
COMMENT ON COLUMN __schema__.orders.created_date_jakarta IS 'Business date of created_at in Asia/Jakarta (UTC+7): group daily sales by this.';
COMMENT ON COLUMN __schema__.orders.buyer_id IS 'Tokopedia buyer id; names and contact details stay in raw only.';
COMMENT ON COLUMN __schema__.orders.recipient_city IS 'City the order is delivered to.';
COMMENT ON COLUMN __schema__.orders.recipient_province IS 'Province the order is delivered to.';
COMMENT ON COLUMN __schema__.orders.shipping_agency IS 'Courier chosen by the buyer, e.g. JNE.';
COMMENT ON COLUMN __schema__.orders.service_type IS 'Courier service, e.g. Reguler.';
COMMENT ON COLUMN __schema__.orders.awb IS 'Shipping reference number (AWB) once known.';
COMMENT ON COLUMN __schema__.orders.item_count IS 'Number of order lines (see order_items).';
COMMENT ON COLUMN __schema__.orders.product_total IS 'Sum of the lines, rupiah (amt.ttl_product_price).';
COMMENT ON COLUMN __schema__.orders.shipping_cost IS 'Shipping charged, rupiah.';
COMMENT ON COLUMN __schema__.orders.insurance_cost IS 'Insurance charged, rupiah.';
COMMENT ON COLUMN __schema__.orders.voucher_amount IS 'Voucher discount, rupiah.';
COMMENT ON COLUMN __schema__.orders.total_amount IS 'What the buyer paid, rupiah (amt.ttl_amount).';
COMMENT ON COLUMN __schema__.orders.accept_partial IS 'Whether the buyer accepts partial fulfilment.';
COMMENT ON COLUMN __schema__.orders.raw IS 'The order exactly as Tokopedia''s order list returned it (contains buyer personal data).';
COMMENT ON COLUMN __schema__.orders.first_synced_at IS 'When the order was first loaded.';
COMMENT ON COLUMN __schema__.orders.changed_at IS 'When the row last changed.';
COMMENT ON COLUMN __schema__.orders.changed_by_run IS 'sync_runs.run_id of the run that last changed the row.';

CREATE TABLE __schema__.order_items (
    order_id bigint NOT NULL REFERENCES __schema__.orders (order_id),
    line_no integer NOT NULL,
    product_id bigint,
    sku text,
    product_name text,
    quantity integer NOT NULL,
    unit_price numeric(18, 2),
    total_price numeric(18, 2),
    weight_kg numeric(12, 3),
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_items_product ON __schema__.order_items (product_id);

COMMENT ON TABLE __schema__.order_items IS 'The lines of each order, in the order Tokopedia lists them.';
COMMENT ON COLUMN __schema__.order_items.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN __schema__.order_items.line_no IS 'Position of the line in the order, from 1.';
COMMENT ON COLUMN __schema__.order_items.product_id IS 'Tokopedia product id (products.product_id).';
COMMENT ON COLUMN __schema__.order_items.sku IS 'The product''s sku at the time of the order.';
COMMENT ON COLUMN __schema__.order_items.product_name IS 'The product''s name at the time of the order.';
COMMENT ON COLUMN __schema__.order_items.quantity IS 'Units ordered.';
COMMENT ON COLUMN __schema__.order_items.unit_price IS 'Price per unit, rupiah.';
COMMENT ON COLUMN __schema__.order_items.total_price IS 'quantity x unit_price, rupiah.';
COMMENT ON COLUMN __schema__.order_items.weight_kg IS 'Weight per unit, kilograms.';

CREATE TABLE __schema__.order_status_history (
    order_id bigint NOT NULL,
    status_code integer NOT NULL,
    status_name text NOT NULL,
    observed_at timestamptz NOT NULL,
    source text NOT NULL CHECK (source IN ('poll', 'webhook')),
    PRIMARY KEY (order_id, status_code)
);

COMMENT ON TABLE __schema__.order_status_history IS
    'Every status we observed an order in, first observation only: when and how (polling or webhook).';
COMMENT ON COLUMN __schema__.order_status_history.order_id IS 'The order (orders.order_id).';
COMMENT ON COLUMN __schema__.order_status_history.status_code IS 'The status observed.';
COMMENT ON COLUMN __schema__.order_status_history.status_name IS 'Documented name of status_code.';
COMMENT ON COLUMN __schema__.order_status_history.observed_at IS 'When we first saw the order in this status (not when Tokopedia changed it).';
COMMENT ON COLUMN __schema__.order_status_history.source IS 'poll: seen by a sync run; webhook: told by a Tokopedia webhook.';

CREATE TABLE __schema__.products (
    product_id bigint PRIMARY KEY,
    shop_id bigint NOT NULL,
    parent_id bigint,
    children_ids bigint[] NOT NULL DEFAULT '{}',
    is_variant boolean NOT NULL,
    sku text,
    name text NOT NULL,
    status_code integer NOT NULL,
    status_name text NOT NULL,
    category_id bigint,
    showcase_id bigint,
    showcase_name text,
    price numeric(18, 2),
    stock integer,
    weight_grams numeric(12, 2),
    min_order integer,
    raw jsonb NOT NULL,
    first_synced_at timestamptz NOT NULL DEFAULT now(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by_run bigint,
    deleted_at timestamptz
);
CREATE INDEX products_shop_sku ON __schema__.products (shop_id, sku);

COMMENT ON TABLE __schema__.products IS
    'One row per Tokopedia product of the synced shops, variants included. A product that '
    'disappears from Tokopedia is kept and marked deleted_at, never removed.';
COMMENT ON COLUMN __schema__.products.product_id IS 'Tokopedia product id.';
COMMENT ON COLUMN __schema__.products.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.products.parent_id IS 'For a variant: the product it is a variant of.';
COMMENT ON COLUMN __schema__.products.children_ids IS 'For a product with variants: the variants'' product ids.';
COMMENT ON COLUMN __schema__.products.is_variant IS 'True for variant parents and for variants.';
COMMENT ON COLUMN __schema__.products.sku IS 'Seller''s sku (empty for variant parents).';
COMMENT ON COLUMN __schema__.products.name IS 'Product name.';
COMMENT ON COLUMN __schema__.products.status_code IS 'Tokopedia product status: 1 active, 3 inactive, 0 deleted, -1 pending, -2 banned.';
COMMENT ON COLUMN __schema__.products.status_name IS 'Name of status_code.';
COMMENT ON COLUMN __schema__.products.category_id IS 'Tokopedia category (the deepest level).';
COMMENT ON COLUMN __schema__.products.showcase_id IS 'Showcase (etalase) the product is in.';
COMMENT ON COLUMN __schema__.products.showcase_name IS 'Name of the showcase.';
COMMENT ON COLUMN __schema__.products.price IS 'Price, rupiah.';
COMMENT ON COLUMN __schema__.products.stock IS 'Stock over all warehouses (for a variant parent: over its variants). Per warehouse: product_stock.';
COMMENT ON COLUMN __schema__.products.weight_grams IS 'Weight, grams.';
COMMENT ON COLUMN __schema__.products.min_order IS 'Minimum units per order.';
COMMENT ON COLUMN __schema__.products.raw IS 'The product exactly as Tokopedia''s product info returned it.';
COMMENT ON COLUMN __schema__.products.first_synced_at IS 'When the product was first loaded.';
COMMENT ON COLUMN __schema__.products.changed_at IS 'When the row last changed.';
COMMENT ON COLUMN __schema__.products.changed_by_run IS 'sync_runs.run_id of the run that last changed the row.';
COMMENT ON COLUMN __schema__.products.deleted_at IS 'When a full scan no longer found the product on Tokopedia; NULL while it exists.';

CREATE TABLE __schema__.product_stock (
    product_id bigint NOT NULL,
    warehouse_id bigint NOT NULL,
    stock integer NOT NULL,
    price numeric(18, 2),
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (product_id, warehouse_id)
);

COMMENT ON TABLE __schema__.product_stock IS 'Stock and price of each product per warehouse, as last read from Tokopedia.';
COMMENT ON COLUMN __schema__.product_stock.product_id IS 'The product (products.product_id).';
COMMENT ON COLUMN __schema__.product_stock.warehouse_id IS 'Tokopedia warehouse id.';
COMMENT ON COLUMN __schema__.product_stock.stock IS 'Units in stock in this warehouse.';
COMMENT ON COLUMN __schema__.product_stock.price IS 'Price in this warehouse, rupiah.';
COMMENT ON COLUMN __schema__.product_stock.changed_at IS 'When stock or price last changed here.';

CREATE TABLE __schema__.sync_state (
    shop_id bigint NOT NULL,
    stream text NOT NULL,
    watermark timestamptz,
    refresh_cursor timestamptz,
    last_full_scan_at timestamptz,
    last_success_at timestamptz,
    last_run_id bigint,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop_id, stream)
);

COMMENT ON TABLE __schema__.sync_state IS 'Where each stream of each shop stands: the last sync, and where the next one continues.';
COMMENT ON COLUMN __schema__.sync_state.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.sync_state.stream IS 'orders, products, ...';
COMMENT ON COLUMN __schema__.sync_state.watermark IS 'orders: every order created before this is loaded. Only moves forward, together with the data.';
COMMENT ON COLUMN __schema__.sync_state.refresh_cursor IS 'orders: create time from which the next re-read of unfinished orders continues.';
COMMENT ON COLUMN __schema__.sync_state.last_full_scan_at IS 'products: when the last complete scan (which detects deletions) finished.';
COMMENT ON COLUMN __schema__.sync_state.last_success_at IS 'When the last successful run finished: the "last sync" of the shop.';
COMMENT ON COLUMN __schema__.sync_state.last_run_id IS 'sync_runs.run_id of the last run.';
COMMENT ON COLUMN __schema__.sync_state.updated_at IS 'When this row last changed.';

CREATE TABLE __schema__.sync_runs (
    run_id bigserial PRIMARY KEY,
    shop_id bigint NOT NULL,
    shop_key text NOT NULL,
    stream text NOT NULL,
    dag_id text,
    airflow_run_id text,
    window_start timestamptz,
    window_end timestamptz,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    duration_seconds numeric(12, 3),
    pages integer NOT NULL DEFAULT 0,
    requests integer NOT NULL DEFAULT 0,
    rows_inserted integer NOT NULL DEFAULT 0,
    rows_updated integer NOT NULL DEFAULT 0,
    rows_unchanged integer NOT NULL DEFAULT 0,
    rows_deleted integer NOT NULL DEFAULT 0,
    throttled integer NOT NULL DEFAULT 0,
    retries integer NOT NULL DEFAULT 0,
    budget_wait_seconds numeric(12, 3) NOT NULL DEFAULT 0,
    outcome text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'success', 'failed', 'interrupted')),
    error text
);
CREATE INDEX sync_runs_shop_stream ON __schema__.sync_runs (shop_id, stream, started_at);

COMMENT ON TABLE __schema__.sync_runs IS 'The run ledger: one row per sync run with what it read, wrote and waited for.';
COMMENT ON COLUMN __schema__.sync_runs.run_id IS 'Run number.';
COMMENT ON COLUMN __schema__.sync_runs.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.sync_runs.shop_key IS 'The shop''s key in the shops file.';
COMMENT ON COLUMN __schema__.sync_runs.stream IS 'What was synced: orders, products, ...';
COMMENT ON COLUMN __schema__.sync_runs.dag_id IS 'Airflow DAG that ran it.';
COMMENT ON COLUMN __schema__.sync_runs.airflow_run_id IS 'Airflow DAG run id.';
COMMENT ON COLUMN __schema__.sync_runs.window_start IS 'Start of the time range read (orders: by create time).';
COMMENT ON COLUMN __schema__.sync_runs.window_end IS 'End of the time range read.';
COMMENT ON COLUMN __schema__.sync_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN __schema__.sync_runs.finished_at IS 'When the run ended (NULL while running or if it was killed).';
COMMENT ON COLUMN __schema__.sync_runs.duration_seconds IS 'finished_at - started_at, seconds.';
COMMENT ON COLUMN __schema__.sync_runs.pages IS 'Pages read from Tokopedia.';
COMMENT ON COLUMN __schema__.sync_runs.requests IS 'Requests sent to Tokopedia, retries included.';
COMMENT ON COLUMN __schema__.sync_runs.rows_inserted IS 'Rows new to the staging table.';
COMMENT ON COLUMN __schema__.sync_runs.rows_updated IS 'Rows that changed.';
COMMENT ON COLUMN __schema__.sync_runs.rows_unchanged IS 'Rows read that were already up to date (not rewritten).';
COMMENT ON COLUMN __schema__.sync_runs.rows_deleted IS 'Rows marked deleted (products gone from Tokopedia).';
COMMENT ON COLUMN __schema__.sync_runs.throttled IS '429 answers and rows throttled by Tokopedia.';
COMMENT ON COLUMN __schema__.sync_runs.retries IS 'Requests repeated after a failure.';
COMMENT ON COLUMN __schema__.sync_runs.budget_wait_seconds IS 'Seconds spent waiting for the rate budget.';
COMMENT ON COLUMN __schema__.sync_runs.outcome IS 'running, success, failed, or interrupted (a run that never finished).';
COMMENT ON COLUMN __schema__.sync_runs.error IS 'For a failed run: the error.';
