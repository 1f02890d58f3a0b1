"""Injected faults: each scripted kind as a client meets it; seeded random faults that repeat."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.conftest import FS_ID, SHOP_ID, WAREHOUSES
from tests.sandbox.conftest import data_of, error_of

SHOP_INFO = f"/v1/shop/fs/{FS_ID}/shop-info"
SHOWCASES = f"/v1/showcase/fs/{FS_ID}/get"
ORDER_LIST = "/v2/order/list"


def shop_info(api) -> requests.Response:
    return api.get(SHOP_INFO, shop_id=SHOP_ID)


def faults_logged(sandbox, since: int) -> list[tuple[str | None, int]]:
    entries = sandbox.control.requests(since=since, path_prefix=SHOP_INFO)["requests"]
    return [(entry["fault"], entry["status"]) for entry in entries]


class TestScriptedFaults:
    def test_a_server_error_is_a_500_envelope_or_a_502_html_page(self, api, sandbox):
        sandbox.control.script_faults(*["5xx"] * 9, path_prefix=SHOP_INFO)

        responses = [shop_info(api) for _ in range(9)]

        envelopes = [r for r in responses if r.status_code == 500]
        pages = [r for r in responses if r.status_code == 502]
        assert len(envelopes) + len(pages) == 9
        assert envelopes
        assert pages
        for response in envelopes:
            assert error_of(response) == (500, "ORD_API_006")
        for response in pages:
            assert response.headers["content-type"].startswith("text/html")
            assert "502 Bad Gateway" in response.text

    def test_a_scripted_fault_hits_only_its_path_and_only_once(self, api, sandbox):
        sandbox.control.script_faults("5xx", path_prefix=SHOP_INFO)

        other = api.get(SHOWCASES, shop_id=SHOP_ID)
        faulty = shop_info(api)
        after = shop_info(api)

        assert other.status_code == 200
        assert faulty.status_code in (500, 502)
        assert after.status_code == 200
        assert sandbox.control.settings()["scripted_faults"] == []

    def test_scripted_faults_come_in_the_order_given(self, api, sandbox):
        since = sandbox.control.last_seq()
        sandbox.control.script_faults("429", "5xx", "malformed", path_prefix=SHOP_INFO)

        for _ in range(4):
            shop_info(api)

        assert [fault for fault, _ in faults_logged(sandbox, since)] == [
            "429",
            "5xx",
            "malformed",
            None,
        ]

    @pytest.mark.parametrize(
        ("budget", "retry_after", "reset_after"),
        [(50, "2", "1.200000"), (200, "1", "0.300000"), (6, "10", "10.000000")],
    )
    def test_a_throttle_fault_is_a_429_with_the_familys_real_limit(
        self, api, sandbox, budget, retry_after, reset_after
    ):
        sandbox.control.configure(budgets={"shop": budget})
        sandbox.control.script_faults("429", path_prefix=SHOP_INFO)

        response = shop_info(api)
        after = shop_info(api)

        assert error_of(response) == (429, "ERR_TOO_MANY_REQUEST")
        assert response.headers["X-Ratelimit-Limit"] == f"{budget} req/min (burst {budget})"
        assert response.headers["Retry-After"] == retry_after
        assert response.headers["X-Ratelimit-Remaining"] == "0"
        assert response.headers["X-Ratelimit-Reset-After"] == reset_after
        assert float(response.headers["X-Ratelimit-Full-Reset-After"]) >= float(reset_after)
        assert after.headers["X-Ratelimit-Remaining"] == str(budget - 1)

    def test_a_throttle_fault_on_a_family_without_a_budget_asks_for_a_second(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": None})
        sandbox.control.script_faults("429", path_prefix=SHOP_INFO)

        response = shop_info(api)

        assert error_of(response) == (429, "ERR_TOO_MANY_REQUEST")
        assert response.headers["Retry-After"] == "1"
        assert "X-Ratelimit-Limit" not in response.headers

    def test_a_slow_fault_answers_correctly_after_the_delay(self, api, sandbox):
        slow_seconds = sandbox.control.settings()["slow_seconds"]
        sandbox.control.script_faults("slow", path_prefix=SHOP_INFO)

        started = time.monotonic()
        response = shop_info(api)
        took = time.monotonic() - started

        assert took >= slow_seconds
        assert data_of(response)[0]["shop_id"] == SHOP_ID

    def test_a_dropped_connection_breaks_the_answer_midway(self, api, sandbox):
        since = sandbox.control.last_seq()
        sandbox.control.script_faults("drop", path_prefix=SHOP_INFO)

        with pytest.raises((requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            shop_info(api).json()

        assert shop_info(api).status_code == 200
        assert faults_logged(sandbox, since)[0][0] == "drop"

    def test_a_malformed_answer_is_a_200_whose_body_is_not_json(self, api, sandbox):
        sandbox.control.script_faults("malformed", path_prefix=SHOP_INFO)

        response = shop_info(api)

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)

    def test_a_throttle_fault_sends_the_retry_after_configured(self, api, sandbox):
        sandbox.control.configure(fault_retry_after="Wed, 21 Oct 2037 07:28:00 GMT")
        sandbox.control.script_faults("429", path_prefix=SHOP_INFO)

        response = shop_info(api)

        assert response.headers["Retry-After"] == "Wed, 21 Oct 2037 07:28:00 GMT"

    def test_a_wrong_shape_fault_wraps_a_list_in_an_object_and_makes_an_object_text(
        self, api, sandbox
    ):
        sandbox.control.script_faults("wrong_shape", path_prefix=SHOP_INFO)
        sandbox.control.script_faults("wrong_shape", path_prefix=SHOWCASES)

        listed = shop_info(api)
        showcases = api.get(SHOWCASES, shop_id=SHOP_ID)

        assert listed.status_code == showcases.status_code == 200
        assert [shop["shop_id"] for shop in listed.json()["data"]["items"]] == [SHOP_ID]
        assert showcases.json()["data"] == "success"

    def test_a_forbidden_fault_is_a_403_saying_the_owner_has_not_given_permission(
        self, api, sandbox
    ):
        sandbox.control.script_faults("forbidden", path_prefix=SHOP_INFO)

        response = shop_info(api)

        assert error_of(response) == (403, "RBAC_USC_012")
        assert "has not given permission" in response.json()["header"]["reason"]

    def test_a_bad_record_garbles_the_first_order_of_a_list_and_leaves_the_rest_whole(
        self, api, sandbox
    ):
        now = int(time.time())
        window = {"fs_id": FS_ID, "shop_id": SHOP_ID, "page": 1, "per_page": 10}
        window |= {"from_date": now - 2 * 86_400, "to_date": now}
        whole = data_of(api.get(ORDER_LIST, **window))
        sandbox.control.script_faults("bad_record", path_prefix=ORDER_LIST)

        garbled = data_of(api.get(ORDER_LIST, **window))

        assert len(whole) > 1
        assert garbled[0]["order_status"] == "garbled"
        assert garbled[0]["order_id"] == whole[0]["order_id"]
        assert garbled[1:] == whole[1:]

    def test_a_bad_record_garbles_the_status_of_the_first_product(self, api, sandbox):
        products = f"/inventory/v1/fs/{FS_ID}/product/info"
        sandbox.control.script_faults("bad_record", path_prefix=products)

        page = data_of(api.get(products, shop_id=SHOP_ID, page=1, per_page=5))

        assert page[0]["basic"]["status"] == "garbled"
        assert all(isinstance(p["basic"]["status"], int) for p in page[1:])

    def test_a_short_answer_leaves_the_first_row_set_out_of_the_answer_but_sets_it(
        self, api, sandbox
    ):
        set_stock = f"/inventory/v1/fs/{FS_ID}/stock/update"
        products = [p for p in sandbox.control.products(SHOP_ID) if not p["children"]][:3]
        rows = [{"product_id": p["product_id"], "new_stock": 11} for p in products]
        sandbox.control.script_faults("short_answer", path_prefix=set_stock)

        answer = data_of(api.post(set_stock, rows, shop_id=SHOP_ID))

        reported = [row["productID"] for row in answer["succeed_rows_data"]]
        assert reported == [p["product_id"] for p in products[1:]]
        assert answer["succeed_rows"] == 3
        truth = {p["product_id"]: p for p in sandbox.control.products(SHOP_ID)}
        default_warehouse = str(WAREHOUSES[0])
        assert all(
            truth[p["product_id"]]["stock_by_warehouse"][default_warehouse] == 11 for p in products
        )

    def test_a_revoke_fault_kills_the_token_for_good(self, api, sandbox):
        revoked = api.token
        sandbox.control.script_faults("revoke", path_prefix=SHOP_INFO)

        first = shop_info(api)
        second = shop_info(api)
        fresh = api.login()

        assert error_of(first) == (401, "UNAUTHORIZED")
        assert error_of(second) == (401, "UNAUTHORIZED")
        assert fresh != revoked
        assert shop_info(api).status_code == 200

    def test_an_unknown_fault_kind_is_refused_by_the_control_api(self, sandbox):
        with pytest.raises(requests.HTTPError) as refused:
            sandbox.control.script_faults("meteor", path_prefix=SHOP_INFO)

        assert refused.value.response.status_code == 400
        assert "meteor" in refused.value.response.json()["error"]

    def test_cleared_faults_no_longer_happen(self, api, sandbox):
        sandbox.control.script_faults("5xx", "5xx", path_prefix=SHOP_INFO)

        sandbox.control.clear_faults()

        assert shop_info(api).status_code == 200


class TestRandomFaults:
    def test_the_same_seed_gives_the_same_faults_for_the_same_requests(self, api, sandbox):
        sandbox.control.configure(faults={"5xx": 0.3}, fault_seed=11)
        first_since = sandbox.control.last_seq()
        for _ in range(30):
            shop_info(api)
        first = faults_logged(sandbox, first_since)

        sandbox.control.configure(fault_seed=11)
        second_since = sandbox.control.last_seq()
        for _ in range(30):
            shop_info(api)
        second = faults_logged(sandbox, second_since)

        assert first == second
        failed = sum(fault == "5xx" for fault, _ in first)
        assert 3 <= failed <= 18
        assert {status for fault, status in first if fault == "5xx"} <= {500, 502}
        assert {status for fault, status in first if fault is None} == {200}

    def test_another_seed_gives_other_faults(self, api, sandbox):
        sandbox.control.configure(faults={"5xx": 0.3}, fault_seed=11)
        first_since = sandbox.control.last_seq()
        for _ in range(30):
            shop_info(api)

        sandbox.control.configure(fault_seed=12)
        second_since = sandbox.control.last_seq()
        for _ in range(30):
            shop_info(api)

        assert faults_logged(sandbox, first_since)[:30] != faults_logged(sandbox, second_since)

    def test_a_rate_of_zero_means_no_faults(self, api, sandbox):
        sandbox.control.configure(faults={"5xx": 0.3}, fault_seed=11)
        sandbox.control.configure(faults={"5xx": 0.0})
        since = sandbox.control.last_seq()

        for _ in range(20):
            shop_info(api)

        assert {fault for fault, _ in faults_logged(sandbox, since)} == {None}

    @pytest.mark.parametrize(
        "faults", [{"5xx": 1.5}, {"5xx": -0.1}, {"5xx": "often"}, {"meteor": 0.1}]
    )
    def test_bad_rates_are_refused_by_the_control_api(self, sandbox, faults):
        with pytest.raises(requests.HTTPError) as refused:
            sandbox.control.configure(faults=faults)

        assert refused.value.response.status_code == 400
        assert sandbox.control.settings()["faults"]["5xx"] == 0.0
