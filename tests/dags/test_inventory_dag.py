"""The inventory DAG end to end: targets written in Postgres become Tokopedia's stock."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from tests.conftest import SHOP_ID, WAREHOUSES
from tests.dags.conftest import next_quarter_hour

DAG_ID = "tokopedia_uji_inventory"
SENDING = {"dry_run": False}
"""The conf of a run that sends. dag.test() resolves a run's conf into the DAG's own Param
objects, so without it a dry run earlier in the session would make later runs dry too."""


def write_targets(sandbox, staging, count: int) -> list[tuple[dict, int]]:
    products = [
        p
        for p in sandbox.control.products(SHOP_ID)
        if p["sku"] and p["status"] == 1 and not p["children"]
    ][:count]
    targets = [(p, p["stock_by_warehouse"][str(WAREHOUSES[0])] + 5) for p in products]
    for product, target in targets:
        staging.rows(
            "INSERT INTO tokopedia.stock_targets (shop_id, sku, target_stock, requested_by) "
            "VALUES (%s, %s, %s, 'erp') RETURNING target_id",
            SHOP_ID,
            product["sku"],
            target,
        )
    return targets


def test_targets_become_tokopedia_stock_and_a_rerun_sends_nothing(
    sandbox, staging, run_dag, caplog
):
    caplog.set_level("INFO", logger="tokopedia_sync")
    run_dag("tokopedia_uji_products")
    targets = write_targets(sandbox, staging, 30)
    first = sandbox.control.last_seq()

    run_dag(DAG_ID)
    second = sandbox.control.last_seq()
    run_dag(DAG_ID, next_quarter_hour())

    truth = {p["product_id"]: p for p in sandbox.control.products(SHOP_ID)}
    assert all(
        truth[p["product_id"]]["stock_by_warehouse"][str(WAREHOUSES[0])] == t for p, t in targets
    )
    sent = sandbox.control.requests(since=first, family="inventory")["requests"]
    assert [entry["units"] for entry in sent] == [30]
    assert sandbox.control.requests(since=second, family="inventory")["requests"] == []
    assert "Stock push plan: 30 to send" in caplog.text
    assert "inventory sync done" in caplog.text


def test_a_run_triggered_as_a_dry_run_plans_and_sends_nothing(sandbox, staging, run_dag):
    run_dag("tokopedia_uji_products")
    write_targets(sandbox, staging, 10)
    first = sandbox.control.last_seq()

    run_dag(DAG_ID, conf={"dry_run": True})

    assert sandbox.control.requests(since=first, family="inventory")["requests"] == []
    assert (
        staging.value("SELECT count(*) FROM tokopedia.stock_push_plan WHERE action = 'send'") == 10
    )
    assert staging.value("SELECT count(*) FROM tokopedia.stock_push_log") == 0


def test_clearing_a_run_that_applied_sends_nothing_even_after_targets_changed(
    sandbox, staging, run_dag, dagbag, caplog
):
    caplog.set_level("INFO", logger="tokopedia_sync")
    run_dag("tokopedia_uji_products")
    write_targets(sandbox, staging, 5)
    dag = dagbag.get_dag(DAG_ID)
    when, run_after = next_quarter_hour(), datetime.now(UTC)
    applied = dag.test(logical_date=when, run_after=run_after, run_conf=SENDING)
    assert applied.state == "success"
    staging.rows("UPDATE tokopedia.stock_targets SET target_stock = target_stock + 1 RETURNING 1")
    first = sandbox.control.last_seq()

    cleared = dag.test(logical_date=when, run_after=run_after, run_conf=SENDING)

    assert (cleared.state, cleared.run_id) == ("success", applied.run_id)
    assert sandbox.control.requests(since=first, family="inventory")["requests"] == []
    assert f"Airflow run {applied.run_id} planned its stock push before" in caplog.text
    recorded = staging.rows(
        "SELECT DISTINCT dag_id, airflow_run_id FROM tokopedia.stock_push_plan "
        "UNION SELECT DISTINCT dag_id, airflow_run_id FROM tokopedia.stock_push_log"
    )
    assert recorded == [(DAG_ID, applied.run_id)]

    run_dag(DAG_ID, when + timedelta(minutes=15), conf=SENDING)

    sent = sandbox.control.requests(since=first, family="inventory")["requests"]
    assert [entry["units"] for entry in sent] == [5]


def test_the_task_log_names_low_stock_items_right_after_its_summary(
    sandbox, staging, run_dag, caplog
):
    caplog.set_level("INFO", logger="tokopedia_sync")
    run_dag("tokopedia_uji_products")
    products = [
        p
        for p in sandbox.control.products(SHOP_ID)
        if p["sku"] and p["status"] == 1 and not p["children"]
    ][:14]
    for product in products:
        for warehouse in WAREHOUSES:
            staging.rows(
                "INSERT INTO tokopedia.stock_targets (shop_id, sku, warehouse_id, target_stock, "
                "requested_by) VALUES (%s, %s, %s, 1, 'erp') RETURNING target_id",
                SHOP_ID,
                product["sku"],
                warehouse,
            )

    run_dag(DAG_ID, conf=SENDING)

    low = staging.rows(
        "SELECT product_id, sku, stock FROM tokopedia.low_stock ORDER BY stock, product_id"
    )
    assert len(low) > 10
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("tokopedia_sync")]
    summary = next(i for i, m in enumerate(messages) if m.startswith("inventory sync done"))
    named = ", ".join(f"product {pid} (sku {sku}) stock {stock}" for pid, sku, stock in low[:10])
    assert messages[summary + 1] == (
        f"Low on stock: {len(low)} products under the threshold of 5: {named}, "
        f"and {len(low) - 10} more (all in tokopedia.low_stock)"
    )
    assert not any(logging.getLevelName(r.levelno) == "ERROR" for r in caplog.records)


def test_the_dag_doc_states_the_guardrails_in_effect(dagbag):
    doc = dagbag.get_dag(DAG_ID).doc_md

    assert "held only when it is bigger than both 500 units and 50% of the current stock" in doc
    assert "at most 2000 items are sent a run" in doc
    assert "clearing a run that applied sends nothing" in doc
