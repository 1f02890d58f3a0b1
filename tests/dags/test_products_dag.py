"""The products DAG, run for real against the sandbox, compared with the sandbox's ground truth."""

from __future__ import annotations

from decimal import Decimal

from tests.client.conftest import sandbox_config
from tests.conftest import FS_ID, OTHER_SHOP_ID, SHOP_ID
from tokopedia_sync.client import TokopediaClient

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
