"""A bare HTTP client for speaking to the sandbox the way any Tokopedia client would."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import CLIENT_ID, CLIENT_SECRET

MSG_SUCCESS = "Your request has been processed successfully"


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

    def patch(self, path: str, body=None, **params) -> requests.Response:
        return self.request("PATCH", path, params=params, json=body)

    def delete(self, path: str, body=None, **params) -> requests.Response:
        return self.request("DELETE", path, params=params, json=body)


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


def data_of(response: requests.Response) -> Any:
    """The `data` of a successful answer in the `{header, data}` envelope."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["header"]["messages"] == MSG_SUCCESS
    return body["data"]


def every_page(api: RawApi, path: str, per_page: int, **params) -> list[list[dict]]:
    """Pages of a paged list, read the way a client must: until a page is short."""
    pages = []
    for page in range(1, 10_000):
        rows = data_of(api.get(path, page=page, per_page=per_page, **params))
        pages.append(rows)
        if len(rows) < per_page:
            return pages
    raise AssertionError(f"{path} never returned a short page")
