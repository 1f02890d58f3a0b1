"""The order endpoints through the client, checked against the sandbox's ground truth."""

from __future__ import annotations

import time
import types
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.conftest import SHOP_ID


def paid_in(truth: list[dict], start: int, end: int) -> set[int]:
    return {
        o["order_id"]
        for o in truth
        if o["paid"] and o["shop_id"] == SHOP_ID and start <= o["create_time"] <= end
    }


def list_ten_days(client, sandbox) -> tuple[int, int, list[dict]]:
    """List the last ten days' orders, check each paid order came once, and return the range
    and the order-list requests it took."""
    end = int(time.time())
    start = end - 10 * 86_400
    first = sandbox.control.last_seq()

    ids = [o["order_id"] for o in client.orders.list(start, end)]

    assert len(ids) == len(set(ids))
    assert set(ids) == paid_in(sandbox.control.orders(), start, end)
    log = sandbox.control.requests(since=first, path_prefix="/v2/order/list")["requests"]
    return start, end, log


class TestOrderList:
    def test_a_long_range_is_read_in_legal_windows_and_matches_the_truth(self, client, sandbox):
        start, end, log = list_ten_days(client, sandbox)

        windows = {
            (int(q["from_date"]), int(q["to_date"]))
            for q in (dict(p.split("=") for p in r["query"].split("&")) for r in log)
        }
        assert all(to - frm < 3 * 86_400 for frm, to in windows)
        assert min(frm for frm, _ in windows) == start
        assert max(to for _, to in windows) == end

    def test_a_window_tokopedia_finds_too_big_is_halved_until_it_answers(self, client, sandbox):
        # Tokopedia does not say with which status ORD_API_009 comes; the sandbox sends a 500.
        sandbox.control.configure(max_window_orders=40)

        _, _, log = list_ten_days(client, sandbox)

        too_big = [r for r in log if r["error_code"] == "ORD_API_009"]
        assert too_big
        assert all(r["status"] == 500 for r in too_big)
        # A refused window is halved, never asked for again.
        queries = [r["query"] for r in log]
        assert len(queries) == len(set(queries))

    def test_orders_stream_page_by_page_without_reading_ahead(self, client, sandbox):
        end = int(time.time())
        first = sandbox.control.last_seq()

        pages = client.orders.pages(end - 20 * 86_400, end, per_page=10)
        page = next(pages)

        assert isinstance(pages, types.GeneratorType)
        assert len(page.orders) == 10
        assert len(sandbox.control.requests(since=first, path_prefix="/v2/order")["requests"]) == 1

    def test_aware_datetimes_are_accepted_and_naive_ones_refused(self, client):
        now = datetime.now(UTC)

        assert isinstance(list(client.orders.list(now - timedelta(hours=6), now)), list)
        with pytest.raises(ValueError, match="time zone"):
            list(client.orders.list(datetime(2026, 1, 1), datetime(2026, 1, 2)))

    def test_status_changes_made_by_the_sandbox_show_in_single_orders(self, client, sandbox):
        before = {o["order_id"]: o["status"] for o in sandbox.control.orders()}

        advanced = sandbox.control.tick(advances=20)["advanced"]
        order = client.orders.get(advanced[0])

        truth = sandbox.control.order(advanced[0])
        assert order["order_status"] == truth["status"] != before[advanced[0]]
        history = order["order_info"]["order_history"]
        assert [h["hist_status_code"] for h in history] == [
            s for s, _ in reversed(truth["history"])
        ]

    def test_a_single_order_can_be_read_by_invoice(self, client, sandbox):
        truth = sandbox.control.orders()[0]

        order = client.orders.get(invoice=truth["invoice"])

        assert order["order_id"] == truth["order_id"]


class TestSellerActions:
    def test_accept_then_request_pick_up_then_print_the_label(self, client, sandbox):
        order_id = next(o["order_id"] for o in sandbox.control.orders() if o["status"] == 220)

        client.orders.accept(order_id)
        pick_up = client.orders.request_pick_up(order_id)
        label = client.orders.shipping_label(order_id)

        assert pick_up["order_id"] == order_id
        assert sandbox.control.order(order_id)["status"] == 450
        assert "<html" in label.lower()

    def test_accept_then_confirm_shipping_with_an_awb(self, client, sandbox):
        order_id = next(o["order_id"] for o in sandbox.control.orders() if o["status"] == 220)

        client.orders.accept(order_id)
        client.orders.confirm_shipping(order_id, "JNE0123456789")

        truth = sandbox.control.order(order_id)
        assert (truth["status"], truth["awb"]) == (500, "JNE0123456789")

    def test_reject_with_shop_closed_sends_the_date_the_api_expects(self, client, sandbox):
        order_id = next(o["order_id"] for o in sandbox.control.orders() if o["status"] == 220)

        client.orders.reject(
            order_id,
            4,
            "Toko tutup sementara",
            shop_close_end_date=date.today() + timedelta(days=3),
            shop_close_note="Libur lebaran",
        )

        assert sandbox.control.order(order_id)["status"] == 10

    @pytest.mark.parametrize(
        ("code", "reason", "problem"),
        [
            (6, "no such code", "is not one of"),
            (1, "", "1 to 512 characters"),
            (7, "x" * 491, "1 to 490 characters"),
            (4, "closed", "needs shop_close_end_date"),
        ],
    )
    def test_a_bad_rejection_is_refused_before_anything_is_sent(
        self, client, sandbox, code, reason, problem
    ):
        first = sandbox.control.last_seq()

        with pytest.raises(ValueError, match=problem):
            client.orders.reject(123, code, reason)

        assert sandbox.control.requests(since=first)["requests"] == []
