"""Order endpoints: the windowed list, single orders, accept, reject, shipping, pick-up, labels."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.conftest import FS_ID, OTHER_SHOP_ID, SHOP_ID, UNLINKED_SHOP_ID, WAREHOUSES
from tests.sandbox.conftest import data_of, error_of, every_page

ORDER_LIST = "/v2/order/list"
SINGLE_ORDER = f"/v2/fs/{FS_ID}/order"
PICK_UP = f"/inventory/v1/fs/{FS_ID}/pick-up"
DAY = 86_400
LONGEST_WINDOW = 3 * DAY - 1


def order_path(order_id: int, action: str) -> str:
    return f"/v1/order/{order_id}/fs/{FS_ID}/{action}"


def recent_window(days_ago: int = 0) -> tuple[int, int]:
    """The longest window allowed, ending `days_ago` days before now."""
    to_date = int(time.time()) - days_ago * DAY
    return to_date - LONGEST_WINDOW, to_date


def list_all(api, from_date: int, to_date: int, per_page: int = 100, **filters) -> list[dict]:
    pages = every_page(
        api,
        ORDER_LIST,
        per_page,
        fs_id=FS_ID,
        from_date=from_date,
        to_date=to_date,
        **filters,
    )
    return [order for page in pages for order in page]


def truth_in_window(truth: list[dict], from_date: int, to_date: int, **match) -> set[int]:
    return {
        order["order_id"]
        for order in truth
        if order["paid"]
        and from_date <= order["create_time"] <= to_date
        and all(order[key] == value for key, value in match.items())
    }


def first_order_in(sandbox, *statuses: int, shop_id: int = SHOP_ID) -> dict:
    for order in sandbox.control.orders(shop_id=shop_id):
        if order["status"] in statuses:
            return order
    raise AssertionError(f"the seed has no order in {statuses} for shop {shop_id}")


def unix(rfc3339: str) -> int:
    return int(datetime.fromisoformat(rfc3339).astimezone(UTC).timestamp())


def list_params(**overrides) -> dict:
    from_date, to_date = recent_window()
    params = {
        "fs_id": FS_ID,
        "from_date": from_date,
        "to_date": to_date,
        "page": 1,
        "per_page": 10,
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


class TestOrderListWindow:
    def test_a_window_of_exactly_three_days_is_refused(self, api):
        to_date = int(time.time())

        response = api.get(ORDER_LIST, **list_params(from_date=to_date - 3 * DAY, to_date=to_date))

        assert error_of(response) == (400, "ORD_DLV_013")
        assert "less than 3 days" in response.json()["header"]["reason"]

    def test_a_window_one_second_short_of_three_days_is_accepted(self, api):
        to_date = int(time.time())

        response = api.get(
            ORDER_LIST, **list_params(from_date=to_date - 3 * DAY + 1, to_date=to_date)
        )

        assert isinstance(data_of(response), list)

    def test_a_window_that_ends_before_it_starts_is_refused(self, api):
        to_date = int(time.time()) - DAY

        response = api.get(ORDER_LIST, **list_params(from_date=to_date + 1, to_date=to_date))

        assert error_of(response) == (400, "ORD_DLV_012")

    @pytest.mark.parametrize(
        ("missing", "error_code"),
        [
            ("from_date", "ORD_DLV_009"),
            ("to_date", "ORD_DLV_011"),
            ("page", "ORD_DLV_014"),
            ("per_page", "ORD_DLV_016"),
        ],
    )
    def test_each_required_parameter_has_its_own_code_when_missing(self, api, missing, error_code):
        response = api.get(ORDER_LIST, **list_params(**{missing: None}))

        assert error_of(response) == (400, error_code)

    @pytest.mark.parametrize(
        ("name", "value", "error_code"),
        [
            ("from_date", "yesterday", "ORD_DLV_010"),
            ("from_date", "1.7e9", "ORD_DLV_010"),
            ("to_date", "now", "ORD_DLV_012"),
            ("page", "first", "ORD_DLV_015"),
            ("page", "0", "ORD_DLV_015"),
            ("page", "-1", "ORD_DLV_015"),
            ("per_page", "ten", "ORD_DLV_017"),
            ("per_page", "0", "ORD_DLV_017"),
            ("per_page", "101", "ORD_DLV_017"),
        ],
    )
    def test_each_invalid_parameter_has_its_own_code(self, api, name, value, error_code):
        response = api.get(ORDER_LIST, **list_params(**{name: value}))

        assert error_of(response) == (400, error_code)

    def test_a_hundred_orders_per_page_is_the_most_allowed(self, api, sandbox):
        from_date, to_date = recent_window()
        available = len(truth_in_window(sandbox.control.orders(), from_date, to_date))

        page = data_of(api.get(ORDER_LIST, **list_params(per_page=100)))

        assert available > 100
        assert len(page) == 100

    def test_a_missing_fs_id_is_refused(self, api):
        response = api.get(ORDER_LIST, **list_params(fs_id=None))

        assert error_of(response) == (400, "ORD_DLV_001")

    def test_a_window_holding_more_orders_than_allowed_is_too_big(self, api, sandbox):
        sandbox.control.configure(max_window_orders=5)
        to_date = int(time.time())
        params = list_params(from_date=to_date - LONGEST_WINDOW, to_date=to_date)

        response = api.get(ORDER_LIST, **params)
        sandbox.control.configure(max_window_orders=0)
        unlimited = api.get(ORDER_LIST, **params)

        assert error_of(response) == (500, "ORD_API_009")
        assert "Must Reduce Time Interval" in response.json()["header"]["reason"]
        assert len(data_of(unlimited)) == 10


class TestOrderListPaging:
    def test_paging_to_a_short_page_yields_exactly_the_paid_orders_of_the_window(
        self, api, sandbox
    ):
        from_date, to_date = recent_window()
        truth = sandbox.control.orders()

        listed = list_all(api, from_date, to_date, per_page=25)

        ids = [order["order_id"] for order in listed]
        assert len(ids) == len(set(ids))
        assert set(ids) == truth_in_window(truth, from_date, to_date)
        assert len(ids) > 25, "the window should span several pages"

    def test_orders_come_oldest_first(self, api):
        from_date, to_date = recent_window()

        listed = list_all(api, from_date, to_date)

        times = [order["create_time"] for order in listed]
        assert times == sorted(times)

    def test_orders_come_oldest_first_also_when_filtered_by_status(self, api, sandbox):
        from_date, to_date = recent_window(days_ago=9)
        truth = sandbox.control.orders()
        status = Counter(
            order["status"] for order in truth if from_date <= order["create_time"] <= to_date
        ).most_common(1)[0][0]

        listed = list_all(api, from_date, to_date, status=status)

        assert {order["shop_id"] for order in listed} == {SHOP_ID, OTHER_SHOP_ID}
        times = [order["create_time"] for order in listed]
        assert times == sorted(times)

    def test_both_ends_of_the_window_are_inclusive(self, api, sandbox):
        order = sandbox.control.orders(shop_id=SHOP_ID)[300]
        moment = order["create_time"]

        starting = list_all(api, moment, moment + DAY, shop_id=SHOP_ID)
        ending = list_all(api, moment - DAY, moment, shop_id=SHOP_ID)

        assert order["order_id"] in {o["order_id"] for o in starting}
        assert order["order_id"] in {o["order_id"] for o in ending}

    def test_a_page_beyond_the_last_is_an_empty_array(self, api, sandbox):
        from_date, to_date = recent_window()
        count = len(truth_in_window(sandbox.control.orders(), from_date, to_date))

        beyond = api.get(ORDER_LIST, **list_params(page=count // 10 + 2, per_page=10))

        assert data_of(beyond) == []

    def test_a_listed_order_carries_the_documented_fields_and_the_truths_values(self, api, sandbox):
        listed = data_of(api.get(ORDER_LIST, **list_params(per_page=1)))[0]

        truth = sandbox.control.order(listed["order_id"])
        assert listed["fs_id"] == str(FS_ID)
        assert listed["order_status"] == truth["status"]
        assert listed["invoice_ref_num"] == truth["invoice"]
        assert listed["create_time"] == truth["create_time"]
        assert listed["warehouse_id"] == truth["warehouse_id"]
        assert listed["amt"]["ttl_amount"] == truth["ttl_amount"]
        assert listed["amt"]["ttl_product_price"] == truth["ttl_product_price"]
        assert [p["id"] for p in listed["products"]] == [i["product_id"] for i in truth["items"]]
        assert {"buyer", "recipient", "logistics", "promo_order_detail"} <= set(listed)


class TestOrderListFilters:
    def test_only_orders_that_reached_220_are_listed(self, api, sandbox):
        created = sandbox.control.tick(new_orders=15)["created"]
        truth = {o["order_id"]: o for o in sandbox.control.orders()}
        from_date, to_date = recent_window()

        listed = {o["order_id"] for o in list_all(api, from_date, to_date)}

        unpaid = {oid for oid in created if not truth[oid]["paid"]}
        assert unpaid, "about a fifth of new orders should still wait in status 100"
        assert {truth[oid]["status"] for oid in unpaid} == {100}
        assert listed & set(created) == set(created) - unpaid

    def test_a_waiting_order_is_listed_once_time_moves_it_to_220(self, api, sandbox):
        created = sandbox.control.tick(new_orders=15)["created"]
        waiting = {oid for oid in created if not sandbox.control.order(oid)["paid"]}

        sandbox.control.tick(advances=400)

        truth = {o["order_id"]: o for o in sandbox.control.orders()}
        from_date, to_date = recent_window()
        listed = {o["order_id"] for o in list_all(api, from_date, to_date)}
        now_paid = {oid for oid in waiting if truth[oid]["paid"]}
        assert now_paid
        assert now_paid <= listed
        assert not listed & (waiting - now_paid)

    def test_the_shop_id_filter_lists_that_shops_orders_only(self, api, sandbox):
        from_date, to_date = recent_window()
        truth = sandbox.control.orders()

        listed = list_all(api, from_date, to_date, shop_id=OTHER_SHOP_ID)

        assert {o["order_id"] for o in listed} == truth_in_window(
            truth, from_date, to_date, shop_id=OTHER_SHOP_ID
        )

    def test_the_warehouse_id_filter_lists_that_warehouses_orders_only(self, api, sandbox):
        from_date, to_date = recent_window()
        truth = sandbox.control.orders()

        listed = list_all(api, from_date, to_date, warehouse_id=WAREHOUSES[1])

        assert listed
        assert {o["warehouse_id"] for o in listed} == {WAREHOUSES[1]}
        assert {o["order_id"] for o in listed} == truth_in_window(
            truth, from_date, to_date, warehouse_id=WAREHOUSES[1]
        )

    def test_the_status_filter_lists_orders_in_that_status_only(self, api, sandbox):
        from_date, to_date = recent_window(days_ago=5)
        truth = sandbox.control.orders()
        expected = truth_in_window(truth, from_date, to_date, status=700)

        listed = list_all(api, from_date, to_date, status=700)

        assert expected
        assert {o["order_id"] for o in listed} == expected
        assert {o["order_status"] for o in listed} == {700}

    def test_a_status_filter_with_no_matches_is_an_empty_array(self, api, sandbox):
        params = list_params(status=221)
        truth = sandbox.control.orders()

        listed = data_of(api.get(ORDER_LIST, **params))

        assert not truth_in_window(truth, params["from_date"], params["to_date"], status=221)
        assert listed == []

    def test_an_unknown_status_code_is_refused(self, api):
        response = api.get(ORDER_LIST, **list_params(status=999))

        assert error_of(response) == (400, "ORD_DLV_023")

    def test_shop_id_together_with_warehouse_id_is_refused(self, api):
        response = api.get(ORDER_LIST, **list_params(shop_id=SHOP_ID, warehouse_id=WAREHOUSES[0]))

        assert error_of(response) == (400, "ORD_DLV_008")

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api):
        response = api.get(ORDER_LIST, **list_params(shop_id=UNLINKED_SHOP_ID))

        assert error_of(response) == (403, "RBAC_MDLW_001")

    def test_a_warehouse_not_linked_to_the_app_is_forbidden(self, api):
        response = api.get(ORDER_LIST, **list_params(warehouse_id=UNLINKED_SHOP_ID * 10))

        assert error_of(response) == (403, "RBAC_MDLW_001")

    def test_an_fs_id_other_than_the_apps_is_forbidden(self, api):
        response = api.get(ORDER_LIST, **list_params(fs_id=FS_ID + 1))

        assert error_of(response) == (403, "RBAC_MDLW_001")


class TestSingleOrder:
    def test_by_order_id_shows_the_truths_status_and_history_newest_first(self, api, sandbox):
        truth = first_order_in(sandbox, 700)

        order = data_of(api.get(SINGLE_ORDER, order_id=truth["order_id"]))

        history = order["order_info"]["order_history"]
        expected = list(reversed(sandbox.control.order(truth["order_id"])["history"]))
        assert order["order_id"] == truth["order_id"]
        assert order["order_status"] == 700
        assert order["invoice_number"] == truth["invoice"]
        assert [h["hist_status_code"] for h in history] == [status for status, _ in expected]
        assert [unix(h["timestamp"]) for h in history] == [moment for _, moment in expected]

    def test_history_times_are_rfc3339_in_utc(self, api, sandbox):
        truth = first_order_in(sandbox, 500)

        order = data_of(api.get(SINGLE_ORDER, order_id=truth["order_id"]))

        for entry in order["order_info"]["order_history"]:
            assert entry["timestamp"].endswith("Z")
            assert datetime.fromisoformat(entry["timestamp"]).utcoffset().total_seconds() == 0
        assert order["shipment_fulfillment"]["is_confirm_shipping"] is True

    def test_by_invoice_number_finds_the_same_order(self, api, sandbox):
        truth = first_order_in(sandbox, 600, shop_id=OTHER_SHOP_ID)

        order = data_of(api.get(SINGLE_ORDER, invoice_num=truth["invoice"]))

        assert order["order_id"] == truth["order_id"]
        assert order["shop_info"]["shop_id"] == OTHER_SHOP_ID

    def test_neither_order_id_nor_invoice_is_refused(self, api):
        assert error_of(api.get(SINGLE_ORDER)) == (400, "ORD_DLV_003")

    def test_both_order_id_and_invoice_is_refused(self, api, sandbox):
        truth = first_order_in(sandbox, 700)

        response = api.get(SINGLE_ORDER, order_id=truth["order_id"], invoice_num=truth["invoice"])

        assert error_of(response) == (400, "ORD_DLV_004")

    def test_an_unknown_order_id_is_not_found(self, api):
        assert error_of(api.get(SINGLE_ORDER, order_id=1)) == (404, "ORD_API_008")

    def test_an_unknown_invoice_is_not_found(self, api):
        response = api.get(SINGLE_ORDER, invoice_num="INV/20200101/MPL/1")

        assert error_of(response) == (404, "ORD_API_008")


class TestAccept:
    def test_accepting_a_paid_order_moves_it_to_400(self, api, sandbox):
        order = first_order_in(sandbox, 220)

        response = api.post(order_path(order["order_id"], "ack"))

        assert data_of(response) == "success"
        assert sandbox.control.order(order["order_id"])["status"] == 400

    def test_accepting_twice_is_refused_the_second_time(self, api, sandbox):
        order = first_order_in(sandbox, 220)
        api.post(order_path(order["order_id"], "ack"))

        again = api.post(order_path(order["order_id"], "ack"))

        assert error_of(again) == (400, "ORD_USC_001")
        assert sandbox.control.order(order["order_id"])["status"] == 400

    def test_accepting_a_finished_order_is_refused(self, api, sandbox):
        order = first_order_in(sandbox, 700)

        assert error_of(api.post(order_path(order["order_id"], "ack"))) == (400, "ORD_USC_001")

    def test_accepting_an_unknown_order_is_not_found(self, api):
        assert error_of(api.post(order_path(42, "ack"))) == (404, "ORD_API_008")


class TestReject:
    @pytest.mark.parametrize("reason_code", [0, 1, 2, 3, 5, 7, 8])
    def test_each_documented_reason_code_rejects_a_paid_order(self, api, sandbox, reason_code):
        order = first_order_in(sandbox, 220)

        response = api.post(
            order_path(order["order_id"], "nack"),
            {"reason_code": reason_code, "reason": "Stok habis di gudang"},
        )

        assert data_of(response) == "success"
        assert sandbox.control.order(order["order_id"])["status"] == 10

    @pytest.mark.parametrize(
        "body",
        [
            {"reason_code": 6, "reason": "there is no code 6"},
            {"reason_code": 1, "reason": ""},
            {"reason_code": 1, "reason": "   "},
            {"reason_code": 1},
            {"reason": "no code"},
            {"reason_code": "1", "reason": "code as text"},
            {"reason_code": True, "reason": "code as a bool"},
            {"reason_code": 7, "reason": "x" * 491},
        ],
        ids=["code-6", "empty", "blank", "no-reason", "no-code", "text-code", "bool", "too-long"],
    )
    def test_a_bad_reason_is_refused_and_the_order_stays(self, api, sandbox, body):
        order = first_order_in(sandbox, 220)

        response = api.post(order_path(order["order_id"], "nack"), body)

        assert error_of(response) == (400, "ORD_USC_009")
        assert sandbox.control.order(order["order_id"])["status"] == 220

    def test_shop_closed_needs_an_end_date_and_a_note(self, api, sandbox):
        order = first_order_in(sandbox, 220)

        response = api.post(
            order_path(order["order_id"], "nack"), {"reason_code": 4, "reason": "Toko tutup"}
        )

        assert error_of(response) == (400, "ORD_USC_012")

    def test_shop_closed_refuses_an_end_date_not_written_dd_mm_yyyy(self, api, sandbox):
        order = first_order_in(sandbox, 220)
        body = {
            "reason_code": 4,
            "reason": "Toko tutup",
            "shop_close_end_date": "2031-01-31",
            "shop_close_note": "Libur",
        }

        response = api.post(order_path(order["order_id"], "nack"), body)

        assert error_of(response) == (400, "ORD_USC_013")

    def test_shop_closed_with_a_future_dd_mm_yyyy_date_and_a_note_rejects(self, api, sandbox):
        order = first_order_in(sandbox, 220)
        closes = datetime.fromtimestamp(time.time() + 7 * DAY, UTC).strftime("%d/%m/%Y")
        body = {
            "reason_code": 4,
            "reason": "Toko tutup",
            "shop_close_end_date": closes,
            "shop_close_note": "Libur Lebaran",
        }

        response = api.post(order_path(order["order_id"], "nack"), body)

        assert data_of(response) == "success"
        assert sandbox.control.order(order["order_id"])["status"] == 10

    def test_rejecting_a_shipped_order_is_refused(self, api, sandbox):
        order = first_order_in(sandbox, 500)

        response = api.post(
            order_path(order["order_id"], "nack"), {"reason_code": 5, "reason": "terlambat"}
        )

        assert error_of(response) == (400, "ORD_USC_008")
        assert sandbox.control.order(order["order_id"])["status"] == 500


class TestConfirmShipping:
    def test_an_accepted_order_ships_with_its_awb(self, api, sandbox):
        order = first_order_in(sandbox, 400)

        response = api.post(
            order_path(order["order_id"], "status"),
            {"order_status": 500, "shipping_ref_num": "JNE0001234567"},
        )

        assert data_of(response) == "Success"
        truth = sandbox.control.order(order["order_id"])
        assert truth["status"] == 500
        assert truth["awb"] == "JNE0001234567"

    @pytest.mark.parametrize("awb", [None, "", "   ", 1234567])
    def test_a_missing_or_empty_awb_is_refused(self, api, sandbox, awb):
        order = first_order_in(sandbox, 400)
        body = {"order_status": 500}
        if awb is not None:
            body["shipping_ref_num"] = awb

        response = api.post(order_path(order["order_id"], "status"), body)

        assert error_of(response) == (400, "ORD_DLV_021")
        assert sandbox.control.order(order["order_id"])["status"] == 400

    def test_a_status_other_than_500_is_refused(self, api, sandbox):
        order = first_order_in(sandbox, 400)

        response = api.post(
            order_path(order["order_id"], "status"),
            {"order_status": 600, "shipping_ref_num": "JNE0001234567"},
        )

        assert error_of(response) == (400, "ORD_DLV_023")

    def test_an_order_not_yet_accepted_cannot_ship(self, api, sandbox):
        order = first_order_in(sandbox, 220)

        response = api.post(
            order_path(order["order_id"], "status"),
            {"order_status": 500, "shipping_ref_num": "JNE0001234567"},
        )

        assert error_of(response) == (400, "LGS_USC_006")
        assert sandbox.control.order(order["order_id"])["status"] == 220


class TestPickUp:
    def test_an_accepted_order_waits_for_pick_up_with_a_local_request_time(self, api, sandbox):
        order = first_order_in(sandbox, 400)

        data = data_of(api.post(PICK_UP, {"order_id": order["order_id"], "shop_id": SHOP_ID}))

        truth = sandbox.control.order(order["order_id"])
        assert truth["status"] == 450
        assert truth["awb"]
        assert data["order_id"] == order["order_id"]
        assert data["shop_id"] == SHOP_ID
        jakarta = datetime.strptime(data["request_time"], "%Y-%m-%d %H:%M:%S")
        assert jakarta.replace(tzinfo=UTC).timestamp() - 7 * 3600 == truth["update_time"]

    def test_an_order_not_in_400_cannot_be_picked_up(self, api, sandbox):
        order = first_order_in(sandbox, 220)

        response = api.post(PICK_UP, {"order_id": order["order_id"], "shop_id": SHOP_ID})

        assert error_of(response) == (400, "ORD_API_008")
        assert sandbox.control.order(order["order_id"])["status"] == 220

    def test_an_order_of_another_shop_is_not_found(self, api, sandbox):
        order = first_order_in(sandbox, 400, shop_id=OTHER_SHOP_ID)

        response = api.post(PICK_UP, {"order_id": order["order_id"], "shop_id": SHOP_ID})

        assert error_of(response) == (404, "ORD_API_008")

    def test_a_shop_not_linked_to_the_app_is_forbidden(self, api, sandbox):
        order = first_order_in(sandbox, 400)

        response = api.post(PICK_UP, {"order_id": order["order_id"], "shop_id": UNLINKED_SHOP_ID})

        assert error_of(response) == (403, "RBAC_MDLW_001")

    @pytest.mark.parametrize(
        "body",
        [{}, {"order_id": 1}, {"order_id": "1", "shop_id": SHOP_ID}, [1, SHOP_ID]],
        ids=["empty", "no-shop", "text-id", "array"],
    )
    def test_a_body_without_two_integer_ids_is_refused(self, api, body):
        assert error_of(api.post(PICK_UP, body)) == (400, "ORD_DLV_003")


class TestShippingLabel:
    def test_a_shipped_order_has_an_html_label_with_its_awb_and_invoice(self, api, sandbox):
        order = first_order_in(sandbox, 500)

        response = api.get(order_path(order["order_id"], "shipping-label"))

        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert order["awb"] in response.text
        assert order["invoice"] in response.text

    def test_an_accepted_order_has_a_label(self, api, sandbox):
        order = first_order_in(sandbox, 400)

        response = api.get(order_path(order["order_id"], "shipping-label"), printed=0)

        assert response.status_code == 200
        assert "<html" in response.text

    @pytest.mark.parametrize("status", [220, 10])
    def test_an_order_not_accepted_has_no_label(self, api, sandbox, status):
        order = first_order_in(sandbox, status)

        response = api.get(order_path(order["order_id"], "shipping-label"))

        assert error_of(response) == (404, "ORD_API_008")


class TestOrdersMovingOn:
    def test_advances_change_statuses_and_grow_histories_in_truth_and_api(self, api, sandbox):
        before = {o["order_id"]: o for o in sandbox.control.orders(detail=True)}

        advanced = sandbox.control.tick(advances=10)["advanced"]

        assert advanced
        for order_id in set(advanced):
            truth = sandbox.control.order(order_id)
            assert len(truth["history"]) > len(before[order_id]["history"])
            assert truth["status"] != before[order_id]["status"]
            order = data_of(api.get(SINGLE_ORDER, order_id=order_id))
            assert order["order_status"] == truth["status"]
            history = order["order_info"]["order_history"]
            assert len(history) == len(truth["history"])
            assert history[0]["hist_status_code"] == truth["status"]

    def test_a_shipped_order_moved_on_by_time_gets_an_awb(self, sandbox):
        sandbox.control.tick(advances=300)

        shipped = [o for o in sandbox.control.orders(detail=True) if o["status"] == 500]

        assert shipped
        assert all(order["awb"] for order in shipped)
