"""Retries that honour 429 and Retry-After, backoff on 5xx and dropped connections, bounded
waits, malformed bodies, and typed errors that say what to fix."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.client.conftest import FakeTime
from tests.conftest import SHOP_ID, UNLINKED_SHOP_ID
from tokopedia_sync.client import (
    AmbiguousWriteError,
    InvalidRequestError,
    LocalBudget,
    MalformedResponseError,
    NotFoundError,
    PartialBulkError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ShopNotLinkedError,
    TransportError,
)

SHOP_INFO = "/v1/shop"


def statuses(sandbox, since: int, prefix: str = "/") -> list[tuple[int, str | None]]:
    log = sandbox.control.requests(since=since, path_prefix=prefix)["requests"]
    return [(entry["status"], entry["fault"]) for entry in log]


class TestRetries:
    def test_server_errors_and_gateway_pages_are_retried_until_an_answer(self, client, sandbox):
        client.shop.info()
        start = sandbox.control.last_seq()
        sandbox.control.script_faults("5xx", "5xx", "5xx", path_prefix=SHOP_INFO)

        shop = client.shop.info()

        assert shop["shop_id"] == SHOP_ID
        assert [fault for _, fault in statuses(sandbox, start)] == ["5xx", "5xx", "5xx", None]
        assert client.stats.retries == 3

    def test_dropped_connections_and_malformed_bodies_are_retried_for_reads(self, client, sandbox):
        client.shop.info()
        start = sandbox.control.last_seq()
        sandbox.control.script_faults("drop", "malformed", path_prefix=SHOP_INFO)

        assert client.shop.info()["shop_id"] == SHOP_ID
        assert [fault for _, fault in statuses(sandbox, start)] == ["drop", "malformed", None]

    def test_a_429_storm_is_waited_out_as_the_headers_say(self, client, sandbox):
        client.shop.info()
        start = sandbox.control.last_seq()
        sandbox.control.script_faults(*["429"] * 4, path_prefix=SHOP_INFO)

        began = time.monotonic()
        client.shop.info()
        waited = time.monotonic() - began

        # Every injected 429 says Retry-After: 1.
        assert waited >= 4.0
        assert [status for status, _ in statuses(sandbox, start)] == [429] * 4 + [200]
        assert client.stats.throttled == 4

    def test_a_429_storm_longer_than_the_patience_gives_up_with_a_rate_limit_error(
        self, make_client, sandbox
    ):
        client = make_client(max_retry_seconds=2.5)
        client.shop.info()
        sandbox.control.script_faults(*["429"] * 10, path_prefix=SHOP_INFO)

        with pytest.raises(RateLimitedError, match="gave up"):
            client.shop.info()

    def test_a_retry_after_given_as_an_http_date_is_waited_for(self, client, sandbox):
        client.shop.info()
        until = datetime.now(UTC) + timedelta(seconds=4)
        sandbox.control.configure(fault_retry_after=format_datetime(until, usegmt=True))
        sandbox.control.script_faults("429", path_prefix=SHOP_INFO)

        began = time.monotonic()
        client.shop.info()

        # The date has whole seconds; the other headers of the 429 say 1 s.
        assert time.monotonic() - began >= 2.9

    def test_a_bogus_hour_long_retry_after_pauses_the_family_a_minute_at_most(
        self, make_client, sandbox, caplog
    ):
        # A worker that cannot wait gives up, but the pause it leaves holds its siblings too:
        # an hour would fail every task of the shop until then.
        sandbox.control.configure(fault_retry_after="3600", budgets={"shop": None})
        fake = FakeTime()
        budget = LocalBudget({"shop": 50}, clock=fake.clock, sleep=fake.sleep)
        impatient = make_client(budget=budget, max_retry_seconds=5.0)
        sibling = make_client(budget=budget, max_retry_seconds=300.0)
        impatient.shop.info()
        sandbox.control.script_faults("429", path_prefix=SHOP_INFO)

        with caplog.at_level(logging.WARNING), pytest.raises(RateLimitedError):
            impatient.shop.info()
        paused_at = fake.now
        sibling.shop.info()

        assert 59.0 <= fake.now - paused_at <= 60.0
        assert "hold off for 3600 s; pausing 60 s" in caplog.text

    def test_slow_answers_time_out_and_the_total_wait_stays_bounded(self, make_client, sandbox):
        client = make_client(read_timeout=0.3, max_attempts=3)
        client.shop.info()
        sandbox.control.script_faults("slow", "slow", "slow", path_prefix=SHOP_INFO)

        began = time.monotonic()
        with pytest.raises(TransportError, match=r"timed out.*gave up after 3 attempts"):
            client.shop.info()

        assert time.monotonic() - began < 5

    @pytest.mark.parametrize("start", [0.0, 10.0**9])
    def test_a_full_budget_is_waited_out_whatever_its_clock_reads(
        self, make_client, sandbox, start
    ):
        # The budget keeps its own time (Postgres's, or a test's); the client's patience is a
        # length of time, never a moment on another clock.
        sandbox.control.configure(budgets={"shop": None})
        fake = FakeTime(start)
        budget = LocalBudget({"shop": 1}, clock=fake.clock, sleep=fake.sleep)
        client = make_client(budget=budget, max_retry_seconds=300.0)

        client.shop.info()
        client.shop.info()

        assert fake.now - start >= 60
        assert client.stats.budget_wait_seconds >= 60

    def test_a_body_that_stays_malformed_is_an_error_quoting_its_first_bytes(
        self, make_client, sandbox
    ):
        client = make_client(max_attempts=2)
        client.shop.info()
        sandbox.control.script_faults("malformed", "malformed", path_prefix=SHOP_INFO)

        with pytest.raises(MalformedResponseError) as raised:
            client.shop.info()

        assert '{"header":{"process_time"' in str(raised.value)

    def test_order_list_data_of_the_wrong_shape_is_a_malformed_response(self, make_client, sandbox):
        client = make_client(max_attempts=2)
        sandbox.control.script_faults("wrong_shape", "wrong_shape", path_prefix="/v2/order/list")
        end = int(time.time())

        with pytest.raises(MalformedResponseError) as raised:
            list(client.orders.list(end - 86_400, end))

        message = str(raised.value)
        assert "GET /v2/order/list" in message
        assert "data should be a list of objects, not an object" in message
        assert '{"header":{"process_time"' in message

    def test_a_bulk_answer_of_the_wrong_shape_stops_the_write_with_what_is_known(
        self, make_client, sandbox
    ):
        client = make_client(max_attempts=2)
        product = next(p for p in sandbox.control.products(SHOP_ID) if p["sku"])
        sandbox.control.script_faults("wrong_shape", "wrong_shape", path_prefix="/inventory/v1")
        rows = [{"sku": product["sku"], "new_stock": 12}]

        with pytest.raises(PartialBulkError) as raised:
            client.inventory.set_stock(rows)

        assert isinstance(raised.value.__cause__, MalformedResponseError)
        assert "data should be an object, not a string" in str(raised.value)
        assert raised.value.unsent == rows

    def test_a_create_answered_without_an_upload_id_is_not_repeated(self, client, sandbox):
        sandbox.control.script_faults("wrong_shape", path_prefix="/v3/products")
        start = sandbox.control.last_seq()

        with pytest.raises(AmbiguousWriteError) as raised:
            client.products.create([{"name": "Kopi", "price": 45_000, "stock": 1, "sku": "K-9"}])

        assert isinstance(raised.value.__cause__, MalformedResponseError)
        assert "POST /v3/products/fs/13004/create" in str(raised.value)
        assert "data should be an object, not a string" in str(raised.value)
        assert len(statuses(sandbox, start, "/v3/products")) == 1

    def test_persistent_server_errors_end_in_a_server_error(self, make_client, sandbox):
        client = make_client(max_attempts=2)
        client.shop.info()
        sandbox.control.script_faults("5xx", "5xx", path_prefix=SHOP_INFO)

        with pytest.raises(ServerError, match="gave up after 2 attempts"):
            client.shop.info()


class TestWritesThatAreNotSafeToRepeat:
    def test_an_accept_whose_connection_drops_is_not_repeated(self, client, sandbox):
        order = next(o for o in sandbox.control.orders() if o["status"] == 220)
        start = sandbox.control.last_seq()
        sandbox.control.script_faults("drop", path_prefix="/v1/order")

        with pytest.raises(AmbiguousWriteError, match="may or may not have been applied"):
            client.orders.accept(order["order_id"])

        assert len(statuses(sandbox, start, "/v1/order")) == 1

    def test_an_accept_answered_429_is_repeated_since_it_was_not_processed(self, client, sandbox):
        order = next(o for o in sandbox.control.orders() if o["status"] == 220)
        sandbox.control.script_faults("429", path_prefix="/v1/order")

        client.orders.accept(order["order_id"])

        assert sandbox.control.order(order["order_id"])["status"] == 400


class TestTypedErrors:
    def test_a_shop_not_linked_to_the_fs_id_says_how_to_fix_it(self, make_client):
        client = make_client(shop_id=UNLINKED_SHOP_ID)

        with pytest.raises(ShopNotLinkedError) as raised:
            client.shop.info()

        assert raised.value.status == 403
        assert raised.value.error_code == "RBAC_MDLW_001"
        assert "FS ID / Shop ID" in str(raised.value)

    def test_a_shop_owner_who_has_not_given_permission_is_told_apart_from_an_unlinked_shop(
        self, client, sandbox
    ):
        sandbox.control.script_faults("forbidden", path_prefix=SHOP_INFO)

        with pytest.raises(PermissionDeniedError) as raised:
            client.shop.info()

        assert not isinstance(raised.value, ShopNotLinkedError)
        assert (raised.value.status, raised.value.error_code) == (403, "RBAC_USC_012")
        assert "has not given the app (fs_id 13004) permission" in str(raised.value)
        assert "Seller Center" in str(raised.value)

    def test_an_invalid_request_carries_tokopedias_code_and_reason(self, client, sandbox):
        shipped = next(o for o in sandbox.control.orders() if o["status"] == 700)

        with pytest.raises(InvalidRequestError) as raised:
            client.orders.accept(shipped["order_id"])

        assert raised.value.error_code == "ORD_USC_001"
        assert "not eligible to accept" in str(raised.value)

    def test_an_unknown_order_is_not_found(self, client):
        with pytest.raises(NotFoundError) as raised:
            client.orders.get(1)

        assert raised.value.error_code == "ORD_API_008"
