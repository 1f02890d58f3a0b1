"""The stock push against the sandbox and a real staging database, run the way the inventory
task runs it, with guardrails and bad input set per test."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest

from tests.client.conftest import FakeTime, sandbox_config
from tests.conftest import SHOP_ID, WAREHOUSES
from tokopedia_sync.client import LocalBudget, TokopediaClient
from tokopedia_sync.shops import DEFAULT_FEATURES, InventorySettings, Shop
from tokopedia_sync.sync import runner

DEFAULT_WAREHOUSE = WAREHOUSES[0]


def shop(**inventory) -> Shop:
    return Shop(
        key="uji",
        tokopedia_conn_id="unused",
        interval=15,
        start_date=date.today() - timedelta(days=3),
        features=dict(DEFAULT_FEATURES),
        inventory=InventorySettings(**inventory),
    )


class Shop_:
    """The test shop: staging synced from the sandbox, targets written as the ERP would."""

    def __init__(self, sandbox, url: str) -> None:
        self.sandbox = sandbox
        self.url = url
        self.sync("products")

    def client(self, **options) -> TokopediaClient:
        budget = options.pop("budget", None)
        return TokopediaClient(sandbox_config(self.sandbox, **options), budget=budget)

    def sync(
        self, stream: str, settings: Shop | None = None, dry_run: bool = False, **client
    ) -> dict:
        with (
            self.client(**client) as api,
            psycopg.connect(self.url, autocommit=True) as conn,
            runner.ledgered_run(api, conn, "tokopedia", settings or shop(), stream) as run,
        ):
            if stream == "products":
                runner.sync_products(run)
            else:
                runner.push_stock(run, 15, dry_run)
        return run.summary() | {"held": run.counters.held, "rejected": run.counters.rejected}

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def target(self, value, *, sku=None, product_id=None, warehouse_id=None) -> None:
        self.sql(
            "INSERT INTO tokopedia.stock_targets (shop_id, product_id, sku, warehouse_id, "
            "target_stock, requested_by) VALUES (%s, %s, %s, %s, %s, 'test')",
            SHOP_ID,
            product_id,
            sku,
            warehouse_id,
            value,
        )

    def sellable(self) -> list[dict]:
        return [
            p
            for p in self.sandbox.control.products(SHOP_ID)
            if p["sku"] and p["status"] == 1 and not p["children"]
        ]

    def stock(self, product_id: int, warehouse_id: int = DEFAULT_WAREHOUSE) -> int:
        truth = next(
            p for p in self.sandbox.control.products(SHOP_ID) if p["product_id"] == product_id
        )
        return truth["stock_by_warehouse"][str(warehouse_id)]

    def log(self) -> dict[str, list[tuple]]:
        entries: dict[str, list[tuple]] = {}
        for result, sku, product_id, message in self.sql(
            "SELECT result, sku, product_id, message FROM tokopedia.stock_push_log ORDER BY log_id"
        ):
            entries.setdefault(result, []).append((sku, product_id, message))
        return entries

    def sent_units(self, since: int) -> list[int]:
        log = self.sandbox.control.requests(since=since, family="inventory")["requests"]
        return [entry["units"] for entry in log]


@pytest.fixture
def toko(sandbox, staging_url) -> Shop_:
    return Shop_(sandbox, staging_url)


class TestApply:
    def test_tokopedia_ends_at_the_target_of_every_good_row_and_only_changes_are_sent(self, toko):
        products = toko.sellable()[:70]
        for i, product in enumerate(products):
            before = product["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)]
            changed = i < 60
            toko.target(before + (i % 7) + 1 if changed else before, sku=product["sku"])
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory")

        assert toko.sent_units(first) == [60]
        for i, product in enumerate(products):
            expected = product["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)] + (
                (i % 7) + 1 if i < 60 else 0
            )
            assert toko.stock(product["product_id"]) == expected
        assert len(toko.log()["sent"]) == 60
        staged = dict(
            toko.sql(
                "SELECT product_id, stock FROM tokopedia.product_stock WHERE warehouse_id = %s",
                DEFAULT_WAREHOUSE,
            )
        )
        assert all(staged[p["product_id"]] == toko.stock(p["product_id"]) for p in products)

    def test_batches_are_at_most_100_items_and_a_second_run_sends_nothing(self, toko):
        products = toko.sellable()[:95]
        other_warehouse = [(p, WAREHOUSES[1]) for p in products[:40]]
        for product in products:
            toko.target(
                product["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)] + 3,
                product_id=product["product_id"],
            )
        for product, warehouse in other_warehouse:
            toko.target(
                product["stock_by_warehouse"][str(warehouse)] + 2,
                sku=product["sku"],
                warehouse_id=warehouse,
            )
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory")
        second = toko.sandbox.control.last_seq()
        again = toko.sync("inventory")

        assert sorted(toko.sent_units(first)) == [40, 95]
        assert len(toko.sent_units(first)) == math.ceil(95 / 100) + math.ceil(40 / 100)
        assert toko.sent_units(second) == []
        assert again["updated"] == 0

    def test_a_dry_run_writes_the_plan_and_sends_nothing(self, toko):
        product = toko.sellable()[0]
        before = toko.stock(product["product_id"])
        toko.target(before + 4, sku=product["sku"])
        first = toko.sandbox.control.last_seq()

        summary = toko.sync("inventory", dry_run=True)

        assert toko.sent_units(first) == []
        assert toko.stock(product["product_id"]) == before
        plan = toko.sql(
            "SELECT action, stock_before, target_stock FROM tokopedia.stock_push_plan "
            "WHERE run_id = %s",
            summary["run_id"],
        )
        assert plan == [("send", before, Decimal(before + 4))]

    def test_a_row_tokopedia_refuses_is_recorded_failed_with_its_message_and_the_rest_land(
        self, toko
    ):
        products = toko.sellable()[:3]
        with toko.client() as api:
            api.products.delete([products[0]["product_id"]])
        for product in products:
            toko.target(
                toko.stock(product["product_id"]) + 1 if product is not products[0] else 9,
                sku=product["sku"],
            )

        toko.sync("inventory")

        log = toko.log()
        assert [entry[1] for entry in log["failed"]] == [products[0]["product_id"]]
        assert log["failed"][0][2] == "Invalid Product ID."
        assert len(log["sent"]) == 2

    def test_rows_throttled_inside_a_200_are_sent_again_and_land(self, toko, sandbox):
        # Tokopedia's limiter is stricter than the client was told; the client's budget runs
        # on simulated time, and when it sleeps the sandbox's minute starts over.
        sandbox.control.configure(budgets={"inventory": 50})
        fake = FakeTime()

        def sleep(seconds: float) -> None:
            fake.sleep(seconds)
            sandbox.control.configure(budgets={"inventory": 50})

        products = toko.sellable()[:80]
        for product in products:
            toko.target(toko.stock(product["product_id"]) + 2, sku=product["sku"])

        toko.sync(
            "inventory",
            budget=LocalBudget({"inventory": 150}, clock=fake.clock, sleep=sleep),
            max_retry_seconds=300.0,
        )

        assert len(toko.log()["sent"]) == 80
        assert all(
            toko.stock(p["product_id"]) == p["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)] + 2
            for p in products
        )


class TestBadInput:
    def test_bad_targets_are_rejected_with_the_reason_never_sent_and_the_good_row_goes_on(
        self, toko
    ):
        products = toko.sellable()
        parent = next(p for p in toko.sandbox.control.products(SHOP_ID) if p["children"])
        good = products[0]
        toko.target(toko.stock(good["product_id"]) + 1, sku=good["sku"])
        toko.target(-3, sku=products[1]["sku"])
        toko.target(None, sku=products[2]["sku"])
        toko.target(Decimal("4.5"), sku=products[3]["sku"])
        toko.target(10**9, sku=products[4]["sku"])
        toko.target(5, sku="NO-SUCH-SKU")
        toko.target(5, product_id=1)
        toko.target(5, sku=products[5]["sku"])
        toko.target(6, product_id=products[5]["product_id"])
        toko.target(5, product_id=parent["product_id"])
        toko.target(5)
        first = toko.sandbox.control.last_seq()

        summary = toko.sync("inventory")

        assert toko.sent_units(first) == [1]
        reasons = sorted(message for _, _, message in toko.log()["rejected"])
        assert summary["rejected"] == 10
        for expected in (
            "is negative",
            "target_stock is empty",
            "is not a whole number",
            "above 999,999",
            "sku 'NO-SUCH-SKU' is not a product of this shop",
            "product_id 1 is not a product of this shop",
            "2 targets for product",
            "has variants",
            "neither a product_id nor a sku",
        ):
            assert any(expected in reason for reason in reasons), expected

    def test_a_rejected_target_is_logged_once_not_on_every_run(self, toko):
        toko.target(-1, sku=toko.sellable()[0]["sku"])

        toko.sync("inventory")
        toko.sync("inventory")

        assert len(toko.log()["rejected"]) == 1


class TestGuardrails:
    def test_large_changes_drops_to_zero_and_the_per_run_limit_are_held(self, toko):
        products = [
            p for p in toko.sellable() if p["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)] >= 10
        ]
        big, zero, small = products[0], products[1], products[2:8]
        toko.target(toko.stock(big["product_id"]) + 900, sku=big["sku"])
        toko.target(0, sku=zero["sku"])
        for product in small:
            toko.target(toko.stock(product["product_id"]) + 1, sku=product["sku"])
        first = toko.sandbox.control.last_seq()

        summary = toko.sync("inventory", shop(max_items_per_run=4))

        assert toko.sent_units(first) == [4]
        held = {sku: message for sku, _, message in toko.log()["held"]}
        assert "exceeds the limits" in held[big["sku"]]
        assert "would drop stock" in held[zero["sku"]]
        assert sum("over the limit of 4 items" in m for m in held.values()) == 2
        assert summary["held"] == 4

    def test_a_drop_to_zero_goes_through_when_allowed(self, toko):
        product = next(
            p for p in toko.sellable() if p["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)] > 0
        )
        toko.target(0, sku=product["sku"])

        toko.sync("inventory", shop(allow_zero=True))

        assert toko.stock(product["product_id"]) == 0

    def test_the_kill_switch_holds_everything(self, toko):
        product = toko.sellable()[0]
        toko.target(toko.stock(product["product_id"]) + 1, sku=product["sku"])
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory", shop(paused=True))

        assert toko.sent_units(first) == []
        assert "paused" in toko.log()["held"][0][2]


class TestStagingAndAudit:
    def test_stale_staging_is_refreshed_for_the_candidates_before_comparing(self, toko):
        product = toko.sellable()[0]
        # Someone set the stock on Tokopedia directly after the last products sync.
        with toko.client() as api:
            api.inventory.set_stock([{"sku": product["sku"], "new_stock": 321}])
        toko.target(321, sku=product["sku"])
        toko.sql(
            "UPDATE tokopedia.sync_state SET last_success_at = now() - interval '1 hour' "
            "WHERE stream = 'products'"
        )
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory")

        assert toko.sent_units(first) == []
        assert toko.sql(
            "SELECT stock FROM tokopedia.product_stock WHERE product_id = %s AND warehouse_id = %s",
            product["product_id"],
            DEFAULT_WAREHOUSE,
        ) == [(321,)]

    def test_low_stock_products_show_in_the_view(self, toko):
        product = toko.sellable()[0]
        toko.target(2, sku=product["sku"])
        toko.target(1, sku=product["sku"], warehouse_id=WAREHOUSES[1])

        toko.sync("inventory", shop(allow_zero=True, max_change_units=999_999))

        low = toko.sql("SELECT product_id, stock FROM tokopedia.low_stock")
        assert (product["product_id"], 3) in low

    def test_the_push_log_refuses_changes_and_deletions(self, toko):
        toko.target(-1, sku=toko.sellable()[0]["sku"])
        toko.sync("inventory")

        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            toko.sql("UPDATE tokopedia.stock_push_log SET message = 'edited'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            toko.sql("DELETE FROM tokopedia.stock_push_log")
