"""Pure logic of the sandbox, tested without a server: the sliding budget window, settings
parsing, fault scripting and draws, and the token issuer."""

from __future__ import annotations

import base64
import re
from collections import Counter

import pytest

from tokopedia_sync.sandbox.faults import FaultInjector
from tokopedia_sync.sandbox.limits import WINDOW, RateLimiter, SlidingWindow
from tokopedia_sync.sandbox.settings import (
    DEFAULT_BUDGETS,
    FAMILIES,
    FaultRates,
    budgets_from_mapping,
    parse_budgets,
)
from tokopedia_sync.sandbox.tokens import TokenIssuer


class TestSlidingWindow:
    def test_take_grants_up_to_the_limit_and_no_more(self):
        window = SlidingWindow(5)

        assert window.take(3, now=100.0) == 3
        assert window.take(3, now=101.0) == 2
        assert window.take(1, now=102.0) == 0

    def test_units_come_back_exactly_one_window_after_they_were_spent(self):
        window = SlidingWindow(2)
        window.take(2, now=100.0)

        assert window.take(1, now=100.0 + WINDOW - 0.001) == 0
        assert window.take(1, now=100.0 + WINDOW) == 1

    def test_units_expire_in_the_order_they_were_spent(self):
        window = SlidingWindow(3)
        window.take(2, now=0.0)
        window.take(1, now=30.0)

        assert window.take(3, now=WINDOW) == 2
        assert window.take(1, now=WINDOW + 30.0) == 1

    def test_headers_while_units_remain(self):
        window = SlidingWindow(10)
        window.take(4, now=50.0)

        headers = window.headers(now=60.0)

        assert headers == {
            "X-Ratelimit-Limit": "10 req/min (burst 10)",
            "X-Ratelimit-Remaining": "6",
            "X-Ratelimit-Reset-After": "-0.000000",
            "X-Ratelimit-Full-Reset-After": "50.000000",
        }

    def test_headers_once_spent_say_when_a_unit_and_the_whole_budget_come_back(self):
        window = SlidingWindow(2)
        window.take(1, now=10.0)
        window.take(1, now=40.0)

        headers = window.headers(now=45.0)

        assert headers["X-Ratelimit-Remaining"] == "0"
        assert headers["X-Ratelimit-Reset-After"] == "25.000000"
        assert headers["X-Ratelimit-Full-Reset-After"] == "55.000000"

    def test_headers_of_an_unused_window(self):
        headers = SlidingWindow(3).headers(now=0.0)

        assert headers["X-Ratelimit-Remaining"] == "3"
        assert headers["X-Ratelimit-Full-Reset-After"] == "0.000000"

    def test_retry_after_is_zero_while_units_remain_and_whole_seconds_after(self):
        window = SlidingWindow(1)

        assert window.retry_after(now=0.0) == 0
        window.take(1, now=0.0)
        assert window.retry_after(now=0.5) == 60
        assert window.retry_after(now=59.9) == 1
        assert window.retry_after(now=60.0) == 0

    def test_taking_nothing_spends_nothing(self):
        window = SlidingWindow(1)

        assert window.take(0, now=0.0) == 0
        assert window.headers(now=0.0)["X-Ratelimit-Full-Reset-After"] == "0.000000"


class TestRateLimiter:
    def test_each_client_and_family_has_a_window_of_its_own(self):
        limiter = RateLimiter({"orders": 2, "shop": 1})

        orders = limiter.window("app", "orders")

        assert orders is limiter.window("app", "orders")
        assert orders is not limiter.window("other-app", "orders")
        assert limiter.window("app", "shop").limit == 1

    def test_unmetered_families_have_no_window(self):
        limiter = RateLimiter({"orders": None})

        assert limiter.window("app", "orders") is None
        assert limiter.window("app", None) is None
        assert limiter.window("app", "chat") is None

    def test_new_budgets_start_fresh_windows_for_those_families_only(self):
        limiter = RateLimiter({"orders": 2, "shop": 1})
        orders, shop = limiter.window("app", "orders"), limiter.window("app", "shop")
        orders.take(2, now=0.0)
        shop.take(1, now=0.0)

        limiter.set_budgets({"orders": 5})

        assert limiter.window("app", "orders").take(5, now=1.0) == 5
        assert limiter.window("app", "shop") is shop
        assert limiter.budgets == {"orders": 5, "shop": 1}


