"""Pure logic of the client: settings checks, envelope reading, windows, budgets, backoff."""

from __future__ import annotations

import inspect
import itertools
import logging
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from tests.client.conftest import FakeTime
from tokopedia_sync.client import ClientConfig, ConfigurationError, MalformedResponseError
from tokopedia_sync.client.auth import Token
from tokopedia_sync.client.budget import (
    MAX_PAUSE_SECONDS,
    LocalBudget,
    Window,
    requested_pause,
    window_from_header,
)
from tokopedia_sync.client.bulk import row_problem
from tokopedia_sync.client.envelope import decode_json, lookup, read, snippet
from tokopedia_sync.client.errors import RateLimitedError
from tokopedia_sync.client.orders import MAX_WINDOW_SECONDS, OrdersApi, windows
from tokopedia_sync.client.products import ProductsApi
from tokopedia_sync.client.retry import Backoff

GOOD = {
    "fs_id": 13004,
    "shop_id": 479573,
    "client_id": "id",
    "client_secret": "very-secret-value",
    "webhook_secret": "hook-secret-value",
}


class TestClientConfig:
    def test_secrets_never_show_in_the_repr(self):
        text = repr(ClientConfig(**GOOD))

        assert "very-secret-value" not in text
        assert "hook-secret-value" not in text

    def test_an_access_token_never_shows_in_the_repr(self):
        token = Token("c:token-value-7f3a", expires_at=10.0, refresh_at=5.0)

        assert "token-value-7f3a" not in repr(token)
        assert "expires_at=10.0" in repr(token)

    @pytest.mark.parametrize(
        ("change", "named"),
        [
            ({"fs_id": 0}, "FS ID"),
            ({"shop_id": "479573"}, "Shop ID"),
            ({"client_id": " "}, "Client ID"),
            ({"client_secret": ""}, "Client Secret"),
            ({"api_base_url": "fs.tokopedia.net"}, "API base URL"),
            ({"auth_base_url": "ftp://accounts"}, "Auth base URL"),
            ({"budgets": {"orders": 0}}, "budget_orders"),
            ({"budgets": {"chat": 10}}, "budgets"),
        ],
    )
    def test_a_bad_setting_fails_at_once_naming_the_field_and_source(self, change, named):
        with pytest.raises(ConfigurationError) as raised:
            ClientConfig(**{**GOOD, **change, "source": "Tokopedia connection 'shop_a'"})

        assert named in str(raised.value)
        assert "Tokopedia connection 'shop_a'" in str(raised.value)

    def test_plain_http_is_refused_except_to_localhost(self):
        with pytest.raises(ConfigurationError, match="plain http"):
            ClientConfig(**GOOD, api_base_url="http://fs.tokopedia.net")

        local = ClientConfig(**GOOD, api_base_url="http://127.0.0.1:8765/")
        assert local.api_base_url == "http://127.0.0.1:8765"

    def test_budgets_fill_in_defaults_and_can_switch_a_family_off(self):
        config = ClientConfig(**GOOD, budgets={"orders": 400, "shop": None})

        assert dict(config.budgets) == {
            "products": 100,
            "orders": 400,
            "inventory": 150,
            "shop": None,
        }


class TestEnvelopes:
    def test_reads_the_header_data_envelope_with_loose_types(self):
        ok = read({"header": {"process_time": "35.50ms", "messages": None}, "data": [1]})
        failed = read(
            {
                "header": {"process_time": 0, "error_code": 500, "reason": "boom"},
                "data": None,
            }
        )
        zero_code = read({"header": {"process_time": 21, "error_code": 0}, "data": "success"})

        assert (ok.data, ok.failed) == ([1], False)
        assert (failed.error_code, failed.reason) == ("500", "boom")
        assert not zero_code.failed

    def test_reads_the_legacy_envelope(self):
        ok = read({"data": "success", "status": "200 Ok", "error_message": []})
        bad = read({"data": None, "status": "400 Bad Request", "error_message": ["bad input data"]})

        assert (ok.data, ok.failed) == ("success", False)
        assert bad.failed
        assert bad.reason == "bad input data"

    def test_the_inner_verdict_of_a_nested_envelope_counts(self):
        nested = {
            "header": {
                "process_time": 0.1,
                "messages": "Successfully Update Shop Status",
                "error_code": 200,
            },
            "data": {
                "header": {
                    "process_time": 0.1,
                    "Messages": "x",
                    "error_code": "400",
                    "reason": "closed",
                },
                "data": None,
            },
        }

        assert read(nested).error_code == "400"

    def test_a_body_that_is_not_json_is_an_error_quoting_its_start_without_personal_data(self):
        body = b'{"header":{},"data":[{"buyer":{"email":"budi@example.com","phone":"6281234567890"'

        with pytest.raises(MalformedResponseError) as raised:
            decode_json(body, "GET /v2/order/list", 200)

        message = str(raised.value)
        assert "GET /v2/order/list" in message
        assert '{"header":{},"data"' in message
        assert "budi@example.com" not in message
        assert "6281234567890" not in message

    def test_snippet_is_bounded(self):
        assert len(snippet(b"x" * 10_000)) < 200

    def test_lookup_tolerates_name_and_Name(self):
        assert lookup({"Name": "Budi"}, "name") == "Budi"
        assert lookup({"name": "Ani", "Name": "Budi"}, "name") == "Ani"


