"""Per-family request budgets: Tokopedia's rate-limit headers, 429 answers, bulk items counted one
by one, budgets switched off, and what the request log says about it."""

from __future__ import annotations

import time

import pytest

from tests.conftest import FS_ID, SHOP_ID, WAREHOUSES
from tests.sandbox.conftest import RawApi, data_of, error_of

SHOP_INFO = f"/v1/shop/fs/{FS_ID}/shop-info"
ORDER_LIST = "/v2/order/list"
PRODUCT_INFO = f"/inventory/v1/fs/{FS_ID}/product/info"
SET_STOCK = f"/inventory/v1/fs/{FS_ID}/stock/update"
DELETE = f"/v3/products/fs/{FS_ID}/delete"
CREATE = f"/v3/products/fs/{FS_ID}/create"
WEBHOOKS = f"/v1/fs/{FS_ID}"
RATE_HEADERS = (
    "X-Ratelimit-Limit",
    "X-Ratelimit-Remaining",
    "X-Ratelimit-Reset-After",
    "X-Ratelimit-Full-Reset-After",
)


def order_list_params() -> dict:
    to_date = int(time.time())
    return {
        "fs_id": FS_ID,
        "from_date": to_date - 86_400,
        "to_date": to_date,
        "page": 1,
        "per_page": 5,
    }


def plain_product_ids(sandbox, count: int) -> list[int]:
    return [
        p["product_id"]
        for p in sandbox.control.products(shop_id=SHOP_ID)
        if p["status"] == 1 and not p["children"] and p["parent_id"] is None
    ][:count]