class TestFaultRates:
    def test_empty_text_means_no_faults(self):
        assert FaultRates.parse("") == FaultRates()
        assert set(FaultRates.parse(" , ").as_mapping().values()) == {0.0}

    def test_kinds_and_shares_are_read(self):
        rates = FaultRates.parse("5xx=0.05, 429=0.02,drop=1")

        assert (rates.server_error, rates.throttle, rates.drop) == (0.05, 0.02, 1.0)
        assert rates.as_mapping()["5xx"] == 0.05

    @pytest.mark.parametrize(
        ("text", "complaint"),
        [
            ("5xx", "write kind=share"),
            (
                "meteor=0.1",
                "kind one of 5xx, 429, slow, drop, malformed, bad_record, short_answer, revoke",
            ),
            ("5xx=often", "fault 5xx: 'often' is not a number between 0 and 1"),
            ("429=1.5", "fault 429: 1.5 is outside 0..1"),
            ("slow=-0.1", "outside 0..1"),
        ],
    )
    def test_bad_text_says_what_to_write(self, text, complaint):
        with pytest.raises(ValueError, match=re.escape(complaint)):
            FaultRates.parse(text)

    def test_a_mapping_from_the_control_api_is_read_and_checked(self):
        assert FaultRates.from_mapping({"malformed": 0.25}).malformed == 0.25

        with pytest.raises(ValueError, match="unknown fault kinds"):
            FaultRates.from_mapping({"meteor": 0.1})
        with pytest.raises(ValueError, match="must be an object"):
            FaultRates.from_mapping(["5xx"])


class TestBudgets:
    def test_off_switches_every_family_off(self):
        assert parse_budgets("off") == dict.fromkeys(FAMILIES, None)
        assert parse_budgets(" OFF ") == dict.fromkeys(FAMILIES, None)

    def test_families_not_named_keep_their_defaults(self):
        assert parse_budgets("orders=400,shop=off") == {
            **DEFAULT_BUDGETS,
            "orders": 400,
            "shop": None,
        }
        assert parse_budgets("") == DEFAULT_BUDGETS

    @pytest.mark.parametrize(
        ("text", "complaint"),
        [
            ("orders", "bad budget 'orders': write family=N"),
            ("chat=5", "family one of products, orders, inventory, shop"),
            ("orders=many", "budget orders: 'many' is not a whole number or 'off'"),
            ("orders=0", "budget orders: 0 must be at least 1 request per minute"),
            ("orders=2.5", "not a whole number"),
        ],
    )
    def test_bad_text_says_what_to_write(self, text, complaint):
        with pytest.raises(ValueError, match=re.escape(complaint)):
            parse_budgets(text)

    def test_a_mapping_from_the_control_api_is_read_and_checked(self):
        assert budgets_from_mapping({"orders": None, "shop": "7"}) == {"orders": None, "shop": 7}

        with pytest.raises(ValueError, match="unknown budget families"):
            budgets_from_mapping({"chat": 1})
        with pytest.raises(ValueError, match="must be an object"):
            budgets_from_mapping(["orders"])
        with pytest.raises(ValueError, match="at least 1"):
            budgets_from_mapping({"orders": -3})


def draws(injector: FaultInjector, count: int, path: str = "/v2/order/list") -> list:
    return [injector.draw(path) for _ in range(count)]


