"""The stock push against the sandbox and a real staging database, run the way the inventory
task runs it, with guardrails and bad input set per test."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest

from tests.client.conftest import FakeTime, sandbox_config
from tests.conftest import CLIENT_ID, CLIENT_SECRET, FS_ID, ROOT, SHOP_ID, WAREHOUSES
from tokopedia_sync.client import LocalBudget, TokopediaClient
from tokopedia_sync.client.errors import PartialBulkError, ServerError
from tokopedia_sync.shops import DEFAULT_FEATURES, InventorySettings, Shop
from tokopedia_sync.sync import runner

DEFAULT_WAREHOUSE = WAREHOUSES[0]
DAG_ID = "tokopedia_uji_inventory"
SET_STOCK = f"/inventory/v1/fs/{FS_ID}/stock/update"

PUSH_IN_A_PROCESS = """
import json, sys
from datetime import date
import psycopg
from tokopedia_sync.client import ClientConfig, TokopediaClient
from tokopedia_sync.shops import DEFAULT_FEATURES, InventorySettings, Shop
from tokopedia_sync.sync import runner

given = json.loads(sys.argv[1])
shop = Shop(
    key="uji", tokopedia_conn_id="unused", interval=15, start_date=date.today(),
    features=dict(DEFAULT_FEATURES), inventory=InventorySettings(**given["inventory"]),
)
with (
    TokopediaClient(ClientConfig(**given["client"])) as client,
    psycopg.connect(given["staging"], autocommit=True) as conn,
    runner.ledgered_run(
        client, conn, "tokopedia", shop, "inventory",
        dag_id=given["dag_id"], airflow_run_id=given["airflow_run_id"],
    ) as run,
):
    runner.push_stock(run, 15, False)
