"""Ground truth and controls under `/_sandbox/`: true orders and products, the request log, reset,
run-time settings and ticks."""

from __future__ import annotations

import time

import pytest
import requests

from tests.conftest import CLIENT_ID, FS_ID, OTHER_SHOP_ID, SHOP_ID, WAREHOUSES
from tests.sandbox.conftest import RawApi
from tokopedia_sync.sandbox.process import SandboxProcess

SHOP_INFO = f"/v1/shop/fs/{FS_ID}/shop-info"
SET_STOCK = f"/inventory/v1/fs/{FS_ID}/stock/update"


def control_call(sandbox, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{sandbox.base_url}/_sandbox/{path}", timeout=10, **kwargs)


class TestOrderTruth:
    def test_every_seeded_order_of_every_shop_is_there(self, sandbox):
        settings = sandbox.control.settings()

        orders = sandbox.control.orders()

        assert len(orders) == settings["orders_per_shop"] * len(settings["shops"])
        assert len({o["order_id"] for o in orders}) == len(orders)
        assert {o["shop_id"] for o in orders} == {SHOP_ID, OTHER_SHOP_ID}

    def test_the_shop_filter_keeps_that_shops_orders(self, sandbox):
        orders = sandbox.control.orders(shop_id=OTHER_SHOP_ID)

        assert orders
        assert {o["shop_id"] for o in orders} == {OTHER_SHOP_ID}

    def test_detail_adds_items_and_the_history_whose_last_entry_is_the_status(self, sandbox):
        plain = sandbox.control.orders(shop_id=SHOP_ID)
        detailed = sandbox.control.orders(shop_id=SHOP_ID, detail=True)

        assert "history" not in plain[0]
        for order in detailed:
            assert order["history"][-1][0] == order["status"]
            assert order["history"][0] == [100, order["create_time"]]
            assert len(order["items"]) == order["item_count"]
            assert order["ttl_product_price"] == sum(
                i["price"] * i["quantity"] for i in order["items"]
            )

    def test_one_order_comes_with_its_detail(self, sandbox):
        first = sandbox.control.orders()[0]

        order = sandbox.control.order(first["order_id"])

        assert order["order_id"] == first["order_id"]
        assert order["history"][-1][0] == first["status"]

    def test_an_unknown_order_is_404(self, sandbox):
        assert control_call(sandbox, "GET", "orders/1").status_code == 404
        assert control_call(sandbox, "GET", "orders/abc").status_code == 404

    def test_a_non_numeric_shop_filter_is_400(self, sandbox):
        assert control_call(sandbox, "GET", "orders", params={"shop_id": "x"}).status_code == 400


class TestProductTruth:
    def test_every_seeded_product_of_every_shop_is_there(self, sandbox):
        settings = sandbox.control.settings()

        products = sandbox.control.products()

        assert len(products) == settings["products_per_shop"] * len(settings["shops"])
        assert {p["shop_id"] for p in products} == {SHOP_ID, OTHER_SHOP_ID}

    def test_stock_is_the_sum_of_the_warehouses(self, sandbox):
        products = sandbox.control.products(shop_id=SHOP_ID)

        for product in products:
            assert product["stock"] == sum(product["stock_by_warehouse"].values())
            if not product["children"]:
                assert set(product["stock_by_warehouse"]) == {str(w) for w in WAREHOUSES}

    def test_parents_and_children_point_at_each_other(self, sandbox):
        products = {p["product_id"]: p for p in sandbox.control.products()}

        parents = [p for p in products.values() if p["children"]]

        assert parents
        for parent in parents:
            assert all(products[c]["parent_id"] == parent["product_id"] for c in parent["children"])


class TestRequestLog:
    def test_api_requests_since_a_sequence_number_are_listed_in_order(self, api, sandbox):
        since = sandbox.control.last_seq()
        api.get(SHOP_INFO, shop_id=SHOP_ID)
        api.get(SHOP_INFO, shop_id="abc")

        log = sandbox.control.requests(since=since)

        first, second = log["requests"]
        assert log["last_seq"] == since + 2
        assert (first["seq"], second["seq"]) == (since + 1, since + 2)
        assert (first["method"], first["path"], first["status"]) == ("GET", SHOP_INFO, 200)
        assert first["query"] == f"shop_id={SHOP_ID}"
        assert (first["client_id"], first["shop_id"], first["family"]) == (
            CLIENT_ID,
            SHOP_ID,
            "shop",
        )
        assert (second["status"], second["error_code"]) == (400, "SHP_DLV_001")
        assert abs(first["time"] - time.time()) < 30

    def test_the_log_filters_by_family_and_path_prefix(self, api, sandbox):
        since = sandbox.control.last_seq()
        api.get(SHOP_INFO, shop_id=SHOP_ID)
        api.get(f"/v1/fs/{FS_ID}")

        by_family = sandbox.control.requests(since=since, family="shop")["requests"]
        by_prefix = sandbox.control.requests(since=since, path_prefix="/v1/fs/")["requests"]

        assert [e["path"] for e in by_family] == [SHOP_INFO]
        assert [e["path"] for e in by_prefix] == [f"/v1/fs/{FS_ID}"]

    def test_the_token_request_is_logged_too(self, sandbox):
        since = sandbox.control.last_seq()

        RawApi(sandbox.base_url).login()

        [entry] = sandbox.control.requests(since=since)["requests"]
        assert (entry["path"], entry["status"], entry["client_id"]) == (
            "/accounts/token",
            200,
            CLIENT_ID,
        )

    def test_clearing_the_log_keeps_the_sequence_going(self, api, sandbox):
        api.get(SHOP_INFO, shop_id=SHOP_ID)
        last = sandbox.control.last_seq()

        cleared = control_call(sandbox, "DELETE", "requests").json()
        api.get(SHOP_INFO, shop_id=SHOP_ID)

        assert cleared["last_seq"] == last
        [entry] = sandbox.control.requests()["requests"]
        assert entry["seq"] == last + 1

    def test_a_non_numeric_since_is_400(self, sandbox):
        response = control_call(sandbox, "GET", "requests", params={"since": "yesterday"})

        assert response.status_code == 400


class TestReset:
    def test_reset_restores_the_seeded_orders_products_and_log(self, api, sandbox):
        orders = {o["order_id"]: o["status"] for o in sandbox.control.orders()}
        products = {p["product_id"]: p["stock_by_warehouse"] for p in sandbox.control.products()}
        accepted = next(oid for oid, status in orders.items() if status == 220)
        changed = next(p for p in sandbox.control.products() if not p["children"])
        api.post(f"/v1/order/{accepted}/fs/{FS_ID}/ack")
        api.post(
            SET_STOCK, [{"product_id": changed["product_id"], "new_stock": 1}], shop_id=SHOP_ID
        )
        sandbox.control.tick(new_orders=5, advances=20)
        sandbox.control.configure(budgets={"shop": 1})

        sandbox.control.reset()

        assert {o["order_id"]: o["status"] for o in sandbox.control.orders()} == orders
        assert {
            p["product_id"]: p["stock_by_warehouse"] for p in sandbox.control.products()
        } == products
        assert sandbox.control.requests()["requests"] == []
        assert sandbox.control.settings()["budgets_per_minute"]["shop"] != 1

    def test_reset_ends_every_token(self, api, sandbox):
        sandbox.control.reset()

        assert api.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 401

    def test_ticks_after_a_reset_repeat_the_same_business(self, sandbox):
        first = sandbox.control.tick(new_orders=3, advances=5)
        first_statuses = [sandbox.control.order(oid)["status"] for oid in first["advanced"]]

        sandbox.control.reset()
        second = sandbox.control.tick(new_orders=3, advances=5)

        assert second == first
        assert [sandbox.control.order(oid)["status"] for oid in second["advanced"]] == (
            first_statuses
        )


class TestSettings:
    def test_settings_describe_the_run(self, sandbox):
        settings = sandbox.control.settings()

        assert settings["fs_id"] == FS_ID
        assert settings["client_id"] == CLIENT_ID
        assert settings["api_base_url"] == sandbox.base_url
        assert settings["auth_base_url"] == f"{sandbox.base_url}/accounts"
        assert [shop["shop_id"] for shop in settings["shops"]] == [SHOP_ID, OTHER_SHOP_ID]
        assert settings["scripted_faults"] == []

    def test_a_patch_changes_the_knobs_it_names_only(self, sandbox):
        before = sandbox.control.settings()

        after = sandbox.control.configure(budgets={"orders": 7}, token_ttl=600, slow_seconds=0.5)

        assert after["budgets_per_minute"] == {**before["budgets_per_minute"], "orders": 7}
        assert (after["token_ttl"], after["slow_seconds"]) == (600, 0.5)
        assert after["fault_seed"] == before["fault_seed"]

    @pytest.mark.parametrize(
        ("body", "complaint"),
        [
            ({"fs_id": 1}, "fs_id"),
            ({"orders_per_shop": 10}, "orders_per_shop"),
            ({"budgets": {"chat": 5}}, "chat"),
            ({"budgets": {"orders": 0}}, "at least 1"),
            ({"budgets": {"orders": "many"}}, "whole number"),
            ({"faults": {"5xx": 2}}, "outside"),
            ({"token_ttl": "a day"}, ""),
            ({"token_ttl": None}, ""),
            ({"budgets": ["orders"]}, "object"),
            ({"faults": ["5xx"]}, "object"),
            ({"new_orders_per_minute": "inf"}, "new_orders_per_minute must be a number"),
            ({"new_orders_per_minute": "6"}, "new_orders_per_minute must be a number"),
            ({"advances_per_minute": -1}, "not negative"),
            ({"slow_seconds": True}, "slow_seconds must be a number"),
            ({"token_ttl": 1.5}, "whole number"),
            ({"fault_seed": -1}, "not negative"),
        ],
    )
    def test_a_bad_patch_is_400_and_changes_nothing(self, sandbox, body, complaint):
        before = sandbox.control.settings()

        response = control_call(sandbox, "PATCH", "settings", json=body)

        assert response.status_code == 400
        assert complaint in response.json()["error"]
        assert sandbox.control.settings() == before

    @pytest.mark.parametrize(
        "raw",
        [
            b'{"new_orders_per_minute": NaN}',
            b'{"advances_per_minute": Infinity}',
            b'{"new_orders_per_minute": 1e400}',
            b'{"slow_seconds": -1e999}',
        ],
    )
    def test_a_rate_that_is_not_finite_is_400_and_changes_nothing(self, sandbox, raw):
        before = sandbox.control.settings()

        response = control_call(sandbox, "PATCH", "settings", data=raw)

        assert response.status_code == 400
        assert "finite" in response.json()["error"]
        assert sandbox.control.settings() == before

    @pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b"[" * 100_000])
    def test_a_patch_body_that_is_not_a_json_object_is_400(self, sandbox, raw):
        response = control_call(sandbox, "PATCH", "settings", data=raw)

        assert response.status_code == 400


