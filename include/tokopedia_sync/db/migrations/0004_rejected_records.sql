-- Records Tokopedia sent that could not become rows: kept with the reason, so nothing a sync
-- skips is silently gone.

CREATE TABLE __schema__.rejected_records (
    rejected_id bigserial PRIMARY KEY,
    run_id bigint NOT NULL,
    shop_id bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('order', 'product')),
    record_id bigint,
    reason text NOT NULL,
    raw json NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
CREATE INDEX rejected_records_unresolved ON __schema__.rejected_records (shop_id, kind)
    WHERE resolved_at IS NULL;

COMMENT ON TABLE __schema__.rejected_records IS
    'Orders and products Tokopedia sent malformed (an id, status or time missing or not a number), '
    'skipped by a sync run and kept here with the reason. The run goes on with the rest; later '
    'runs read the record again, and it loads once Tokopedia sends it whole.';
COMMENT ON COLUMN __schema__.rejected_records.rejected_id IS 'Surrogate key.';
COMMENT ON COLUMN __schema__.rejected_records.run_id IS 'The sync run that skipped it (sync_runs.run_id).';
COMMENT ON COLUMN __schema__.rejected_records.shop_id IS 'Tokopedia shop id of the run.';
COMMENT ON COLUMN __schema__.rejected_records.kind IS 'order or product.';
COMMENT ON COLUMN __schema__.rejected_records.record_id IS 'The order_id or product_id, when the record had a usable one.';
COMMENT ON COLUMN __schema__.rejected_records.reason IS 'What is wrong with the record.';
COMMENT ON COLUMN __schema__.rejected_records.raw IS 'The record exactly as Tokopedia sent it; may hold buyer details, like orders.raw.';
COMMENT ON COLUMN __schema__.rejected_records.rejected_at IS 'When it was skipped.';
COMMENT ON COLUMN __schema__.rejected_records.resolved_at IS 'When a later read loaded the record whole; NULL while it is still missing.';

COMMENT ON COLUMN __schema__.sync_runs.rows_rejected IS
    'Input rejected as bad: orders or products Tokopedia sent malformed (kept in rejected_records), '
    'and stock targets that cannot be sent (kept in stock_push_log).';