class TestOrderWindows:
    def test_cuts_any_range_into_windows_the_api_accepts_sharing_their_edges(self):
        cuts = list(windows(0, 10 * 86_400))

        assert cuts[0][0] == 0
        assert cuts[-1][1] == 10 * 86_400
        assert all(stop - start <= MAX_WINDOW_SECONDS for start, stop in cuts)
        assert all(b[0] == a[1] for a, b in itertools.pairwise(cuts))

    def test_a_range_within_one_window_is_one_window(self):
        assert list(windows(100, 200)) == [(100, 200)]

    def test_a_backwards_range_is_refused(self):
        with pytest.raises(ValueError, match="before it starts"):
            list(windows(200, 100))


class TestLocalBudget:
    def test_waits_when_the_minute_is_spent_and_never_exceeds_it(self):
        time = FakeTime()
        budget = LocalBudget({"orders": 10}, clock=time.clock, sleep=time.sleep)
        spent_at = []

        for _ in range(25):
            budget.acquire("orders", 1, max_wait=10**9)
            spent_at.append(time.now)

        for moment in spent_at:
            in_window = [t for t in spent_at if moment <= t < moment + 60]
            assert len(in_window) <= 10
        assert spent_at[-1] - spent_at[0] < 2 * 61 + 1

    def test_bulk_units_count_one_each(self):
        time = FakeTime()
        budget = LocalBudget({"inventory": 150}, clock=time.clock, sleep=time.sleep)

        budget.acquire("inventory", 100, max_wait=10**9)
        budget.acquire("inventory", 50, max_wait=10**9)
        assert time.now == 1000.0
        budget.acquire("inventory", 1, max_wait=10**9)
        assert time.now > 1060.0

    def test_a_family_without_budget_never_waits(self):
        time = FakeTime()
        budget = LocalBudget({"orders": None}, clock=time.clock, sleep=time.sleep)

        for _ in range(1000):
            budget.acquire("orders", 1, max_wait=10**9)

        assert time.now == 1000.0

    def test_gives_up_with_a_clear_error_when_the_wait_is_longer_than_allowed(self):
        time = FakeTime()
        budget = LocalBudget({"shop": 1}, clock=time.clock, sleep=time.sleep)
        budget.acquire("shop", 1, max_wait=10**9)

        with pytest.raises(RateLimitedError, match="shop budget"):
            budget.acquire("shop", 1, max_wait=5)

    def test_a_request_larger_than_a_window_waits_for_it_to_empty_then_goes(self):
        # A per-second burst announced by Tokopedia must not make a bulk call impossible.
        time = FakeTime()
        budget = LocalBudget({"inventory": 150}, clock=time.clock, sleep=time.sleep)
        budget.observe("inventory", {"X-Ratelimit-Limit": "5 req/s (burst 5)"})
        budget.acquire("inventory", 3, max_wait=10**9)

        budget.acquire("inventory", 100, max_wait=10**9)

        assert budget.capacity("inventory") == 5
        assert 1.0 <= time.now - 1000.0 <= 1.2

    def test_a_tighter_limit_announced_in_headers_is_kept_to(self):
        time = FakeTime()
        budget = LocalBudget({"shop": 50}, clock=time.clock, sleep=time.sleep)

        budget.observe(
            "shop", {"X-Ratelimit-Limit": "5 req/s (burst 5)", "X-Ratelimit-Remaining": "4"}
        )
        for _ in range(20):
            budget.acquire("shop", 1, max_wait=10**9)

        assert budget.capacity("shop") == 5
        assert time.now - 1000.0 >= 3.0

    def test_fewer_remaining_than_the_budget_counts_are_booked_as_spent_by_someone_else(self):
        time = FakeTime()
        budget = LocalBudget({"orders": 10}, clock=time.clock, sleep=time.sleep)
        budget.acquire("orders", 1, max_wait=10**9)

        budget.observe("orders", {"X-Ratelimit-Remaining": "3"})
        for _ in range(3):
            budget.acquire("orders", 1, max_wait=10**9)
        assert time.now == 1000.0
        budget.acquire("orders", 1, max_wait=10**9)

        assert time.now > 1060.0

    def test_as_many_remaining_as_the_budget_counts_changes_nothing(self):
        time = FakeTime()
        budget = LocalBudget({"orders": 10}, clock=time.clock, sleep=time.sleep)
        for _ in range(4):
            budget.acquire("orders", 1, max_wait=10**9)

        # Two of the four are still on their way: the server has counted only two.
        budget.observe("orders", {"X-Ratelimit-Remaining": "8"})
        for _ in range(6):
            budget.acquire("orders", 1, max_wait=10**9)

        assert time.now == 1000.0

    def test_a_pause_holds_a_family_whose_budget_is_off(self):
        time = FakeTime()
        budget = LocalBudget({"orders": None}, clock=time.clock, sleep=time.sleep)

        budget.pause("orders", 2.5)
        budget.acquire("orders", 1, max_wait=10**9)

        assert time.now == pytest.approx(1002.5)


