"""Webhook registration (overwrite semantics) and signed delivery of events."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from tokopedia_sync.client.webhooks import URL_KEYS, signature
from tokopedia_sync.sandbox import jsonio
from tokopedia_sync.sandbox.errors import ApiError

log = logging.getLogger(__name__)

EVENT_URL_KEYS = {
    "order_notification": "order_notification_url",
    "order_status": "order_status_url",
    "order_cancellation": "order_cancellation_url",
    "product_changes": "product_changes_url",
    "product_creation": "product_creation_url",
}

ATTEMPTS = 3
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")


def url_problem(value: object) -> str | None:
    """Why `value` cannot be a webhook address, or None when it is an absolute http(s) URL
    the sender can POST to."""
    if not isinstance(value, str):
        return "must be text"
    if _SPACE_OR_CONTROL.search(value):
        return "must not contain spaces or control characters"
    try:
        parts = urlsplit(value)
        port = parts.port
        # The sender's own parser has the last word. It reads the host lazily, and raises
        # InvalidURL, IDNAError and more.
        host = httpx.URL(value).host
    except Exception as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname or not host:
        return "must be an absolute http:// or https:// URL with a host"
    if port == 0:
        return "must name a port from 1 to 65535"
    return None


class WebhookRegistry:
    """What the app registered. Every registration replaces all of it: a URL left out is emptied."""

    def __init__(self, fs_id: int) -> None:
        self.fs_id = fs_id
        self.urls: dict[str, str] = dict.fromkeys(URL_KEYS, "")
        self.secret = ""

    def register(self, body: object) -> None:
        if not isinstance(body, dict):
            raise _bad_input("the body must be a JSON object")
        if "fs_id" in body and str(body["fs_id"]) != str(self.fs_id):
            raise _bad_input(f"fs_id {body['fs_id']} does not match the path")
        unknown = set(body) - {*URL_KEYS, "fs_id", "webhook_secret"}
        if unknown:
            raise _bad_input(f"unknown keys {sorted(unknown)}")
        urls = {}
        for key in URL_KEYS:
            value = body.get(key, "") or ""
            problem = url_problem(value) if value else None
            if problem is not None:
                raise _bad_input(f"{key} {problem}; send an http(s) URL or an empty string")
            urls[key] = value
        secret = body.get("webhook_secret", "") or ""
        if not isinstance(secret, str):
            raise _bad_input("webhook_secret must be text")
        self.urls, self.secret = urls, secret

    def listing(self) -> dict:
        return {"fs_id": self.fs_id, **self.urls, "webhook_secret": self.secret}

    def url_for(self, kind: str) -> str:
        key = EVENT_URL_KEYS.get(kind)
        return self.urls.get(key, "") if key else ""


def _bad_input(reason: str) -> ApiError:
    return ApiError(400, "bad input data", reason)


class WebhookSender:
    """Queues signed deliveries and POSTs them from a background task, three tries each."""

    def __init__(self, registry: WebhookRegistry, clock: Callable[[], float] = time.time) -> None:
        self.registry = registry
        self.clock = clock
        self.deliveries: deque[dict] = deque(maxlen=20_000)
        self._queue: asyncio.Queue[tuple[str, str, bytes, str]] = asyncio.Queue()
        self._seq = 0

    def enqueue(self, kind: str, payload: dict, url: str | None = None) -> bool:
        """Queue `payload` for `url` (default: the registered URL for `kind`)."""
        target = url or self.registry.url_for(kind)
        if not target:
            return False
        body = jsonio.dumps(payload)
        self._queue.put_nowait((kind, target, body, signature(self.registry.secret, body)))
        return True

    def forget(self) -> None:
        """Drop queued deliveries and the delivery log, as a reset must."""
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
        self.deliveries.clear()

    async def idle(self) -> None:
        await self._queue.join()

    async def run(self) -> None:
        """Deliver queued events for as long as the server runs; no delivery can stop it."""
        async with httpx.AsyncClient(timeout=5.0) as http:
            while True:
                kind, url, body, signature = await self._queue.get()
                try:
                    await self._deliver(http, kind, url, body, signature)
                except Exception:
                    log.exception("webhook %s to %s failed in the sandbox itself", kind, url)
                finally:
                    self._queue.task_done()

    async def _deliver(
        self, http: httpx.AsyncClient, kind: str, url: str, body: bytes, signature: str
    ) -> None:
        headers = {
            "Content-Type": "application/json",
            "Authorization-Hmac": signature,
            "User-Agent": "tokopedia-sandbox-webhook",
        }
        status, error = None, ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await http.post(url, content=body, headers=headers)
                status, error = response.status_code, ""
                if response.is_success:
                    break
            except httpx.HTTPError as exc:
                status, error = None, f"{type(exc).__name__}: {exc}"
            except Exception as exc:
                # Not a network failure (an address httpx cannot use, say): retrying cannot help.
                status, error = None, f"{type(exc).__name__}: {exc}"
                break
            if attempt < ATTEMPTS:
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        self._seq += 1
        self.deliveries.append(
            {
                "seq": self._seq,
                "time": self.clock(),
                "kind": kind,
                "url": url,
                "status": status,
                "attempts": attempt,
                "error": error,
                "body_sha256": hashlib.sha256(body).hexdigest(),
            }
        )
        if status is None or not 200 <= status < 300:
            log.warning(
                "webhook %s to %s failed after %d tries: %s", kind, url, attempt, error or status
            )
