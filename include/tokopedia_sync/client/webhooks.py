"""Webhook registration, replay and verification of Tokopedia's signatures."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Literal

from tokopedia_sync.client.shapes import record
from tokopedia_sync.client.transport import Call, Transport

PayloadType = Literal["order_notification", "order_status"]

URL_KEYS = (
    "order_notification_url",
    "order_cancellation_url",
    "order_status_url",
    "order_request_cancellation_url",
    "order_confirm_delivery_notification_url",
    "order_actions_url",
    "order_partial_fulfillment_url",
    "product_creation_url",
    "product_edit_url",
    "product_changes_url",
    "chat_notification_url",
    "campaign_notification_url",
    "product_discussion_url",
)


def signature(secret: str, body: bytes) -> str:
    """What Tokopedia puts in `Authorization-Hmac`: hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_signed_by(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a webhook's `Authorization-Hmac` against the raw body."""
    if not header or not secret:
        return False
    return hmac.compare_digest(signature(secret, body), header.strip().lower())


class WebhooksApi:
    """Webhook registration, replay and payloads. No budget is kept for them (they are rare);
    a 429 from Tokopedia is still waited out like any other."""

    def __init__(self, transport: Transport, fs_id: int, webhook_secret: str) -> None:
        self._transport = transport
        self._fs_id = fs_id
        self._secret = webhook_secret

    def registered(self) -> dict:
        """The registered URLs. The answer also carries the webhook secret: never log it."""
        return self._transport.send(Call("GET", f"/v1/fs/{self._fs_id}", None, read=record))

    def register(self, urls: Mapping[str, str], *, keep_existing: bool = True) -> None:
        """Register webhook URLs, signed with the connection's webhook secret.

        Tokopedia replaces the whole registration and empties every URL not sent. With
        `keep_existing` (the default) the URLs registered now are read first and kept unless
        `urls` changes them; pass False to replace everything.
        """
        unknown = set(urls) - set(URL_KEYS)
        if unknown:
            raise ValueError(f"unknown webhook URL keys {sorted(unknown)}; use {URL_KEYS}")
        body: dict[str, object] = {"fs_id": self._fs_id}
        if keep_existing:
            current = self.registered()
            body.update({key: current.get(key) or "" for key in URL_KEYS})
        body.update(urls)
        body["webhook_secret"] = self._secret
        path = f"/v1/fs/{self._fs_id}/register"
        self._transport.send(Call("POST", path, None, body=body))

    def trigger(
        self,
        order_id: int,
        payload_type: PayloadType,
        *,
        url: str | None = None,
        encrypted: bool = False,
    ) -> None:
        """Ask Tokopedia to send an order's webhook again (to `url`, or to the registered URL)."""
        body: dict[str, object] = {
            "order_id": order_id,
            "type": payload_type,
            "is_encrypted": encrypted,
        }
        if url:
            body["url"] = url
        self._transport.send(Call("POST", f"/v1/fs/{self._fs_id}/trigger", None, body=body))

    def payload(self, order_id: int, payload_type: PayloadType) -> dict:
        """The payload Tokopedia would send for an order right now."""
        path = f"/v1/order/{order_id}/fs/{self._fs_id}/webhook"
        return self._transport.send(Call("GET", path, None, {"type": payload_type}, read=record))
