-- The stock push: desired stock written by the ERP, each run's plan, an append-only log of what
-- was sent and answered, per-shop settings, and the low-stock view.

CREATE TABLE __schema__.stock_targets (
    target_id bigserial PRIMARY KEY,
    shop_id bigint NOT NULL,
    product_id bigint,
    sku text,
    warehouse_id bigint,
    target_stock numeric,
    requested_at timestamptz NOT NULL DEFAULT now(),
    requested_by text
);
CREATE INDEX stock_targets_shop ON __schema__.stock_targets (shop_id);

COMMENT ON TABLE __schema__.stock_targets IS
    'Desired Tokopedia stock, written by the ERP or an analyst: one row per shop, item and '
    'warehouse. The inventory DAG makes Tokopedia match it. Rows that cannot be sent (bad values, '
    'unknown items, two rows for one item) are reported in stock_push_log, never sent.';
COMMENT ON COLUMN __schema__.stock_targets.target_id IS 'Row id.';
COMMENT ON COLUMN __schema__.stock_targets.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.stock_targets.product_id IS 'Tokopedia product id; give this or sku (sku wins when both are given).';
COMMENT ON COLUMN __schema__.stock_targets.sku IS 'Seller sku; give this or product_id.';
COMMENT ON COLUMN __schema__.stock_targets.warehouse_id IS 'Tokopedia warehouse; NULL means the shop''s default warehouse.';
COMMENT ON COLUMN __schema__.stock_targets.target_stock IS 'Units Tokopedia should show: a whole number from 0 to 999999.';
COMMENT ON COLUMN __schema__.stock_targets.requested_at IS 'When the target was set.';
COMMENT ON COLUMN __schema__.stock_targets.requested_by IS 'Who or what set it (user, ERP job).';