class TestTick:
    def test_a_tick_for_one_shop_touches_only_that_shop(self, sandbox):
        result = sandbox.control.tick(new_orders=4, shop_id=OTHER_SHOP_ID)

        assert len(result["created"]) == 4
        assert {sandbox.control.order(oid)["shop_id"] for oid in result["created"]} == {
            OTHER_SHOP_ID
        }

    def test_a_tick_creates_orders_in_every_shop(self, sandbox):
        before = len(sandbox.control.orders())

        result = sandbox.control.tick(new_orders=3)

        assert len(result["created"]) == 6
        assert len(sandbox.control.orders()) == before + 6

    @pytest.mark.parametrize(
        "body",
        [
            {"new_orders": "some"},
            {"advances": [1]},
            {"shop_id": "main"},
            {"shop_id": 999_999},
            {"new_orders": -1},
            {"advances": 10**9},
            {"new_orders": 2.5},
        ],
    )
    def test_a_bad_tick_is_400(self, sandbox, body):
        assert control_call(sandbox, "POST", "tick", json=body).status_code == 400

    @pytest.mark.parametrize(
        ("method", "path", "status"),
        [("GET", "nothing-here", 404), ("GET", "reset", 405), ("PUT", "settings", 405)],
    )
    def test_an_unknown_control_path_or_method_answers_in_the_controls_form_unlogged(
        self, sandbox, method, path, status
    ):
        since = sandbox.control.last_seq()

        response = control_call(sandbox, method, path)

        assert response.status_code == status
        assert f"/_sandbox/{path}" in response.json()["error"]
        assert sandbox.control.requests(since=since)["requests"] == []

    def test_health_says_ok_with_the_order_count(self, sandbox):
        health = control_call(sandbox, "GET", "health").json()

        assert health == {"ok": True, "orders": len(sandbox.control.orders())}