class TestRateLimitHeaders:
    @pytest.mark.parametrize(
        ("header", "window"),
        [
            ("5 req/s (burst 5)", Window(5, 1.0)),
            ("200 req/min (burst 200)", Window(200, 60.0)),
            ("10 req/s", Window(10, 1.0)),
            ("garbage", None),
            (None, None),
        ],
    )
    def test_reads_the_limit_header(self, header, window):
        assert window_from_header(header) == window

    def test_retry_after_wins_then_the_reset_headers(self):
        assert requested_pause({"Retry-After": "3"}, refused=True) == 3.0
        exhausted = {"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset-After": "0.4"}
        assert requested_pause(exhausted, refused=False) == 0.4
        left = {"X-Ratelimit-Remaining": "7", "X-Ratelimit-Reset-After": "-0.000000"}
        assert requested_pause(left, refused=False) == 0.0

    def test_retry_after_may_be_an_http_date(self):
        moment = datetime.now(UTC) + timedelta(seconds=30)

        pause = requested_pause({"Retry-After": format_datetime(moment, usegmt=True)}, refused=True)

        assert 28.0 <= pause <= 30.0

    def test_a_pause_longer_than_any_limit_needs_is_capped_with_a_warning(self, caplog):
        with caplog.at_level(logging.WARNING, logger="tokopedia_sync.client.budget"):
            pause = requested_pause({"Retry-After": "3600"}, refused=True)

        assert pause == MAX_PAUSE_SECONDS == 60.0
        assert "hold off for 3600 s; pausing 60 s" in caplog.text


class TestBackoff:
    def test_waits_grow_with_jitter_and_stop_at_the_attempt_limit(self):
        backoff = Backoff(max_attempts=5, max_seconds=1000, rng=random.Random(3))

        waits = [backoff.next_wait() for _ in range(5)]

        assert waits[-1] is None
        assert all(0.25 <= w <= 0.5 * 2**i for i, w in enumerate(waits[:-1]))

    def test_stops_when_the_total_wait_would_pass_the_bound(self):
        now = [0.0]
        backoff = Backoff(max_attempts=100, max_seconds=10, clock=lambda: now[0])

        assert 4 <= backoff.next_wait(at_least=4, counts=False) <= 5
        now[0] = 8.0
        assert backoff.next_wait(at_least=4, counts=False) is None

    def test_waits_the_server_asked_for_get_jitter_and_are_never_shorter(self):
        backoff = Backoff(max_attempts=2, max_seconds=10**6, rng=random.Random(5))

        waits = [backoff.next_wait(at_least=2.0, counts=False) for _ in range(20)]

        assert all(2.0 <= w <= 2.5 for w in waits)
        assert len(set(waits)) == 20


class TestRowChecks:
    @pytest.mark.parametrize(
        ("row", "problem"),
        [
            ({"sku": "A-1", "new_stock": 5}, None),
            ({"product_id": 15, "new_stock": 0}, None),
            ({"new_stock": 5}, "give a sku or a positive integer product_id"),
            ({"product_id": "15", "new_stock": 5}, "give a sku or a positive integer product_id"),
            ({"sku": "A-1", "new_stock": -1}, "from 0 to"),
            ({"sku": "A-1", "new_stock": 2.5}, "whole number"),
            ({"sku": "A-1", "new_stock": True}, "whole number"),
            ({"sku": "x" * 51, "new_stock": 1}, "1 to 50 characters"),
        ],
    )
    def test_rows_are_checked_before_sending(self, row, problem):
        found = row_problem(row, "new_stock", 0, 999_999)

        if problem is None:
            assert found is None
        else:
            assert problem in found


class TestSignatures:
    @pytest.mark.parametrize(
        ("method", "pages"),
        [(OrdersApi.list, OrdersApi.pages), (ProductsApi.list, ProductsApi.pages)],
    )
    def test_list_takes_the_same_keywords_as_pages(self, method, pages):
        listed = inspect.signature(method).parameters
        paged = inspect.signature(pages).parameters

        assert list(listed) == list(paged)
        assert all(p.kind is not p.VAR_KEYWORD for p in listed.values())
