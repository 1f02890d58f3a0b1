"""The products DAG, run for real against the sandbox, compared with the sandbox's ground truth."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from tests.client.conftest import sandbox_config
from tests.conftest import CLIENT_ID, CLIENT_SECRET, FS_ID, OTHER_SHOP_ID, ROOT, SHOP_ID
from tests.dags.conftest import next_quarter_hour, tokopedia_connection
from tokopedia_sync.client import TokopediaClient
from tokopedia_sync.sandbox.process import SandboxProcess

DAG_ID = "tokopedia_uji_products"
PRODUCT_INFO = f"/inventory/v1/fs/{FS_ID}/product/info"


def assert_matches_truth(sandbox, staging, shop_id: int = SHOP_ID) -> None:
    truth = {p["product_id"]: p for p in sandbox.control.products(shop_id) if p["status"] != 0}
    rows = staging.rows(
        "SELECT product_id, sku, status_code, price, stock, parent_id, children_ids "
        "FROM tokopedia.products WHERE shop_id = %s AND deleted_at IS NULL",
        shop_id,
    )
    assert {row[0] for row in rows} == set(truth)
    for product_id, sku, status, price, stock, parent_id, children in rows:
        expected = truth[product_id]
        assert (sku or "", status, price) == (
            expected["sku"],
            expected["status"],
            Decimal(expected["price"]),
        )
        assert parent_id == expected["parent_id"]
        assert sorted(children) == sorted(c for c in expected["children"] if truth.get(c))
        if not expected["children"]:
            assert stock == expected["stock"]
    per_warehouse = staging.rows(
        "SELECT s.product_id, s.warehouse_id, s.stock FROM tokopedia.product_stock s "
        "JOIN tokopedia.products p USING (product_id) "
        "WHERE p.shop_id = %s AND p.deleted_at IS NULL",
        shop_id,
    )
    for product_id, warehouse_id, stock in per_warehouse:
        assert stock == truth[product_id]["stock_by_warehouse"][str(warehouse_id)]


def shop_client(sandbox) -> TokopediaClient:
    return TokopediaClient(sandbox_config(sandbox))


def row_versions(staging) -> list[tuple]:
    """Every product and stock row with its row version: an UPDATE changes xmin even when it
    writes the same values."""
    return staging.rows(
        "SELECT product_id, NULL, xmin::text FROM tokopedia.products "
        "UNION ALL SELECT product_id, warehouse_id, xmin::text FROM tokopedia.product_stock "
        "ORDER BY 1, 2"
    )


@pytest.fixture(scope="module")
def big_catalogue():
    """A shop of 2,500 products (50 pages): a full scan commits batches before it ends."""
    options = (
        "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--fs-id", str(FS_ID),
        "--shop", f"{SHOP_ID}:Toko Besar:2", "--products", "2500", "--orders", "30",
        "--history-days", "3", "--order-rate", "0", "--advance-rate", "0", "--budgets", "off",
    )  # fmt: skip
    with SandboxProcess(*options) as server:
        yield server


def make_full_scan_due(staging) -> None:
    """A day passes: the next run is due a full scan."""
    staging.rows(
        "UPDATE tokopedia.sync_state SET last_full_scan_at = now() - interval '25 hours' "
        "WHERE stream = 'products' RETURNING 1"
    )


class TestProductsDag:
    def test_first_run_loads_every_product_with_variants_and_stock_per_warehouse(
        self, sandbox, staging, run_dag
    ):
        run_dag(DAG_ID)

        assert_matches_truth(sandbox, staging)
        assert (
            staging.value("SELECT count(*) FROM tokopedia.products WHERE parent_id IS NOT NULL") > 0
        )

    def test_a_quiet_shop_costs_one_request_and_rewrites_nothing(self, sandbox, staging, run_dag):
        run_dag(DAG_ID)
        before = staging.rows("SELECT product_id, changed_at FROM tokopedia.products ORDER BY 1")

        run_dag(DAG_ID)

        requests, updated, inserted = staging.rows(
            "SELECT requests, rows_updated, rows_inserted FROM tokopedia.sync_runs "
            "ORDER BY run_id DESC LIMIT 1"
        )[0]
        assert (requests, updated, inserted) == (1, 0, 0)
        assert (
            staging.rows("SELECT product_id, changed_at FROM tokopedia.products ORDER BY 1")
            == before
        )

    def test_stock_price_and_status_changes_arrive_on_the_next_run(self, sandbox, staging, run_dag):
        run_dag(DAG_ID)
        products = [p for p in sandbox.control.products(SHOP_ID) if p["sku"] and p["status"] == 1]
        with shop_client(sandbox) as client:
            client.inventory.set_stock([{"sku": p["sku"], "new_stock": 3} for p in products[:10]])
            client.inventory.update_price(
                [{"sku": p["sku"], "new_price": 77_700} for p in products[10:15]]
            )
            client.products.deactivate([p["product_id"] for p in products[15:18]])

        run_dag(DAG_ID)

        assert_matches_truth(sandbox, staging)
        assert (
            staging.value(
                "SELECT rows_updated FROM tokopedia.sync_runs ORDER BY run_id DESC LIMIT 1"
            )
            >= 18
        )

    def test_a_deleted_product_is_marked_deleted_by_the_next_full_scan_and_kept(
        self, sandbox, staging, run_dag
    ):
        run_dag(DAG_ID)
        victim = next(
            p for p in sandbox.control.products(SHOP_ID) if p["sku"] and not p["parent_id"]
        )
        with shop_client(sandbox) as client:
            client.products.delete([victim["product_id"]])
        make_full_scan_due(staging)

        run_dag(DAG_ID)

        deleted_at, name = staging.rows(
            "SELECT deleted_at, name FROM tokopedia.products WHERE product_id = %s",
            victim["product_id"],
        )[0]
        assert deleted_at is not None
        assert name == victim["name"]
        assert_matches_truth(sandbox, staging)

    def test_a_manual_shop_syncs_when_triggered(self, sandbox, staging, run_dag):
        run_dag("tokopedia_kedua_products")

        assert_matches_truth(sandbox, staging, OTHER_SHOP_ID)

    def test_a_malformed_product_in_a_full_scan_is_kept_with_the_reason_not_taken_for_deleted(
        self, sandbox, staging, run_dag
    ):
        run_dag(DAG_ID)
        make_full_scan_due(staging)
        sandbox.control.script_faults("bad_record", path_prefix=PRODUCT_INFO)

        run_dag(DAG_ID)

        ((product_id, kind, reason, status),) = staging.rows(
            "SELECT record_id, kind, reason, raw->'basic'->>'status' "
            "FROM tokopedia.rejected_records"
        )
        assert (kind, status) == ("product", "garbled")
        assert f"product {product_id} lacks" in reason
        assert (
            staging.value(
                "SELECT deleted_at FROM tokopedia.products WHERE product_id = %s", product_id
            )
            is None
        )
        rejected, deleted = staging.rows(
            "SELECT rows_rejected, rows_deleted FROM tokopedia.sync_runs "
            "ORDER BY run_id DESC LIMIT 1"
        )[0]
        assert (rejected, deleted) == (1, 0)
        assert_matches_truth(sandbox, staging)

    def test_stock_the_staging_table_holds_yields_to_tokopedias_even_when_the_record_is_unchanged(
        self, sandbox, staging, run_dag
    ):
        run_dag(DAG_ID)
        # What a stock push leaves behind when Tokopedia then keeps its own figure.
        product_id = staging.value(
            "SELECT min(product_id) FROM tokopedia.products WHERE children_ids = '{}' AND stock > 0"
        )
        for table in ("product_stock", "products"):
            staging.rows(
                f"UPDATE tokopedia.{table} SET stock = stock + 7 WHERE product_id = %s RETURNING 1",
                product_id,
            )
        make_full_scan_due(staging)

        run_dag(DAG_ID)

        assert_matches_truth(sandbox, staging)


def test_a_second_full_scan_rewrites_no_row(sandbox, staging, run_dag):
    run_dag(DAG_ID)
    before = row_versions(staging)
    make_full_scan_due(staging)

    run_dag(DAG_ID)

    pages, inserted, updated, deleted = staging.rows(
        "SELECT pages, rows_inserted, rows_updated, rows_deleted FROM tokopedia.sync_runs "
        "ORDER BY run_id DESC LIMIT 1"
    )[0]
    assert pages == 3  # all 120 products, 50 a page: it was a full scan
    assert (inserted, updated, deleted) == (0, 0, 0)
    assert row_versions(staging) == before


def test_a_full_scan_killed_mid_load_and_run_again_ends_equal_to_the_truth(
    big_catalogue, staging, run_dag, monkeypatch
):
    sandbox = big_catalogue
    sandbox.control.reset()
    connection = json.loads(tokopedia_connection(sandbox.base_url, SHOP_ID))
    connection["extra"]["budget_products"] = "off"
    monkeypatch.setenv("AIRFLOW_CONN_TOKOPEDIA_UJI", json.dumps(connection))
    sandbox.control.configure(faults={"slow": 1.0}, slow_seconds=0.2)
    first = sandbox.control.last_seq()
    doomed = subprocess.Popen(
        [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, next_quarter_hour().isoformat()],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(sandbox.control.requests(since=first, path_prefix=PRODUCT_INFO)["requests"]) < 30:
        assert time.monotonic() < deadline, "the full scan never got going"
        time.sleep(0.2)
    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.wait()
    staging.wait_for_other_sessions_to_end()
    partial = staging.value("SELECT count(*) FROM tokopedia.products")
    marked = staging.value("SELECT count(*) FROM tokopedia.products WHERE deleted_at IS NOT NULL")
    gone = staging.value(
        "SELECT min(product_id) FROM tokopedia.products WHERE parent_id IS NULL "
        "AND children_ids = '{}'"
    )
    sandbox.control.configure(faults={"slow": 0.0})
    with TokopediaClient(sandbox_config(sandbox, budgets={"products": None})) as client:
        client.products.delete([gone])

    run_dag(DAG_ID)

    assert 0 < partial < 2500
    assert marked == 0
    assert staging.value(
        "SELECT deleted_at IS NOT NULL FROM tokopedia.products WHERE product_id = %s", gone
    )
    assert_matches_truth(sandbox, staging)
    outcomes = [
        row[0] for row in staging.rows("SELECT outcome FROM tokopedia.sync_runs ORDER BY run_id")
    ]
    assert outcomes == ["interrupted", "success"]
