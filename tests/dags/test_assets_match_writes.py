"""A DAG declares as Assets every staging table it really writes: run it, then ask Postgres which
tables saw inserts, updates or deletes."""

from __future__ import annotations

import pytest

# Bookkeeping of the package itself rather than data: the migrations applied and the shared rate
# budgets (written by every request).
NOT_ASSETS = {"schema_migrations", "rate_budget_spend", "rate_budget_state"}
ORDER_LIST = "/v2/order/list"


def written_tables(staging) -> set[str]:
    staging.wait_for_other_sessions_to_end()
    return {
        name
        for (name,) in staging.rows(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'tokopedia' "
            "AND n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
    } - NOT_ASSETS


@pytest.mark.parametrize(
    "dag_id",
    [
        "tokopedia_uji_orders",
        "tokopedia_uji_products",
        "tokopedia_kedua_shop_info",
        "tokopedia_kedua_logistics",
    ],
)
def test_every_table_a_run_writes_is_an_asset_of_its_dag(sandbox, staging, run_dag, dag_id):
    # A malformed record makes the run write rejected_records too.
    sandbox.control.script_faults("bad_record", path_prefix="/")

    dag_run = run_dag(dag_id)

    declared = {
        asset.name.removeprefix("tokopedia_staging.tokopedia.")
        for task in dag_run.dag.tasks
        for asset in task.outlets
    }
    written = written_tables(staging)
    assert {"sync_runs", "sync_state"} <= written
    assert written <= declared
