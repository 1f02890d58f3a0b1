"""Clients pointed at the test sandbox, and a throwaway Postgres database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import CLIENT_ID, CLIENT_SECRET, FS_ID, SHOP_ID
from tokopedia_sync.client import ClientConfig, TokopediaClient

WEBHOOK_SECRET = "test-webhook-secret-81c4e0"


def sandbox_config(sandbox, **overrides) -> ClientConfig:
    settings = {
        "fs_id": FS_ID,
        "shop_id": SHOP_ID,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "webhook_secret": WEBHOOK_SECRET,
        "api_base_url": sandbox.base_url,
        "auth_base_url": f"{sandbox.base_url}/accounts",
        "max_retry_seconds": 60.0,
        **overrides,
    }
    return ClientConfig(**settings)


class FakeTime:
    """A clock for budgets under test: sleeping moves it on at once."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def make_client(sandbox) -> Iterator:
    """Build clients on the sandbox; every client made is closed after the test."""
    made: list[TokopediaClient] = []

    def make(**overrides) -> TokopediaClient:
        budget = overrides.pop("budget", None)
        mask = overrides.pop("mask", None)
        client = TokopediaClient(sandbox_config(sandbox, **overrides), budget=budget, mask=mask)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> TokopediaClient:
    return make_client()
