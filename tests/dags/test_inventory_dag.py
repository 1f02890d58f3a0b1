"""The inventory DAG end to end: targets written in Postgres become Tokopedia's stock."""

from __future__ import annotations

from tests.conftest import SHOP_ID, WAREHOUSES
from tests.dags.conftest import next_quarter_hour

DAG_ID = "tokopedia_uji_inventory"


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
