-- The status history keeps every status change, also an order's return to a status it had
-- before; a malformed record seen again is counted on its row instead of adding one per read.

-- order_status_history: one row per observed change instead of one per (order, status).
ALTER TABLE __schema__.order_status_history
    ADD COLUMN history_id bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE __schema__.order_status_history DROP CONSTRAINT order_status_history_pkey;
ALTER TABLE __schema__.order_status_history ADD PRIMARY KEY (history_id);
CREATE INDEX order_status_history_latest
    ON __schema__.order_status_history (order_id, observed_at, history_id);

COMMENT ON TABLE __schema__.order_status_history IS
    'Every status change we observed: a row each time an order is seen in a status other than '
    'the last one recorded for it (so 500, 530, 500 gives three rows), with when and how.';
COMMENT ON COLUMN __schema__.order_status_history.history_id IS
    'Surrogate key, increasing in the order rows were recorded.';
COMMENT ON COLUMN __schema__.order_status_history.observed_at IS
    'When we saw the order in this status after another one (not when Tokopedia changed it).';

-- rejected_records: one row per shop, kind, record and reason.
ALTER TABLE __schema__.rejected_records
    ADD COLUMN record_key text NOT NULL
        GENERATED ALWAYS AS (coalesce(record_id::text, 'md5:' || md5(raw::text))) STORED,
    ADD COLUMN times_seen integer NOT NULL DEFAULT 1,
    ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT now();

-- Rows recorded before this migration repeat a record once per read: fold each repeat into the
-- newest row, which keeps the first time, the last time and the count.
WITH repeats AS (
    SELECT shop_id, kind, record_key, reason, max(rejected_id) AS newest,
        min(rejected_at) AS first_at, max(rejected_at) AS last_at, count(*) AS seen
    FROM __schema__.rejected_records
    GROUP BY shop_id, kind, record_key, reason
)
UPDATE __schema__.rejected_records r
SET rejected_at = g.first_at, last_seen_at = g.last_at, times_seen = g.seen
FROM repeats g
WHERE r.rejected_id = g.newest;

DELETE FROM __schema__.rejected_records r
USING __schema__.rejected_records newer
WHERE newer.shop_id = r.shop_id AND newer.kind = r.kind AND newer.record_key = r.record_key
    AND newer.reason = r.reason AND newer.rejected_id > r.rejected_id;

-- The reason is hashed: it quotes the record's id as sent, which may be any length.
CREATE UNIQUE INDEX rejected_records_natural_key
    ON __schema__.rejected_records (shop_id, kind, record_key, md5(reason));

COMMENT ON TABLE __schema__.rejected_records IS
    'Orders and products Tokopedia sent malformed (an id, status or time missing or not a number), '
    'skipped by sync runs and kept here with the reason: one row per shop, kind, record and reason, '
    'however often it is read. The run goes on with the rest; later runs read the record again, '
    'and it loads once Tokopedia sends it whole.';
COMMENT ON COLUMN __schema__.rejected_records.run_id IS
    'The sync run that last skipped it (sync_runs.run_id).';
COMMENT ON COLUMN __schema__.rejected_records.raw IS
    'The record as Tokopedia last sent it; may hold buyer details, like orders.raw.';
COMMENT ON COLUMN __schema__.rejected_records.rejected_at IS 'When it was first skipped.';
COMMENT ON COLUMN __schema__.rejected_records.record_key IS
    'record_id, or for a record without a usable id a hash of raw: with shop_id, kind and reason '
    'it identifies the row.';
COMMENT ON COLUMN __schema__.rejected_records.times_seen IS
    'How many times sync runs read the record malformed.';
COMMENT ON COLUMN __schema__.rejected_records.last_seen_at IS 'When it was last skipped.';
COMMENT ON COLUMN __schema__.rejected_records.resolved_at IS
    'When a later read loaded the record whole; NULL while it is still missing (set back to NULL '
    'if it comes malformed again).';

COMMENT ON COLUMN __schema__.sync_state.refresh_cursor IS
    'orders: create time from which the next re-read of unfinished orders continues; when a run '
    'spent its request cap inside a window, the create time of the last order it read.';
