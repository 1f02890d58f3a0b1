"""The accounts host: client-credentials tokens, their reuse and expiry, and bearer checks."""

from __future__ import annotations

import time

from tests.conftest import CLIENT_ID, FS_ID, SHOP_ID
from tests.sandbox.conftest import RawApi, error_of

SHOP_INFO = f"/v1/shop/fs/{FS_ID}/shop-info"


class TestTokenEndpoint:
    def test_issues_a_bearer_token_with_the_keys_real_responses_carry(self, sandbox):
        response = RawApi(sandbox.base_url).fetch_token()

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {
            "access_token",
            "event_code",
            "expires_in",
            "last_login_type",
            "sq_check",
            "token_type",
        }
        assert body["token_type"] == "Bearer"
        assert body["access_token"].startswith("c:")
        assert 0 < body["expires_in"] <= 1_209_600

    def test_returns_the_same_token_until_it_expires(self, sandbox):
        raw = RawApi(sandbox.base_url)
        first = raw.fetch_token().json()
        time.sleep(1.1)
        second = raw.fetch_token().json()

        assert second["access_token"] == first["access_token"]
        assert second["expires_in"] < first["expires_in"]

    def test_mints_a_new_token_once_the_old_one_expired(self, sandbox):
        sandbox.control.configure(token_ttl=1)
        raw = RawApi(sandbox.base_url)
        first = raw.fetch_token().json()["access_token"]
        raw.token = first
        time.sleep(1.2)

        assert raw.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 401
        second = raw.fetch_token().json()["access_token"]
        assert second != first
        raw.token = second
        assert raw.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 200

    def test_refuses_wrong_credentials_with_an_oauth_error(self, sandbox):
        response = RawApi(sandbox.base_url).fetch_token(CLIENT_ID, "not-the-secret")

        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    def test_refuses_a_request_without_grant_type_in_the_query(self, sandbox):
        response = RawApi(sandbox.base_url).http.post(
            f"{sandbox.base_url}/accounts/token", auth=(CLIENT_ID, "x"), timeout=10
        )

        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"

    def test_refuses_garbage_in_the_basic_header(self, sandbox):
        response = RawApi(sandbox.base_url).http.post(
            f"{sandbox.base_url}/accounts/token",
            params={"grant_type": "client_credentials"},
            headers={"Authorization": "Basic %%%not-base64"},
            timeout=10,
        )

        assert response.status_code == 401


class TestBearerChecks:
    def test_a_request_without_a_token_is_401_in_the_envelope(self, sandbox):
        response = RawApi(sandbox.base_url).get(SHOP_INFO, shop_id=SHOP_ID)

        assert error_of(response) == (401, "UNAUTHORIZED")

    def test_an_unknown_token_is_401(self, sandbox):
        raw = RawApi(sandbox.base_url)
        raw.token = "c:not-a-token-we-issued"

        assert raw.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 401

    def test_a_revoked_token_is_401_and_a_fresh_one_is_issued_after(self, api, sandbox):
        assert api.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 200
        revoked = api.token

        assert sandbox.control.revoke_tokens() == 1
        assert api.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 401
        assert api.login() != revoked
        assert api.get(SHOP_INFO, shop_id=SHOP_ID).status_code == 200

    def test_a_path_fs_id_that_is_not_the_tokens_app_is_403(self, api):
        response = api.get("/v1/shop/fs/99999/shop-info", shop_id=SHOP_ID)

        assert error_of(response) == (403, "RBAC_MDLW_001")
