"""Retries that honour 429 and Retry-After, backoff on 5xx and dropped connections, bounded
waits, malformed bodies, and typed errors that say what to fix."""

from __future__ import annotations

import time

import pytest

from tests.client.conftest import FakeTime
from tests.conftest import SHOP_ID, UNLINKED_SHOP_ID
from tokopedia_sync.client import (
    AmbiguousWriteError,
    InvalidRequestError,
    LocalBudget,
    MalformedResponseError,
    NotFoundError,
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
