"""One failure never stops the sandbox: a webhook it cannot deliver, a step of simulated business
that fails, a handler that raises. Each is recorded where a test or an engineer can see it."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import uvicorn

from tokopedia_sync.sandbox.app import Sandbox, create_app
from tokopedia_sync.sandbox.gateway import Call, api, starlette_route
from tokopedia_sync.sandbox.settings import SandboxSettings, ShopSpec
from tokopedia_sync.sandbox.webhooks import WebhookRegistry, WebhookSender

FS_ID = 13004
SETTINGS = SandboxSettings(
    client_id="resilient",
    client_secret="resilient-secret",
    fs_id=FS_ID,
    shops=(ShopSpec(479573, "Toko Tahan Banting"),),
    orders_per_shop=20,
    products_per_shop=30,
    new_orders_per_minute=0,
    advances_per_minute=0,
)


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[bytes]]]:
    """A local URL that answers 200 to every POST, and the bodies it got."""
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_a_delivery_the_sender_cannot_make_is_recorded_and_the_next_one_is_made(receiver):
    url, received = receiver
    sender = WebhookSender(WebhookRegistry(FS_ID))

    async def deliver_both() -> None:
        running = asyncio.create_task(sender.run())
        # Enqueued directly: the API refuses such a URL, but the sender must survive anything.
        sender.enqueue("order_status", {"order_id": 1}, "http://[::1")
        sender.enqueue("order_status", {"order_id": 2}, url)
        try:
            await asyncio.wait_for(sender.idle(), 10)
        finally:
            running.cancel()

    asyncio.run(deliver_both())

    failed, made = sender.deliveries
    assert (failed["url"], failed["status"]) == ("http://[::1", None)
    assert failed["error"].startswith("InvalidURL")
    assert (made["url"], made["status"]) == (url, 200)
    assert received == [b'{"order_id":2}']


def test_simulated_business_goes_on_after_a_step_fails(caplog):
    sandbox = Sandbox(SETTINGS.replace(new_orders_per_minute=600.0))
    seeded = len(sandbox.state.orders)
    failures = []

    def fail_once(event) -> None:
        if not failures:
            failures.append(event)
            raise RuntimeError("a listener failed")

    sandbox.state.subscribe(fail_once)

    async def two_steps() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sandbox.simulate(), 2.9)

    asyncio.run(two_steps())

    # Ten orders a second arrive; the first step stopped at its first event, the second ran.
    assert failures
    assert len(sandbox.state.orders) >= seeded + 11
    assert "simulated business failed" in caplog.text


@api("GET", "/v1/broken/fs/{fs_id}", "shop")
def broken(call: Call) -> dict:
    raise RuntimeError("a bug in a handler")


@api("GET", "/v1/broken-legacy/fs/{fs_id}", "webhooks", legacy=True)
def broken_legacy(call: Call) -> dict:
    raise RuntimeError("a bug in a legacy handler")


@pytest.fixture
def served() -> Iterator[str]:
    """A sandbox app with two handlers that raise, served over HTTP from this process."""
    sandbox = Sandbox(SETTINGS)
    app = create_app(sandbox, simulate=False)
    app.router.routes += [starlette_route(broken, sandbox), starlette_route(broken_legacy, sandbox)]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


def bearer(base_url: str) -> dict[str, str]:
    response = requests.post(
        f"{base_url}/accounts/token",
        params={"grant_type": "client_credentials"},
        auth=(SETTINGS.client_id, SETTINGS.client_secret),
        timeout=10,
    )
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_handler_that_raises_answers_a_500_envelope_and_is_logged(served, caplog):
    headers = bearer(served)

    response = requests.get(f"{served}/v1/broken/fs/{FS_ID}", headers=headers, timeout=10)
    legacy = requests.get(f"{served}/v1/broken-legacy/fs/{FS_ID}", headers=headers, timeout=10)
    after = requests.get(f"{served}/v1/shop/fs/{FS_ID}/shop-info", headers=headers, timeout=10)
    log = requests.get(f"{served}/_sandbox/requests", timeout=10).json()["requests"]

    assert response.status_code == 500
    assert response.json()["data"] is None
    assert response.json()["header"]["error_code"] == "INTERNAL_SERVER_ERROR"
    assert response.headers["X-Ratelimit-Limit"] == "50 req/min (burst 50)"
    assert legacy.status_code == 500
    assert legacy.json() == {
        "data": None,
        "status": "500 Internal Server Error",
        "error_message": ["INTERNAL_SERVER_ERROR", "the sandbox failed here; see its log"],
    }
    assert after.status_code == 200
    failed = [(e["path"], e["status"], e["error_code"]) for e in log if e["status"] == 500]
    assert failed == [
        (f"/v1/broken/fs/{FS_ID}", 500, "INTERNAL_SERVER_ERROR"),
        (f"/v1/broken-legacy/fs/{FS_ID}", 500, "INTERNAL_SERVER_ERROR"),
    ]
    assert "a bug in a handler" in caplog.text
    assert any(r.levelno == logging.ERROR and r.exc_info for r in caplog.records)
