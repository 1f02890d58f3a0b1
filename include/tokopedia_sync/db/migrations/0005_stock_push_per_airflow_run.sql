-- The stock push, made safe to retry: one plan per Airflow run, which every try of that run
-- continues; who asked for each planned change and when; rows whose outcome Tokopedia did not
-- report; a push log that TRUNCATE cannot empty; and requested_at that follows in-place updates.

CREATE TABLE __schema__.stock_push_runs (
    plan_run_id bigint PRIMARY KEY,
    shop_id bigint NOT NULL,
    dag_id text,
    airflow_run_id text,
    dry_run boolean NOT NULL,
    planned_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (shop_id, dag_id, airflow_run_id)
);

COMMENT ON TABLE __schema__.stock_push_runs IS
    'One row per plan of the stock push. A retry or a clear of the same Airflow run finds its plan '
    'here and continues it (sending only rows not yet answered) instead of planning again.';
COMMENT ON COLUMN __schema__.stock_push_runs.plan_run_id IS 'The run that made the plan (sync_runs.run_id; stock_push_plan.run_id).';
COMMENT ON COLUMN __schema__.stock_push_runs.shop_id IS 'Tokopedia shop id.';
COMMENT ON COLUMN __schema__.stock_push_runs.dag_id IS 'The Airflow DAG (NULL when run outside Airflow).';
COMMENT ON COLUMN __schema__.stock_push_runs.airflow_run_id IS 'The Airflow DAG run (NULL when run outside Airflow).';
COMMENT ON COLUMN __schema__.stock_push_runs.dry_run IS 'Planned as a dry run: nothing of this plan is ever sent.';
COMMENT ON COLUMN __schema__.stock_push_runs.planned_at IS 'When the plan was made.';

ALTER TABLE __schema__.stock_push_plan
    ADD COLUMN dag_id text,
    ADD COLUMN airflow_run_id text,
    ADD COLUMN requested_at timestamptz,
    ADD COLUMN requested_by text;
COMMENT ON COLUMN __schema__.stock_push_plan.dag_id IS 'The Airflow DAG that planned it (NULL outside Airflow).';
COMMENT ON COLUMN __schema__.stock_push_plan.airflow_run_id IS 'The Airflow DAG run that planned it (NULL outside Airflow).';
COMMENT ON COLUMN __schema__.stock_push_plan.requested_at IS 'When the target was set (stock_targets.requested_at at planning).';
COMMENT ON COLUMN __schema__.stock_push_plan.requested_by IS 'Who or what set the target (stock_targets.requested_by).';

ALTER TABLE __schema__.stock_push_log
    ADD COLUMN plan_run_id bigint,
    ADD COLUMN dag_id text,
    ADD COLUMN airflow_run_id text;
CREATE INDEX stock_push_log_plan ON __schema__.stock_push_log (plan_run_id, target_id);
COMMENT ON COLUMN __schema__.stock_push_log.run_id IS 'The run that wrote the entry (sync_runs.run_id).';
COMMENT ON COLUMN __schema__.stock_push_log.plan_run_id IS 'The run whose plan the row belongs to; a retry of the same Airflow run logs under the plan it continues.';
COMMENT ON COLUMN __schema__.stock_push_log.dag_id IS 'The Airflow DAG (NULL outside Airflow).';
COMMENT ON COLUMN __schema__.stock_push_log.airflow_run_id IS 'The Airflow DAG run (NULL outside Airflow).';

-- A row Tokopedia's answer did not account for, or that was sent when the answer was lost.
ALTER TABLE __schema__.stock_push_log
    DROP CONSTRAINT stock_push_log_result_check,
    ADD CONSTRAINT stock_push_log_result_check
        CHECK (result IN ('sent', 'failed', 'unknown', 'rejected', 'held'));
COMMENT ON COLUMN __schema__.stock_push_log.result IS
    'sent (Tokopedia reported it set), failed (Tokopedia refused it), unknown (sent, but no result '
    'for it came back: not counted as done, so a retry sends it again), rejected or held (not sent).';
COMMENT ON COLUMN __schema__.stock_push_log.message IS
    'Tokopedia''s message for a failed row; why the outcome of an unknown row is not known; the '
    'reason for a rejected or held one.';

CREATE TRIGGER stock_push_log_not_truncated
    BEFORE TRUNCATE ON __schema__.stock_push_log
    FOR EACH STATEMENT EXECUTE FUNCTION __schema__.refuse_log_changes();

CREATE FUNCTION __schema__.stock_target_requested_now() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A writer that sets requested_at itself keeps its value.
    IF NEW.requested_at IS NOT DISTINCT FROM OLD.requested_at
       AND (NEW.shop_id, NEW.product_id, NEW.sku, NEW.warehouse_id, NEW.target_stock)
           IS DISTINCT FROM (OLD.shop_id, OLD.product_id, OLD.sku, OLD.warehouse_id, OLD.target_stock)
    THEN
        NEW.requested_at := now();
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION __schema__.stock_target_requested_now() IS
    'Sets stock_targets.requested_at to now when an update changes the target and leaves requested_at as it was.';
CREATE TRIGGER stock_targets_requested_at
    BEFORE UPDATE ON __schema__.stock_targets
    FOR EACH ROW EXECUTE FUNCTION __schema__.stock_target_requested_now();
COMMENT ON COLUMN __schema__.stock_targets.requested_at IS
    'When the target was set: now on insert, and again on an update that changes the item, '
    'warehouse or target_stock (unless the update sets requested_at itself).';