CREATE TABLE __schema__.stock_push_plan (
    run_id bigint NOT NULL,
    shop_id bigint NOT NULL,
    target_id bigint,
    product_id bigint,
    sku text,
    warehouse_id bigint,
    stock_before integer,
    target_stock numeric,
    action text NOT NULL CHECK (action IN ('send', 'hold', 'reject')),
    reason text,
    planned_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_push_plan_run ON __schema__.stock_push_plan (run_id);

COMMENT ON TABLE __schema__.stock_push_plan IS
    'What each inventory run decided, before sending anything: the targets that differ from '
    'Tokopedia''s stock, and whether each is sent, held by a guardrail, or rejected, and why.';
COMMENT ON COLUMN __schema__.stock_push_plan.run_id IS 'The run (sync_runs.run_id).';
COMMENT ON COLUMN __schema__.stock_push_plan.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.stock_push_plan.target_id IS 'The stock_targets row.';
COMMENT ON COLUMN __schema__.stock_push_plan.product_id IS 'The product the target resolved to (NULL when it did not).';
COMMENT ON COLUMN __schema__.stock_push_plan.sku IS 'The target''s sku.';
COMMENT ON COLUMN __schema__.stock_push_plan.warehouse_id IS 'The warehouse the stock is set in.';
COMMENT ON COLUMN __schema__.stock_push_plan.stock_before IS 'Tokopedia''s stock when planned.';
COMMENT ON COLUMN __schema__.stock_push_plan.target_stock IS 'The target as written in stock_targets.';
COMMENT ON COLUMN __schema__.stock_push_plan.action IS 'send, hold (a guardrail tripped) or reject (bad input).';
COMMENT ON COLUMN __schema__.stock_push_plan.reason IS 'Why a row is held or rejected.';
COMMENT ON COLUMN __schema__.stock_push_plan.planned_at IS 'When the plan was made.';

CREATE TABLE __schema__.stock_push_log (
    log_id bigserial PRIMARY KEY,
    run_id bigint NOT NULL,
    shop_id bigint NOT NULL,
    target_id bigint,
    product_id bigint,
    sku text,
    warehouse_id bigint,
    stock_before integer,
    target_stock numeric,
    sent_at timestamptz,
    result text NOT NULL CHECK (result IN ('sent', 'failed', 'rejected', 'held')),
    message text,
    logged_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_push_log_run ON __schema__.stock_push_log (run_id);
CREATE INDEX stock_push_log_target ON __schema__.stock_push_log (target_id);

COMMENT ON TABLE __schema__.stock_push_log IS
    'Append-only audit of the stock push: every row sent to Tokopedia with its answer, and every '
    'target rejected or held, once per reason. Rows are never updated or deleted.';
COMMENT ON COLUMN __schema__.stock_push_log.log_id IS 'Entry number.';
COMMENT ON COLUMN __schema__.stock_push_log.run_id IS 'The run (sync_runs.run_id).';
COMMENT ON COLUMN __schema__.stock_push_log.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.stock_push_log.target_id IS 'The stock_targets row.';
COMMENT ON COLUMN __schema__.stock_push_log.product_id IS 'The product.';
COMMENT ON COLUMN __schema__.stock_push_log.sku IS 'The sku.';
COMMENT ON COLUMN __schema__.stock_push_log.warehouse_id IS 'The warehouse.';
COMMENT ON COLUMN __schema__.stock_push_log.stock_before IS 'Tokopedia''s stock before the push.';
COMMENT ON COLUMN __schema__.stock_push_log.target_stock IS 'The stock asked for.';
COMMENT ON COLUMN __schema__.stock_push_log.sent_at IS 'When it was sent (NULL when not sent).';
COMMENT ON COLUMN __schema__.stock_push_log.result IS 'sent (Tokopedia accepted it), failed (Tokopedia refused it), rejected or held (not sent).';
COMMENT ON COLUMN __schema__.stock_push_log.message IS 'Tokopedia''s message for a failed row; the reason for a rejected or held one.';
COMMENT ON COLUMN __schema__.stock_push_log.logged_at IS 'When the entry was written.';

CREATE FUNCTION __schema__.refuse_log_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stock_push_log is append-only: entries are never changed or removed';
END;
$$;
COMMENT ON FUNCTION __schema__.refuse_log_changes() IS 'Keeps stock_push_log append-only.';
CREATE TRIGGER stock_push_log_append_only
    BEFORE UPDATE OR DELETE ON __schema__.stock_push_log
    FOR EACH ROW EXECUTE FUNCTION __schema__.refuse_log_changes();

CREATE TABLE __schema__.shop_settings (
    shop_id bigint PRIMARY KEY,
    shop_key text NOT NULL,
    low_stock_threshold integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE __schema__.shop_settings IS 'Per-shop settings from the shops file, refreshed by every inventory run.';
COMMENT ON COLUMN __schema__.shop_settings.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.shop_settings.shop_key IS 'The shop''s key in the shops file.';
COMMENT ON COLUMN __schema__.shop_settings.low_stock_threshold IS 'Products with less stock than this are low on stock.';
COMMENT ON COLUMN __schema__.shop_settings.updated_at IS 'When the settings were last written.';

CREATE VIEW __schema__.low_stock AS
SELECT p.shop_id, s.shop_key, p.product_id, p.sku, p.name, p.stock, s.low_stock_threshold
FROM __schema__.products p
JOIN __schema__.shop_settings s USING (shop_id)
WHERE p.deleted_at IS NULL
  AND p.status_code = 1
  AND cardinality(p.children_ids) = 0
  AND p.stock < s.low_stock_threshold;

COMMENT ON VIEW __schema__.low_stock IS 'Active products (variants rather than their parents) whose stock is under their shop''s threshold.';
COMMENT ON COLUMN __schema__.low_stock.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.low_stock.shop_key IS 'The shop''s key in the shops file.';
COMMENT ON COLUMN __schema__.low_stock.product_id IS 'The product.';
COMMENT ON COLUMN __schema__.low_stock.sku IS 'The sku.';
COMMENT ON COLUMN __schema__.low_stock.name IS 'Product name.';
COMMENT ON COLUMN __schema__.low_stock.stock IS 'Stock over all warehouses.';
COMMENT ON COLUMN __schema__.low_stock.low_stock_threshold IS 'The shop''s threshold.';

ALTER TABLE __schema__.sync_runs
    ADD COLUMN rows_rejected integer NOT NULL DEFAULT 0,
    ADD COLUMN rows_held integer NOT NULL DEFAULT 0,
    ADD COLUMN rows_failed integer NOT NULL DEFAULT 0;
COMMENT ON COLUMN __schema__.sync_runs.rows_rejected IS 'Input rows rejected as bad (inventory: targets that cannot be sent).';
COMMENT ON COLUMN __schema__.sync_runs.rows_held IS 'Rows held back by a guardrail (inventory).';
COMMENT ON COLUMN __schema__.sync_runs.rows_failed IS 'Rows Tokopedia refused (inventory).';