class TestHeaders:
    @pytest.mark.parametrize(
        ("family", "path", "params"),
        [
            ("shop", SHOP_INFO, {"shop_id": SHOP_ID}),
            ("orders", ORDER_LIST, order_list_params()),
            ("products", PRODUCT_INFO, {"shop_id": SHOP_ID, "page": 1, "per_page": 1}),
            ("webhooks", WEBHOOKS, {}),
        ],
    )
    def test_a_metered_family_answers_with_all_four_headers(
        self, api, sandbox, family, path, params
    ):
        budget = sandbox.control.settings()["budgets_per_minute"][family]

        response = api.get(path, **params)

        assert response.status_code == 200
        assert all(name in response.headers for name in RATE_HEADERS)
        assert response.headers["X-Ratelimit-Limit"] == f"{budget} req/min (burst {budget})"
        assert int(response.headers["X-Ratelimit-Remaining"]) == budget - 1
        assert response.headers["X-Ratelimit-Reset-After"] == "-0.000000"
        assert 59.0 < float(response.headers["X-Ratelimit-Full-Reset-After"]) <= 60.0

    def test_remaining_goes_down_by_one_per_request(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": 3})

        remaining = [
            api.get(SHOP_INFO, shop_id=SHOP_ID).headers["X-Ratelimit-Remaining"] for _ in range(3)
        ]

        assert remaining == ["2", "1", "0"]

    def test_a_refused_request_still_spends_from_the_budget(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": 3})

        refused = api.get(SHOP_INFO, shop_id="not-a-number")
        accepted = api.get(SHOP_INFO, shop_id=SHOP_ID)

        assert refused.status_code == 400
        assert refused.headers["X-Ratelimit-Remaining"] == "2"
        assert accepted.headers["X-Ratelimit-Remaining"] == "1"

    @pytest.mark.parametrize(
        ("family", "method", "path"),
        [
            ("shop", "GET", SHOP_INFO),
            ("webhooks", "POST", f"{WEBHOOKS}/register"),
            ("inventory", "POST", SET_STOCK),
        ],
    )
    def test_a_401_carries_the_headers_of_the_familys_budget(self, sandbox, family, method, path):
        budget = sandbox.control.settings()["budgets_per_minute"][family]
        stranger = RawApi(sandbox.base_url)

        response = stranger.request(method, path, params={"shop_id": SHOP_ID}, json=[])

        body = response.json()
        code = body["header"]["error_code"] if "header" in body else body["error_message"][0]
        assert (response.status_code, code) == (401, "UNAUTHORIZED")
        assert response.headers["X-Ratelimit-Limit"] == f"{budget} req/min (burst {budget})"
        assert all(name in response.headers for name in RATE_HEADERS)

    def test_requests_without_a_token_share_a_budget_and_are_throttled(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": 2})
        stranger = RawApi(sandbox.base_url)

        statuses = [stranger.get(SHOP_INFO, shop_id=SHOP_ID).status_code for _ in range(3)]
        mine = api.get(SHOP_INFO, shop_id=SHOP_ID)

        assert statuses == [401, 401, 429]
        assert (mine.status_code, mine.headers["X-Ratelimit-Remaining"]) == (200, "1")

    def test_an_injected_server_error_carries_the_headers(self, api, sandbox):
        sandbox.control.script_faults(*["5xx"] * 6, path_prefix=SHOP_INFO)

        responses = [api.get(SHOP_INFO, shop_id=SHOP_ID) for _ in range(6)]

        assert {r.status_code for r in responses} == {500, 502}
        for response in responses:
            assert response.headers["X-Ratelimit-Limit"] == "50 req/min (burst 50)"
            assert int(response.headers["X-Ratelimit-Remaining"]) == 50
            assert all(name in response.headers for name in RATE_HEADERS)


class TestThrottling:
    def test_a_spent_budget_answers_429_with_retry_after_and_the_envelope(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": 3})
        for _ in range(3):
            assert api.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 200

        response = api.get(SHOP_INFO, shop_id=SHOP_ID)

        assert error_of(response) == (429, "ERR_TOO_MANY_REQUEST")
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert response.headers["X-Ratelimit-Remaining"] == "0"
        assert 0 < float(response.headers["X-Ratelimit-Reset-After"]) <= 60
        assert float(response.headers["X-Ratelimit-Full-Reset-After"]) >= float(
            response.headers["X-Ratelimit-Reset-After"]
        )

    def test_families_have_budgets_of_their_own(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": 1, "orders": 2})
        api.get(SHOP_INFO, shop_id=SHOP_ID)

        shop = api.get(SHOP_INFO, shop_id=SHOP_ID)
        orders = api.get(ORDER_LIST, **order_list_params())
        products = api.get(PRODUCT_INFO, shop_id=SHOP_ID, page=1, per_page=1)

        assert shop.status_code == 429
        assert orders.status_code == 200
        assert orders.headers["X-Ratelimit-Remaining"] == "1"
        assert products.status_code == 200

    def test_the_request_log_shows_units_spent_and_throttled(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": 2})
        since = sandbox.control.last_seq()
        for _ in range(4):
            api.get(SHOP_INFO, shop_id=SHOP_ID)

        entries = sandbox.control.requests(since=since, family="shop")["requests"]

        assert [(e["status"], e["units"], e["throttled"]) for e in entries] == [
            (200, 1, 0),
            (200, 1, 0),
            (429, 0, 1),
            (429, 0, 1),
        ]
        assert entries[-1]["error_code"] == "ERR_TOO_MANY_REQUEST"


class TestBulkCounting:
    def test_each_row_counts_and_rows_over_the_budget_fail_inside_a_200(self, api, sandbox):
        sandbox.control.configure(budgets={"inventory": 5})
        ids = plain_product_ids(sandbox, 8)
        rows = [{"product_id": pid, "new_stock": 321} for pid in ids]
        since = sandbox.control.last_seq()

        response = api.post(SET_STOCK, rows, shop_id=SHOP_ID)

        data = data_of(response)
        assert (data["succeed_rows"], data["failed_rows"]) == (5, 3)
        assert [row["message"] for row in data["failed_rows_data"]] == ["ERR_TOO_MANY_REQUEST"] * 3
        assert [row["product_id"] for row in data["failed_rows_data"]] == ids[5:]
        assert response.headers["X-Ratelimit-Remaining"] == "0"
        truth = {p["product_id"]: p for p in sandbox.control.products(shop_id=SHOP_ID)}
        assert [truth[pid]["stock_by_warehouse"][str(WAREHOUSES[0])] for pid in ids[:5]] == [
            321
        ] * 5
        assert all(truth[pid]["stock_by_warehouse"][str(WAREHOUSES[0])] != 321 for pid in ids[5:])
        [entry] = sandbox.control.requests(since=since, family="inventory")["requests"]
        assert (entry["units"], entry["throttled"]) == (5, 3)

    def test_a_throttled_row_sent_by_sku_comes_back_named_by_its_product_id(self, api, sandbox):
        # As in the reference's only example of a throttled row.
        sandbox.control.configure(budgets={"inventory": 1})
        products = [
            p
            for p in sandbox.control.products(shop_id=SHOP_ID)
            if p["sku"] and p["status"] == 1 and not p["children"]
        ][:2]
        rows = [{"sku": p["sku"], "new_stock": 6} for p in products]

        data = data_of(api.post(SET_STOCK, rows, shop_id=SHOP_ID))

        assert data["failed_rows_data"] == [
            {
                "product_id": products[1]["product_id"],
                "new_stock": 6,
                "message": "ERR_TOO_MANY_REQUEST",
            }
        ]

    def test_a_bulk_request_on_a_spent_budget_fails_every_row(self, api, sandbox):
        sandbox.control.configure(budgets={"inventory": 1})
        ids = plain_product_ids(sandbox, 3)
        api.post(SET_STOCK, [{"product_id": ids[0], "new_stock": 1}], shop_id=SHOP_ID)

        response = api.post(
            SET_STOCK, [{"product_id": pid, "new_stock": 2} for pid in ids], shop_id=SHOP_ID
        )

        data = data_of(response)
        assert (data["succeed_rows"], data["failed_rows"]) == (0, 3)

    def test_status_changes_past_the_budget_fail_with_the_throttle_message(self, api, sandbox):
        sandbox.control.configure(budgets={"products": 2})
        ids = plain_product_ids(sandbox, 3)

        data = data_of(api.post(DELETE, {"product_id": ids}, shop_id=SHOP_ID))

        assert (data["succeed_rows"], data["failed_rows"]) == (2, 1)
        assert "ERR_TOO_MANY_REQUEST" in data["failed_rows_data"][0]
        truth = {p["product_id"]: p["status"] for p in sandbox.control.products(shop_id=SHOP_ID)}
        assert [truth[pid] for pid in ids] == [0, 0, 1]

    def test_created_products_past_the_budget_are_not_created(self, api, sandbox):
        sandbox.control.configure(budgets={"products": 2})
        before = len(sandbox.control.products(shop_id=SHOP_ID))
        items = [{"name": f"Produk Kuota {n}", "price": 10_000, "stock": 1} for n in range(3)]

        data_of(api.post(CREATE, {"products": items}, shop_id=SHOP_ID))

        names = {p["name"] for p in sandbox.control.products(shop_id=SHOP_ID)}
        assert len(sandbox.control.products(shop_id=SHOP_ID)) == before + 2
        assert "Produk Kuota 2" not in names


class TestBudgetsOff:
    def test_a_family_switched_off_has_no_headers_and_no_429(self, api, sandbox):
        sandbox.control.configure(budgets={"orders": 2})
        for _ in range(2):
            api.get(ORDER_LIST, **order_list_params())
        sandbox.control.configure(budgets={"orders": None})

        responses = [api.get(ORDER_LIST, **order_list_params()) for _ in range(5)]

        assert [r.status_code for r in responses] == [200] * 5
        assert not any(name in r.headers for r in responses for name in RATE_HEADERS)
        assert sandbox.control.settings()["budgets_per_minute"]["orders"] is None

    def test_other_families_keep_their_budgets(self, api, sandbox):
        sandbox.control.configure(budgets={"orders": None, "shop": 1})
        api.get(SHOP_INFO, shop_id=SHOP_ID)

        assert api.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 429

    def test_webhook_management_has_a_budget_of_its_own(self, api, sandbox):
        sandbox.control.configure(budgets={"shop": 1, "webhooks": 3})
        api.get(SHOP_INFO, shop_id=SHOP_ID)
        since = sandbox.control.last_seq()

        responses = [api.get(WEBHOOKS) for _ in range(4)]

        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        assert [r.headers["X-Ratelimit-Remaining"] for r in responses] == ["2", "1", "0", "0"]
        assert responses[-1].json()["status"] == "429 Too Many Requests"
        entries = sandbox.control.requests(since=since, path_prefix=WEBHOOKS)["requests"]
        assert [(e["family"], e["status"]) for e in entries] == [("webhooks", 200)] * 3 + [
            ("webhooks", 429)
        ]