class TestFaultInjector:
    def test_no_rates_and_no_script_means_no_faults(self):
        assert set(draws(FaultInjector(FaultRates(), seed=1), 100)) == {None}

    def test_scripted_faults_come_in_order_for_matching_paths_only(self):
        injector = FaultInjector(FaultRates(), seed=1)
        injector.script(["5xx", "drop"], path_prefix="/v2/order")

        assert injector.draw("/v1/shop/fs/1/shop-info") is None
        assert injector.draw("/v2/order/list") == "5xx"
        assert injector.scripted == [{"kind": "drop", "path_prefix": "/v2/order"}]
        assert injector.draw("/v2/order/list") == "drop"
        assert injector.draw("/v2/order/list") is None

    def test_a_later_script_for_another_path_is_not_blocked_by_an_earlier_one(self):
        injector = FaultInjector(FaultRates(), seed=1)
        injector.script(["slow"], path_prefix="/v2/order")
        injector.script(["429"], path_prefix="/v1/shop")

        assert injector.draw("/v1/shop/fs/1/shop-info") == "429"
        assert injector.draw("/v2/order/list") == "slow"

    def test_an_unknown_scripted_kind_is_refused_and_nothing_is_scripted(self):
        injector = FaultInjector(FaultRates(), seed=1)

        with pytest.raises(ValueError, match="unknown fault 'meteor'"):
            injector.script(["5xx", "meteor"])

        assert injector.scripted == []

    def test_clearing_the_script_removes_what_was_left(self):
        injector = FaultInjector(FaultRates(), seed=1)
        injector.script(["5xx", "5xx"])

        injector.clear_script()

        assert injector.draw("/any") is None

    def test_the_same_seed_gives_the_same_draws(self):
        rates = FaultRates.parse("5xx=0.2,429=0.1,drop=0.05")

        first = draws(FaultInjector(rates, seed=11), 500)
        second = draws(FaultInjector(rates, seed=11), 500)

        assert first == second
        assert first != draws(FaultInjector(rates, seed=12), 500)

    def test_reconfiguring_the_seed_starts_the_draws_over(self):
        rates = FaultRates.parse("5xx=0.3")
        injector = FaultInjector(rates, seed=11)
        first = draws(injector, 50)

        injector.configure(seed=11)

        assert draws(injector, 50) == first

    def test_draws_follow_the_rates(self):
        rates = FaultRates.parse("5xx=0.2,429=0.1")

        counts = Counter(draws(FaultInjector(rates, seed=3), 5_000))

        assert 850 < counts["5xx"] < 1_150
        assert 400 < counts["429"] < 600
        assert set(counts) == {"5xx", "429", None}

    def test_a_rate_of_one_always_faults(self):
        assert set(draws(FaultInjector(FaultRates.parse("revoke=1"), seed=5), 50)) == {"revoke"}

    def test_variants_come_from_the_same_seeded_draws(self):
        first, second = FaultInjector(FaultRates(), seed=9), FaultInjector(FaultRates(), seed=9)

        picks = [first.variant(3) for _ in range(30)]

        assert picks == [second.variant(3) for _ in range(30)]
        assert set(picks) == {0, 1, 2}


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class TestTokenIssuer:
    def test_valid_basic_credentials_give_the_client_id(self):
        issuer = TokenIssuer("app", "s3cret", ttl=100)

        assert issuer.check_basic(basic("app", "s3cret")) == "app"
        assert issuer.check_basic(basic("app", "s3cret").replace("Basic", "basic")) == "app"

    @pytest.mark.parametrize(
        "authorization",
        [
            None,
            "",
            basic("app", "wrong"),
            basic("other", "s3cret"),
            "Bearer c:token",
            "Basic %%%",
            "Basic " + base64.b64encode(b"no-colon").decode(),
            "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        ],
    )
    def test_anything_else_is_refused(self, authorization):
        assert TokenIssuer("app", "s3cret", ttl=100).check_basic(authorization) is None

    def test_the_same_token_is_issued_until_it_expires(self):
        issuer = TokenIssuer("app", "s3cret", ttl=100)

        first = issuer.issue("app", now=0.0)
        again = issuer.issue("app", now=99.0)
        later = issuer.issue("app", now=100.0)

        assert again is first
        assert later.value != first.value
        assert later.expires_at == 200.0
        assert first.value.startswith("c:")
        assert len(first.value) == 24

    def test_a_bearer_token_is_good_until_it_expires(self):
        issuer = TokenIssuer("app", "s3cret", ttl=100)
        token = issuer.issue("app", now=0.0)

        assert issuer.check_bearer(f"Bearer {token.value}", now=99.0) is token
        assert issuer.check_bearer(f"bearer {token.value}", now=99.0) is token
        assert issuer.check_bearer(f"Bearer {token.value}", now=100.0) is None
        assert issuer.check_bearer(f"Bearer {token.value}", now=50.0) is None

    @pytest.mark.parametrize("authorization", [None, "", "Bearer ", "Bearer c:unknown", "Token x"])
    def test_unknown_bearers_are_refused(self, authorization):
        issuer = TokenIssuer("app", "s3cret", ttl=100)
        issuer.issue("app", now=0.0)

        assert issuer.check_bearer(authorization, now=1.0) is None

    def test_a_revoked_token_is_dead_and_a_new_one_is_issued(self):
        issuer = TokenIssuer("app", "s3cret", ttl=100)
        token = issuer.issue("app", now=0.0)

        assert issuer.revoke(token.value) == 1
        assert issuer.revoke(token.value) == 0
        assert issuer.check_bearer(f"Bearer {token.value}", now=1.0) is None
        assert issuer.issue("app", now=1.0).value != token.value

    def test_revoking_without_a_value_ends_every_live_token(self):
        issuer = TokenIssuer("app", "s3cret", ttl=100)
        issuer.issue("app", now=0.0)
        issuer.issue("other", now=0.0)

        assert issuer.revoke() == 2
        assert issuer.revoke() == 0