"""
"""The inventory task as a process of its own, to be killed half way."""


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
        self,
        stream: str,
        settings: Shop | None = None,
        dry_run: bool = False,
        airflow_run_id: str | None = None,
        **client,
    ) -> dict:
        """One run, as a task runs it; with `airflow_run_id`, as a try of that run of DAG_ID."""
        airflow = {"dag_id": DAG_ID, "airflow_run_id": airflow_run_id} if airflow_run_id else {}
        with (
            self.client(**client) as api,
            psycopg.connect(self.url, autocommit=True) as conn,
            runner.ledgered_run(
                api, conn, "tokopedia", settings or shop(), stream, **airflow
            ) as run,
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

    def target(self, value, *, sku=None, product_id=None, warehouse_id=None) -> int:
        return self.sql(
            "INSERT INTO tokopedia.stock_targets (shop_id, product_id, sku, warehouse_id, "
            "target_stock, requested_by) VALUES (%s, %s, %s, %s, %s, 'test') RETURNING target_id",
            SHOP_ID,
            product_id,
            sku,
            warehouse_id,
            value,
        )[0][0]

    def set_on_tokopedia(self, stocks: dict[int, int]) -> None:
        """Stock changed on Tokopedia directly, then synced into staging."""
        with self.client() as api:
            result = api.inventory.set_stock(
                [{"product_id": product_id, "new_stock": n} for product_id, n in stocks.items()]
            )
        assert not result.failed
        self.sync("products")

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
        return [entry["units"] for entry in self.stock_requests(since)]

    def stock_requests(self, since: int) -> list[dict]:
        return self.sandbox.control.requests(since=since, family="inventory")["requests"]

    def staged(self, product_id: int, warehouse_id: int = DEFAULT_WAREHOUSE) -> int:
        return self.sql(
            "SELECT stock FROM tokopedia.product_stock WHERE product_id = %s AND warehouse_id = %s",
            product_id,
            warehouse_id,
        )[0][0]


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

        first = toko.sandbox.control.last_seq()

        toko.sync(
            "inventory",
            budget=LocalBudget({"inventory": 150}, clock=fake.clock, sleep=sleep),
            max_retry_seconds=300.0,
        )

        answers = toko.stock_requests(first)
        assert sum(entry["throttled"] for entry in answers) > 0
        assert sum(entry["units"] for entry in answers) == 80
        assert len(toko.log()["sent"]) == 80
        assert all(
            toko.stock(p["product_id"]) == p["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)] + 2
            for p in products
        )

    def test_more_than_100_rows_of_one_warehouse_go_in_batches_of_at_most_100(self, toko):
        products = toko.sellable()
        assert len(products) > 100
        for product in products:
            toko.target(toko.stock(product["product_id"]) + 1, product_id=product["product_id"])
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory")

        units = toko.sent_units(first)
        assert len(units) == math.ceil(len(products) / 100)
        assert sorted(units, reverse=True) == [100, len(products) - 100]
        assert len(toko.log()["sent"]) == len(products)

    def test_the_sku_wins_when_a_target_names_both_sku_and_product_id(self, toko):
        by_sku, by_id = toko.sellable()[:2]
        id_stock = toko.stock(by_id["product_id"])
        toko.target(
            toko.stock(by_sku["product_id"]) + 6, sku=by_sku["sku"], product_id=by_id["product_id"]
        )

        toko.sync("inventory")

        assert (
            toko.stock(by_sku["product_id"])
            == by_sku["stock_by_warehouse"][str(DEFAULT_WAREHOUSE)] + 6
        )
        assert toko.stock(by_id["product_id"]) == id_stock
        assert [entry[1] for entry in toko.log()["sent"]] == [by_sku["product_id"]]

    def test_a_row_tokopedia_leaves_out_of_its_answer_is_logged_unknown_not_sent(self, toko):
        products = toko.sellable()[:3]
        befores = {p["product_id"]: toko.stock(p["product_id"]) for p in products}
        for product in products:
            toko.target(befores[product["product_id"]] + 2, product_id=product["product_id"])
        toko.sandbox.control.script_faults("short_answer", path_prefix=SET_STOCK)

        summary = toko.sync("inventory")

        log = toko.log()
        [(_, lost, message)] = log["unknown"]
        assert lost == products[0]["product_id"]
        assert "neither set nor failed" in message
        assert sorted(entry[1] for entry in log["sent"]) == sorted(
            p["product_id"] for p in products[1:]
        )
        assert summary["updated"] == 2
        # Tokopedia did set it, but said nothing: staging keeps what it knew, and the next run
        # plans the row again (after the products sync shows the new stock, it finds it right).
        assert toko.staged(lost) == befores[lost]
        assert all(
            toko.staged(p["product_id"]) == befores[p["product_id"]] + 2 for p in products[1:]
        )


class TestRetries:
    def test_a_retry_after_a_kill_mid_push_sends_only_what_the_killed_try_left(self, toko):
        first_warehouse = toko.sellable()
        second_warehouse = first_warehouse[:40]
        for product in first_warehouse:
            toko.target(toko.stock(product["product_id"]) + 1, sku=product["sku"])
        for product in second_warehouse:
            toko.target(
                toko.stock(product["product_id"], WAREHOUSES[1]) + 1,
                sku=product["sku"],
                warehouse_id=WAREHOUSES[1],
            )
        changed = len(first_warehouse) + len(second_warehouse)
        limit = changed - 22
        first = toko.sandbox.control.last_seq()
        # A budget of 100 a minute: after its first batch the first try waits for budget, and is
        # killed there, with its first batch answered and logged and nothing else sent.
        given = {
            "inventory": {"max_items_per_run": limit},
            "staging": toko.url,
            "dag_id": DAG_ID,
            "airflow_run_id": "scheduled__try",
            "client": {
                "fs_id": FS_ID,
                "shop_id": SHOP_ID,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "api_base_url": toko.sandbox.base_url,
                "auth_base_url": f"{toko.sandbox.base_url}/accounts",
                "budgets": {"inventory": 100},
            },
        }
        killed = subprocess.Popen(
            [sys.executable, "-c", PUSH_IN_A_PROCESS, json.dumps(given)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while len(toko.log().get("sent", [])) < 100:
                assert killed.poll() is None, killed.stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, "the first try sent nothing in 60 s"
                time.sleep(0.1)
        finally:
            killed.kill()
            killed.wait()
        assert toko.sent_units(first) == [100]

        toko.sync("inventory", shop(max_items_per_run=limit), airflow_run_id="scheduled__try")

        assert sum(toko.sent_units(first)) == limit
        sent = [product_id for _, product_id, _ in toko.log()["sent"]]
        assert len(sent) == limit
        targets = toko.sql("SELECT target_id FROM tokopedia.stock_push_log WHERE result = 'sent'")
        assert len(set(targets)) == limit
        assert len(toko.log()["held"]) == changed - limit
        assert [
            outcome
            for (outcome,) in toko.sql(
                "SELECT outcome FROM tokopedia.sync_runs WHERE stream = 'inventory' ORDER BY run_id"
            )
        ] == ["interrupted", "success"]
        assert toko.sql(
            "SELECT count(*), count(DISTINCT plan_run_id) FROM tokopedia.stock_push_runs"
        ) == [(1, 1)]

    def test_a_batch_whose_call_failed_is_logged_unknown_and_the_retry_sends_it(self, toko):
        products = toko.sellable()[:30]
        targets = {}
        for product in products:
            targets[product["product_id"]] = toko.stock(product["product_id"]) + 3
            toko.target(targets[product["product_id"]], product_id=product["product_id"])
        toko.sandbox.control.script_faults("5xx", path_prefix=SET_STOCK)

        with pytest.raises(PartialBulkError) as raised:
            toko.sync("inventory", airflow_run_id="scheduled__a", max_attempts=1)

        assert isinstance(raised.value.__cause__, ServerError)
        unknown = toko.log()["unknown"]
        assert len(unknown) == 30
        assert all("500 ORD_API_006" in message for _, _, message in unknown)
        assert "sent" not in toko.log()
        # The ERP changes one target before the retry: the plan's value for it is out of date.
        changed = products[0]["product_id"]
        toko.sql(
            "UPDATE tokopedia.stock_targets SET target_stock = target_stock + 1 "
            "WHERE product_id = %s",
            changed,
        )
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory", airflow_run_id="scheduled__a")

        assert toko.sent_units(first) == [29]
        assert sorted(product_id for _, product_id, _ in toko.log()["sent"]) == sorted(
            p["product_id"] for p in products[1:]
        )
        assert all(toko.stock(p["product_id"]) == targets[p["product_id"]] for p in products[1:])

        toko.sync("inventory", airflow_run_id="scheduled__b")

        assert toko.stock(changed) == targets[changed] + 1

    def test_a_call_that_fails_part_way_logs_the_rows_tokopedia_set_and_the_retry_the_rest(
        self, toko
    ):
        products = toko.sellable()[:80]
        targets = {}
        for product in products:
            targets[product["product_id"]] = toko.stock(product["product_id"]) + 2
            toko.target(targets[product["product_id"]], product_id=product["product_id"])
        # Tokopedia grants 50 rows this minute and the client may wait only 2 s for more.
        toko.sandbox.control.configure(budgets={"inventory": 50})

        with pytest.raises(PartialBulkError):
            toko.sync("inventory", airflow_run_id="scheduled__a", max_retry_seconds=2.0)

        log = toko.log()
        assert len(log["sent"]) == 50
        assert len(log["unknown"]) == 30
        assert all(
            toko.stock(product_id) == targets[product_id] for _, product_id, _ in log["sent"]
        )
        assert all(
            toko.staged(product_id) == targets[product_id] for _, product_id, _ in log["sent"]
        )
        toko.sandbox.control.configure(budgets={"inventory": 150})
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory", airflow_run_id="scheduled__a")

        assert toko.sent_units(first) == [30]
        assert all(toko.stock(p["product_id"]) == targets[p["product_id"]] for p in products)

    def test_running_an_airflow_run_that_applied_again_sends_nothing(self, toko):
        product = toko.sellable()[0]
        toko.target(toko.stock(product["product_id"]) + 4, sku=product["sku"])
        toko.sync("inventory", airflow_run_id="scheduled__once")
        toko.sql("UPDATE tokopedia.stock_targets SET target_stock = target_stock + 1")
        first = toko.sandbox.control.last_seq()

        again = toko.sync("inventory", airflow_run_id="scheduled__once")

        assert toko.sent_units(first) == []
        assert again["updated"] == 0
        plan = toko.sql("SELECT dag_id, airflow_run_id, action FROM tokopedia.stock_push_plan")
        assert plan == [(DAG_ID, "scheduled__once", "send")]
        logged = toko.sql("SELECT dag_id, airflow_run_id, result FROM tokopedia.stock_push_log")
        assert logged == [(DAG_ID, "scheduled__once", "sent")]


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

    @pytest.mark.parametrize(
        ("units", "ratio", "held"),
        [
            (500, 0.5, {"far"}),
            (500, None, {"many", "far"}),
            (None, 0.5, {"small", "far"}),
            (None, None, set()),
        ],
    )
    def test_a_change_is_held_only_when_over_every_limit_that_is_set(
        self, toko, units, ratio, held
    ):
        # 10,000 -> 5,001 is many units but under half; 10 -> 400 is a big share but few units.
        changes = {
            "many": (10_000, 5_001),
            "small": (10, 400),
            "far": (10, 900),
            "mild": (100, 120),
        }
        products = dict(zip(changes, toko.sellable(), strict=False))
        toko.set_on_tokopedia(
            {products[name]["product_id"]: before for name, (before, _) in changes.items()}
        )
        for name, (_, after) in changes.items():
            toko.target(after, sku=products[name]["sku"])

        toko.sync("inventory", shop(max_change_units=units, max_change_ratio=ratio))

        held_skus = {sku for sku, _, _ in toko.log().get("held", [])}
        assert {name for name, p in products.items() if p["sku"] in held_skus} == held
        for name, (before, after) in changes.items():
            expected = before if name in held else after
            assert toko.stock(products[name]["product_id"]) == expected, name

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

    def test_stale_staging_equal_to_the_target_does_not_hide_a_change_on_tokopedia(self, toko):
        product = toko.sellable()[0]
        before = toko.stock(product["product_id"])
        toko.target(before, sku=product["sku"])
        # Sold on Tokopedia after the last products sync: staging still equals the target.
        with toko.client() as api:
            api.inventory.set_stock([{"sku": product["sku"], "new_stock": before + 3}])
        toko.sql(
            "UPDATE tokopedia.sync_state SET last_success_at = now() - interval '1 hour' "
            "WHERE stream = 'products'"
        )
        first = toko.sandbox.control.last_seq()

        toko.sync("inventory")

        assert toko.sent_units(first) == [1]
        assert toko.stock(product["product_id"]) == before

    def test_an_update_of_a_target_moves_requested_at_and_the_plan_says_who_asked_when(self, toko):
        product = toko.sellable()[0]
        target_id = toko.target(toko.stock(product["product_id"]) + 1, sku=product["sku"])
        toko.sql(
            "UPDATE tokopedia.stock_targets SET requested_at = now() - interval '2 hours', "
            "requested_by = 'erp-old'"
        )
        [(set_at,)] = toko.sql("SELECT requested_at FROM tokopedia.stock_targets")
        toko.sql("UPDATE tokopedia.stock_targets SET requested_by = 'erp-audit'")
        assert toko.sql("SELECT requested_at FROM tokopedia.stock_targets") == [(set_at,)]

        toko.sql(
            "UPDATE tokopedia.stock_targets SET target_stock = target_stock + 1, "
            "requested_by = 'erp-nightly'"
        )
        [(updated_at,)] = toko.sql("SELECT requested_at FROM tokopedia.stock_targets")
        summary = toko.sync("inventory")

        assert updated_at > set_at + timedelta(hours=1)
        plan = toko.sql(
            "SELECT target_id, requested_by, requested_at FROM tokopedia.stock_push_plan "
            "WHERE run_id = %s",
            summary["run_id"],
        )
        assert plan == [(target_id, "erp-nightly", updated_at)]
        toko.sql("UPDATE tokopedia.stock_targets SET target_stock = 1, requested_at = %s", set_at)
        assert toko.sql("SELECT requested_at FROM tokopedia.stock_targets") == [(set_at,)]

    def test_low_stock_products_show_in_the_view(self, toko):
        product = toko.sellable()[0]
        toko.target(2, sku=product["sku"])
        toko.target(1, sku=product["sku"], warehouse_id=WAREHOUSES[1])

        toko.sync("inventory", shop(allow_zero=True, max_change_units=999_999))

        low = toko.sql("SELECT product_id, stock FROM tokopedia.low_stock")
        assert (product["product_id"], 3) in low

    def test_the_push_log_refuses_updates_deletes_and_truncate(self, toko):
        toko.target(-1, sku=toko.sellable()[0]["sku"])
        toko.sync("inventory")

        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            toko.sql("UPDATE tokopedia.stock_push_log SET message = 'edited'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            toko.sql("DELETE FROM tokopedia.stock_push_log")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            toko.sql("TRUNCATE tokopedia.stock_push_log")
        assert len(toko.log()["rejected"]) == 1
