"""No secret ever reaches a log line or an exception message, whatever goes wrong."""

from __future__ import annotations

import io
import logging
import time

import pytest

from tests.client.conftest import WEBHOOK_SECRET
from tests.conftest import CLIENT_SECRET, UNLINKED_SHOP_ID
from tokopedia_sync.client import TokopediaError


@pytest.fixture
def everything_logged():
    """Every record from every logger, DEBUG and up, as formatted text."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(previous)


def test_a_run_with_refreshes_retries_and_failures_logs_no_secret(
    make_client, sandbox, everything_logged
):
    tokens: list[str] = []
    # The client is built without a masker: it must not log secrets in the first place.
    client = make_client(mask=tokens.append, budgets={"products": None})
    sandbox.control.configure(token_ttl=2, budgets={"products": None})
    messages: list[str] = []

    deadline = time.monotonic() + 4.5
    while time.monotonic() < deadline:
        sandbox.control.script_faults("5xx", "drop", "429", "malformed", path_prefix="/inventory")
        list(client.products.list())
    sandbox.control.revoke_tokens()
    client.shop.info()
    client.webhooks.register({"order_status_url": "https://erp.example.com/status"})
    client.webhooks.registered()
    for failing in (
        lambda: make_client(client_secret="a-wrong-secret-value").shop.info(),
        lambda: make_client(shop_id=UNLINKED_SHOP_ID).shop.info(),
        lambda: client.orders.get(1),
    ):
        with pytest.raises(TokopediaError) as raised:
            failing()
        messages.append(str(raised.value))

    logged = everything_logged.getvalue()
    assert len(tokens) >= 3
    assert "retry" in logged
    for secret in [CLIENT_SECRET, WEBHOOK_SECRET, "a-wrong-secret-value", *tokens]:
        assert secret not in logged
        assert all(secret not in message for message in messages)
