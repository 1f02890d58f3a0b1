"""Products and stock through the client: streaming, lookups, writes, per-row results, and rows
throttled inside a 200 that are sent again rather than dropped."""

from __future__ import annotations

import pytest

from tests.client.conftest import FakeTime
from tests.conftest import SHOP_ID, WAREHOUSES
from tokopedia_sync.client import LocalBudget, PartialBulkError, RateLimitedError


def live_products(sandbox) -> list[dict]:
    return [p for p in sandbox.control.products(SHOP_ID) if p["status"] != 0]


def sellable(sandbox) -> list[dict]:
    return [p for p in live_products(sandbox) if p["sku"] and not p["children"]]


class TestProductReads:
    def test_every_product_of_the_shop_comes_once(self, client, sandbox):
        listed = [p["basic"]["productID"] for p in client.products.list()]

        assert len(listed) == len(set(listed))
        assert set(listed) == {p["product_id"] for p in live_products(sandbox)}

    def test_lookups_by_ids_and_skus_leave_unknown_ones_out(self, client, sandbox):
        known = sellable(sandbox)[:30]

        by_ids = client.products.by_ids([p["product_id"] for p in known] + [1, 2])
        by_skus = client.products.by_skus([p["sku"] for p in known[:3]] + ["NO-SUCH-SKU"])

        assert {p["basic"]["productID"] for p in by_ids} == {p["product_id"] for p in known}
        assert {p["other"]["sku"] for p in by_skus} == {p["sku"] for p in known[:3]}

    def test_variants_of_a_parent_list_its_children(self, client, sandbox):
        parent = next(p for p in live_products(sandbox) if p["children"])

        tree = client.products.variants(parent["children"][0])

        assert tree["parent_id"] == parent["product_id"]
        assert {c["product_id"] for c in tree["children"]} == set(parent["children"])


class TestProductWrites:
    def test_create_then_poll_the_upload_then_edit(self, client, sandbox):
        upload_ids = client.products.create(
            [{"name": "Kopi Uji Coba", "price": 45_000, "stock": 12, "sku": "KUC-001"}]
        )
        status = client.products.upload_status(upload_ids[0])
        product_id = status["success_rows_data"][0]["product_id"]
        client.products.edit([{"id": product_id, "price": 47_500}])

        truth = next(p for p in sandbox.control.products() if p["product_id"] == product_id)
        assert (status["status"], status["success_rows"]) == ("DONE", 1)
        assert (truth["sku"], truth["price"]) == ("KUC-001", 47_500)

    def test_deactivate_activate_delete_report_each_product(self, client, sandbox):
        ids = [p["product_id"] for p in sellable(sandbox)[:30]]

        off = client.products.deactivate(ids)
        on = client.products.activate(ids[:5])
        gone = client.products.delete([*ids[:2], 42])

        assert len(off.succeeded) == 30
        assert off.requests == 2
        assert len(on.succeeded) == 5
        assert [f.row["product_id"] for f in gone.failed] == [42]
        statuses = {p["product_id"]: p["status"] for p in sandbox.control.products()}
        assert [statuses[i] for i in ids[:6]] == [0, 0, 1, 1, 1, 3]


