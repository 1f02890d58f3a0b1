"""Webhook management: list, register, trigger and replay payloads (the "webhooks" family)."""

from __future__ import annotations

from tokopedia_sync.sandbox import render
from tokopedia_sync.sandbox.errors import ApiError, bad_request
from tokopedia_sync.sandbox.gateway import Call, api
from tokopedia_sync.sandbox.webhooks import url_problem

PAYLOAD_TYPES = ("order_notification", "order_status")


@api("GET", "/v1/fs/{fs_id}", "webhooks", legacy=True)
def list_webhooks(call: Call) -> dict:
    return call.sandbox.webhooks.listing()


@api("POST", "/v1/fs/{fs_id}/register", "webhooks", legacy=True)
def register_webhooks(call: Call) -> str:
    call.sandbox.webhooks.register(call.json("bad input data"))
    return "success"


@api("POST", "/v1/fs/{fs_id}/trigger", "webhooks")
def trigger_webhook(call: Call) -> str:
    body = call.json("ORD_DLV_001")
    if not isinstance(body, dict):
        raise bad_request("ORD_DLV_001", "the body must be a JSON object")
    # The Java SDK sends "Type"; the docs say "type". Both are taken.
    kind = body.get("type", body.get("Type"))
    if kind not in PAYLOAD_TYPES:
        raise bad_request("ORD_DLV_001", f"type must be one of {', '.join(PAYLOAD_TYPES)}")
    order_id = body.get("order_id")
    if isinstance(order_id, bool) or not isinstance(order_id, int):
        raise bad_request("ORD_DLV_003", "order_id must be an integer")
    url = body.get("url") or None
    if url is not None and (problem := url_problem(url)) is not None:
        raise bad_request("ORD_DLV_001", f"url {problem}")
    payload = _payload(call, order_id, kind)
    if not call.sandbox.sender.enqueue(kind, payload, url):
        raise bad_request("ORD_DLV_001", f"no URL given and no {kind} URL is registered")
    return "success"


@api("GET", "/v1/order/{order_id}/fs/{fs_id}/webhook", "webhooks")
def webhook_payload(call: Call) -> dict:
    kind = call.request.query_params.get("type", "")
    if kind not in PAYLOAD_TYPES:
        raise bad_request("ORD_DLV_001", f"type must be one of {', '.join(PAYLOAD_TYPES)}")
    return _payload(call, call.path_int("order_id", "ORD_DLV_003"), kind)


def _payload(call: Call, order_id: int, kind: str) -> dict:
    order = call.state.order(order_id)
    call.shop_id = order.shop_id
    if not order.paid:
        raise ApiError(400, "ORD_USC_023", "the order has not reached status 220 yet")
    fs_id = call.sandbox.settings.fs_id
    if kind == "order_notification":
        return render.order_notification(order, call.state.shops[order.shop_id], fs_id)
    return render.order_status(order, fs_id)


ROUTES = [list_webhooks, register_webhooks, trigger_webhook, webhook_payload]
