"""A bare HTTP client for speaking to the sandbox the way any Tokopedia client would."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import CLIENT_ID, CLIENT_SECRET


class RawApi:
    """Plain `requests` calls with a bearer token: no retries, no parsing, nothing hidden."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.token = ""

    def fetch_token(
        self, client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET
    ) -> requests.Response:
        return self.http.post(
            f"{self.base_url}/accounts/token",
            params={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            timeout=10,
        )

    def login(self) -> str:
        response = self.fetch_token()
        response.raise_for_status()
        self.token = response.json()["access_token"]
        return self.token

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        return self.http.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=30, **kwargs
        )

    def get(self, path: str, **params) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body=None, **params) -> requests.Response:
        return self.request("POST", path, params=params, json=body)


@pytest.fixture
def api(sandbox) -> RawApi:
    client = RawApi(sandbox.base_url)
    client.login()
    return client


def error_of(response: requests.Response) -> tuple[int, str]:
    """(HTTP status, error_code) of an answer in the `{header, data}` envelope."""
    header = response.json()["header"]
    assert response.json()["data"] is None
    return response.status_code, header["error_code"]