class TestStock:
    def test_stock_is_set_in_batches_of_at_most_100_with_a_result_for_every_row(
        self, client, sandbox
    ):
        products = sellable(sandbox)[:80]
        rows = [{"sku": p["sku"], "new_stock": 7 + i} for i, p in enumerate(products)]
        rows += [{"product_id": p["product_id"], "new_stock": 3} for p in products[:60]]
        rows += [{"sku": "NO-SUCH-SKU", "new_stock": 1}, {"product_id": 1, "new_stock": -5}]
        first = sandbox.control.last_seq()

        result = client.inventory.set_stock(rows)

        batches = sandbox.control.requests(since=first, family="inventory")["requests"]
        assert [b["units"] for b in batches] == [100, 41]
        assert len(result.succeeded) == 140
        assert sorted(f.message for f in result.failed) == [
            "Invalid SKU.",
            "not sent: new_stock must be from 0 to 999999, got -5",
        ]
        truth = {p["product_id"]: p for p in sandbox.control.products()}
        default_warehouse = str(WAREHOUSES[0])
        assert all(
            truth[p["product_id"]]["stock_by_warehouse"][default_warehouse] == 3
            for p in products[:60]
        )
        assert truth[products[75]["product_id"]]["stock_by_warehouse"][default_warehouse] == 82

    def test_rows_throttled_inside_a_200_are_sent_again_until_they_land(self, make_client, sandbox):
        # Tokopedia's limiter is stricter than the client was told: part of the batch comes back
        # ERR_TOO_MANY_REQUEST inside a 200. The client must wait and send those rows again.
        # Its budget runs on simulated time; when it sleeps, the sandbox's minute starts over.
        sandbox.control.configure(budgets={"inventory": 60})
        fake = FakeTime()

        def sleep(seconds: float) -> None:
            fake.sleep(seconds)
            sandbox.control.configure(budgets={"inventory": 60})

        budget = LocalBudget({"inventory": 150}, clock=fake.clock, sleep=sleep)
        client = make_client(budget=budget, max_retry_seconds=300.0)
        products = sellable(sandbox)[:80]

        result = client.inventory.set_stock([{"sku": p["sku"], "new_stock": 11} for p in products])

        assert result.failed == []
        assert result.throttled_rows == 20
        assert len(result.succeeded) == 80
        assert fake.now - 1000.0 >= 59
        truth = {p["product_id"]: p for p in sandbox.control.products()}
        warehouse = str(WAREHOUSES[0])
        assert all(truth[p["product_id"]]["stock_by_warehouse"][warehouse] == 11 for p in products)

    def test_an_increment_whose_answer_is_lost_is_not_counted_twice(self, client, sandbox):
        product = sellable(sandbox)[0]
        before = product["stock_by_warehouse"][str(WAREHOUSES[1])]
        sandbox.control.script_faults("malformed", path_prefix="/inventory/v2")

        result = client.inventory.increment_stock(
            [{"product_id": product["product_id"], "stock_value": 5}], warehouse_id=WAREHOUSES[1]
        )

        after = next(
            p for p in sandbox.control.products() if p["product_id"] == product["product_id"]
        )
        assert len(result.succeeded) == 1
        assert after["stock_by_warehouse"][str(WAREHOUSES[1])] == before + 5

    def test_batches_shrink_to_fit_a_small_inventory_budget(self, make_client, sandbox):
        sandbox.control.configure(budgets={"inventory": None})
        fake = FakeTime()
        budget = LocalBudget({"inventory": 40}, clock=fake.clock, sleep=fake.sleep)
        client = make_client(budget=budget, max_retry_seconds=300.0)
        rows = [{"sku": p["sku"], "new_price": 25_000} for p in sellable(sandbox)[:90]]
        first = sandbox.control.last_seq()

        result = client.inventory.update_price(rows)

        batches = sandbox.control.requests(since=first, family="inventory")["requests"]
        assert [b["units"] for b in batches] == [40, 40, 10]
        assert fake.now - 1000.0 >= 2 * 60
        assert len(result.succeeded) == 90

    def test_a_smaller_limit_learned_mid_write_shrinks_the_batches_and_every_row_lands(
        self, make_client, sandbox
    ):
        # Tokopedia allows 60 rows a minute, the client was told 150: the first batch of 100
        # lands 60 and has 40 throttled; the rest go in batches of 60, throttled rows first.
        sandbox.control.configure(budgets={"inventory": 60})
        fake = FakeTime()

        def sleep(seconds: float) -> None:
            fake.sleep(seconds)
            sandbox.control.configure(budgets={"inventory": 60})

        budget = LocalBudget({"inventory": 150}, clock=fake.clock, sleep=sleep)
        client = make_client(budget=budget, max_retry_seconds=300.0)
        products = sellable(sandbox)[:100]
        rows = [{"sku": p["sku"], "new_stock": 500 + i} for i, p in enumerate(products)]
        rows += [{"product_id": p["product_id"], "new_stock": 9} for p in products]
        first = sandbox.control.last_seq()

        result = client.inventory.set_stock(rows)

        batches = sandbox.control.requests(since=first, family="inventory")["requests"]
        assert [(b["units"], b["throttled"]) for b in batches] == [(60, 40)] + [(60, 0)] * 2 + [
            (20, 0)
        ]
        assert (len(result.succeeded), result.failed, result.throttled_rows) == (200, [], 40)
        truth = {p["product_id"]: p for p in sandbox.control.products()}
        warehouse = str(WAREHOUSES[0])
        # Throttled rows went again before the later rows for the same products.
        assert all(truth[p["product_id"]]["stock_by_warehouse"][warehouse] == 9 for p in products)

    def test_a_429_announcing_a_per_second_burst_does_not_stop_a_bulk_write(self, client, sandbox):
        products = sellable(sandbox)[:100]
        sandbox.control.script_faults("429", path_prefix="/inventory/v1")

        result = client.inventory.set_stock([{"sku": p["sku"], "new_stock": 4} for p in products])

        assert (len(result.succeeded), result.failed) == (100, [])
        truth = {p["product_id"]: p for p in sandbox.control.products()}
        assert all(
            truth[p["product_id"]]["stock_by_warehouse"][str(WAREHOUSES[0])] == 4 for p in products
        )

    def test_a_write_that_cannot_finish_raises_with_the_rows_already_answered(
        self, make_client, sandbox
    ):
        # The minute's budget is spent after 60 rows and the client may wait only 5 s.
        sandbox.control.configure(budgets={"inventory": 60})
        client = make_client(max_retry_seconds=5.0)
        products = sellable(sandbox)[:100]
        rows = [{"sku": p["sku"], "new_stock": 77} for p in products]
        rows.append({"sku": "A-1", "new_stock": -1})

        with pytest.raises(PartialBulkError) as raised:
            client.inventory.set_stock(rows)

        error = raised.value
        assert isinstance(error.__cause__, RateLimitedError)
        assert len(error.result.succeeded) == 60
        assert [f.message for f in error.result.failed] == [
            "not sent: new_stock must be from 0 to 999999, got -1"
        ]
        # Throttled rows come back named by product_id only; they are still the rows sent.
        assert error.unsent == rows[60:100]
        assert "60 rows were applied" in str(error)
        assert "record them" in str(error)
        truth = {p["product_id"]: p for p in sandbox.control.products()}
        landed = [
            truth[p["product_id"]]["stock_by_warehouse"][str(WAREHOUSES[0])] == 77 for p in products
        ]
        assert landed == [True] * 60 + [False] * 40

    def test_a_status_change_that_cannot_finish_raises_with_the_ids_already_answered(
        self, make_client, sandbox
    ):
        sandbox.control.configure(budgets={"products": 30})
        client = make_client(max_retry_seconds=5.0)
        ids = [p["product_id"] for p in sellable(sandbox)[:40]]

        with pytest.raises(PartialBulkError) as raised:
            client.products.deactivate(ids)

        # The first 25 land; the next batch would pass the 30 a minute Tokopedia announced.
        assert [row["product_id"] for row in raised.value.result.succeeded] == ids[:25]
        assert raised.value.unsent == ids[25:]
