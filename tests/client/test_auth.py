"""Tokens: cached, refreshed before expiry and once on 401, safe across threads."""

from __future__ import annotations

import time

import pytest

from tests.conftest import CLIENT_ID, CLIENT_SECRET, at_once
from tokopedia_sync.client import AuthenticationError, ConfigurationError


def token_requests(sandbox, since: int) -> list[dict]:
    return sandbox.control.requests(since=since, path_prefix="/accounts/token")["requests"]


class TestTokenCache:
    def test_one_token_serves_many_calls(self, client, sandbox):
        start = sandbox.control.last_seq()

        for _ in range(5):
            client.shop.info()

        assert len(token_requests(sandbox, start)) == 1

    def test_threads_sharing_a_client_fetch_one_token(self, client, sandbox):
        start = sandbox.control.last_seq()
        errors = at_once(client.shop.couriers, threads=8)

        assert errors == []
        assert len(token_requests(sandbox, start)) == 1

    def test_a_token_expiring_mid_run_is_replaced_without_a_failed_call(self, make_client, sandbox):
        sandbox.control.configure(token_ttl=2, budgets={"products": None})
        client = make_client(budgets={"products": None})
        start = sandbox.control.last_seq()

        pages = 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for _ in client.products.pages(per_page=50):
                pages += 1

        log = sandbox.control.requests(since=start)["requests"]
        refused = [i for i, r in enumerate(log) if r["status"] == 401]
        # A token may lapse between its last check and its use; that call fetches a new one.
        assert all(log[i + 1]["path"] == "/accounts/token" for i in refused)
        assert len(refused) <= client.tokens.minted
        assert client.tokens.minted >= 3
        assert pages > 10

    def test_a_revoked_token_is_refreshed_once_and_the_call_succeeds(self, client, sandbox):
        client.shop.info()
        start = sandbox.control.last_seq()

        sandbox.control.revoke_tokens()
        shop = client.shop.info()

        log = sandbox.control.requests(since=start)["requests"]
        assert shop["shop_id"]
        assert [r["status"] for r in log] == [401, 200, 200]
        assert log[1]["path"] == "/accounts/token"

    def test_revocation_injected_as_a_fault_is_survived(self, client, sandbox):
        for _ in range(2):
            sandbox.control.script_faults("revoke", path_prefix="/v1/shop")
            client.shop.info()

        assert client.tokens.minted == 3

    def test_a_token_request_answered_429_is_repeated_after_the_wait_asked(self, client, sandbox):
        start = sandbox.control.last_seq()
        sandbox.control.script_faults("429", "429", path_prefix="/accounts/token")

        began = time.monotonic()
        shop = client.shop.info()

        assert shop["shop_id"]
        assert [r["status"] for r in token_requests(sandbox, start)] == [429, 429, 200]
        # Every injected 429 says Retry-After: 1.
        assert time.monotonic() - began >= 2.0


class TestRefusedCredentials:
    def test_wrong_client_secret_is_an_authentication_error_saying_what_to_check(self, make_client):
        client = make_client(client_secret="wrong-secret", source="Tokopedia connection 'shop_a'")

        with pytest.raises(AuthenticationError) as raised:
            client.shop.info()

        message = str(raised.value)
        assert "Client ID and Client Secret" in message
        assert CLIENT_ID in message
        assert "shop_a" in message
        assert "wrong-secret" not in message

    def test_a_401_that_persists_after_refreshing_is_an_error_about_credentials_or_shop_link(
        self, client, sandbox
    ):
        client.shop.info()
        sandbox.control.script_faults("revoke", "revoke", path_prefix="/v1/shop")

        with pytest.raises(AuthenticationError, match="credentials or the link"):
            client.shop.info()

    def test_a_wrong_auth_base_url_says_to_check_it_naming_the_url(self, make_client, sandbox):
        wrong = f"{sandbox.base_url}/oauth"
        client = make_client(auth_base_url=wrong, source="Tokopedia connection 'shop_a'")

        with pytest.raises(ConfigurationError) as raised:
            client.shop.info()

        message = str(raised.value)
        assert f"Auth base URL {wrong} has no token endpoint" in message
        assert "shop_a" in message
        assert CLIENT_SECRET not in message