class TestBusinessOverTime:
    """Without ticks: orders arrive and move on by themselves at the rates the sandbox is given."""

    def test_orders_arrive_and_advance_at_the_rates_set_and_stop_when_set_to_zero(self):
        options = ("--shop", "479573:Toko Ramai", "--orders", "40", "--products", "30")
        rates = ("--history-days", "3", "--order-rate", "600", "--advance-rate", "1200")
        with SandboxProcess(*options, *rates) as busy:
            seeded = {o["order_id"]: o["history"] for o in busy.control.orders(detail=True)}
            time.sleep(3.5)
            moving = busy.control.orders(detail=True)
            busy.control.configure(new_orders_per_minute=0, advances_per_minute=0)
            stopped = {o["order_id"]: o["history"] for o in busy.control.orders(detail=True)}
            time.sleep(2.5)
            still = {o["order_id"]: o["history"] for o in busy.control.orders(detail=True)}

        arrived = [o for o in moving if o["order_id"] not in seeded]
        # Ten orders a second for three seconds and more; twenty status changes a second.
        assert len(arrived) >= 25
        assert all(o["history"][0][0] == 100 for o in arrived)
        assert any(o["status"] not in (100, 220) for o in arrived)
        now = {o["order_id"]: o["history"] for o in moving}
        changed = [order_id for order_id, history in seeded.items() if now[order_id] != history]
        assert len(changed) >= 5
        assert still == stopped
