"""Ground truth and controls under `/_sandbox/`, outside the Tokopedia API.

Tests read the true state of every order and product and the log of every request from here, and
steer the sandbox: reset it, make time pass, change budgets and faults, revoke tokens.
"""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tokopedia_sync.sandbox import jsonio
from tokopedia_sync.sandbox.model import Order, Product
from tokopedia_sync.sandbox.settings import FaultRates, budgets_from_mapping

if TYPE_CHECKING:
    from tokopedia_sync.sandbox.app import Sandbox

RUNTIME_NUMBERS = {
    "token_ttl": int,
    "new_orders_per_minute": float,
    "advances_per_minute": float,
    "slow_seconds": float,
    "fault_seed": int,
    "max_window_orders": int,
}
MAX_TICK = 10_000
"""Orders or advances per shop one tick may ask for: enough for any test, not enough to hang."""


def runtime_number(key: str, value: object) -> int | float:
    """A run-time knob as JSON sends it: a finite number, not negative, whole where it must be."""
    kind = RUNTIME_NUMBERS[key]
    accepted = (int,) if kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, accepted):
        noun = "a whole number" if kind is int else "a number"
        raise ValueError(f"{key} must be {noun}, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{key} must be finite and not negative, got {value!r}")
    return kind(value)


def tick_count(body: dict, key: str) -> int:
    value = body.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TICK:
        raise ValueError(f"{key} must be a whole number from 0 to {MAX_TICK}, got {value!r}")
    return value


def order_truth(order: Order, detail: bool) -> dict:
    truth = {
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "warehouse_id": order.warehouse_id,
        "invoice": order.invoice,
        "status": order.status,
        "paid": order.paid,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "ttl_product_price": order.product_price,
        "shipping_cost": order.shipping_cost,
        "insurance_cost": order.insurance_cost,
        "voucher_amount": order.voucher_amount,
        "ttl_amount": order.total_amount,
        "item_count": len(order.items),
        "awb": order.awb,
    }
    if detail:
        truth["items"] = [item._asdict() for item in order.items]
        truth["history"] = [[status, moment] for status, moment in order.history]
    return truth


def product_truth(product: Product) -> dict:
    return {
        "product_id": product.product_id,
        "shop_id": product.shop_id,
        "sku": product.sku,
        "name": product.name,
        "status": product.status,
        "price": product.price,
        "stock": product.total_stock,
        "stock_by_warehouse": {str(w): n for w, n in product.stock.items()},
        "parent_id": product.parent_id,
        "children": list(product.children),
        "updated": product.updated,
    }


def _json(value: object, status: int = 200) -> Response:
    return Response(jsonio.dumps(value), status, media_type="application/json")


def _retry_after(value: object) -> str:
    text = str(value).strip()
    if not text or len(text) > 64:
        raise ValueError(
            "fault_retry_after must be seconds or an HTTP date, as sent in Retry-After"
        )
    return text


def routes(sandbox: Sandbox) -> list[Route]:
    """The control routes, bound to one sandbox."""

    async def body_of(request: Request) -> dict:
        raw = await request.body()
        if not raw.strip():
            return {}
        value = jsonio.loads(raw)
        if not isinstance(value, dict):
            raise ValueError("the body must be a JSON object")
        return value

    def refusing_bad_input(handler):
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except (ValueError, TypeError, KeyError, RecursionError) as exc:
                return JSONResponse({"error": str(exc)}, 400)

        return endpoint

    async def health(request: Request) -> Response:
        return _json({"ok": True, "orders": len(sandbox.state.orders)})

    async def get_settings(request: Request) -> Response:
        described = sandbox.settings.describe()
        described["scripted_faults"] = sandbox.faults.scripted
        return _json(described)

    async def patch_settings(request: Request) -> Response:
        body = await body_of(request)
        changes: dict[str, object] = {}
        if "budgets" in body:
            changes["budgets"] = budgets_from_mapping(body.pop("budgets"))
        if "faults" in body:
            changes["faults"] = FaultRates.from_mapping(body.pop("faults"))
        if "fault_retry_after" in body:
            changes["fault_retry_after"] = _retry_after(body.pop("fault_retry_after"))
        for key in RUNTIME_NUMBERS:
            if key in body:
                changes[key] = runtime_number(key, body.pop(key))
        if body:
            raise ValueError(f"cannot change {sorted(body)} at run time; restart the sandbox")
        sandbox.reconfigure(**changes)
        return await get_settings(request)

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return _json({"ok": True, "orders": len(sandbox.state.orders)})

    async def tick(request: Request) -> Response:
        body = await body_of(request)
        shop_id = int(body["shop_id"]) if body.get("shop_id") is not None else None
        if shop_id is not None and shop_id not in sandbox.state.shops:
            raise ValueError(f"shop {shop_id} is not one of the sandbox's shops")
        new_orders, advances = tick_count(body, "new_orders"), tick_count(body, "advances")
        return _json(sandbox.state.tick(new_orders, advances, shop_id))

    async def orders(request: Request) -> Response:
        shop_id = request.query_params.get("shop_id")
        detail = request.query_params.get("detail") in ("1", "true")
        selected = (
            o for o in sandbox.state.orders.values() if shop_id is None or o.shop_id == int(shop_id)
        )
        return _json([order_truth(order, detail) for order in selected])

    async def one_order(request: Request) -> Response:
        order = sandbox.state.orders.get(int(request.path_params["order_id"]))
        if order is None:
            return JSONResponse({"error": "no such order"}, 404)
        return _json(order_truth(order, detail=True))

    async def products(request: Request) -> Response:
        shop_id = request.query_params.get("shop_id")
        selected = (
            p
            for p in sandbox.state.products.values()
            if shop_id is None or p.shop_id == int(shop_id)
        )
        return _json([product_truth(product) for product in selected])

    async def requests_log(request: Request) -> Response:
        since = int(request.query_params.get("since", 0))
        family = request.query_params.get("family")
        prefix = request.query_params.get("path_prefix", "")
        entries = [
            entry
            for entry in sandbox.request_log.since(since)
            if (family is None or entry["family"] == family) and entry["path"].startswith(prefix)
        ]
        return _json({"last_seq": sandbox.request_log.last_seq, "requests": entries})

    async def clear_requests(request: Request) -> Response:
        sandbox.request_log.clear()
        return _json({"ok": True, "last_seq": sandbox.request_log.last_seq})

    async def script_faults(request: Request) -> Response:
        body = await body_of(request)
        sandbox.faults.script(list(body.get("faults", [])), str(body.get("path_prefix", "/")))
        return _json({"scripted_faults": sandbox.faults.scripted})

    async def clear_faults(request: Request) -> Response:
        sandbox.faults.clear_script()
        return _json({"scripted_faults": []})

    async def revoke_tokens(request: Request) -> Response:
        return _json({"revoked": sandbox.tokens.revoke()})

    async def deliveries(request: Request) -> Response:
        since = int(request.query_params.get("since", 0))
        rows = [d for d in sandbox.sender.deliveries if d["seq"] > since]
        return _json({"deliveries": rows})

    async def wait_deliveries(request: Request) -> Response:
        timeout = float(request.query_params.get("timeout", 10))
        try:
            await asyncio.wait_for(sandbox.sender.idle(), timeout)
        except TimeoutError:
            return JSONResponse({"error": f"deliveries still pending after {timeout}s"}, 504)
        return await deliveries(request)

    table = [
        ("/_sandbox/health", health, ["GET"]),
        ("/_sandbox/settings", get_settings, ["GET"]),
        ("/_sandbox/settings", patch_settings, ["PATCH"]),
        ("/_sandbox/reset", reset, ["POST"]),
        ("/_sandbox/tick", tick, ["POST"]),
        ("/_sandbox/orders", orders, ["GET"]),
        ("/_sandbox/orders/{order_id:int}", one_order, ["GET"]),
        ("/_sandbox/products", products, ["GET"]),
        ("/_sandbox/requests", requests_log, ["GET"]),
        ("/_sandbox/requests", clear_requests, ["DELETE"]),
        ("/_sandbox/faults", script_faults, ["POST"]),
        ("/_sandbox/faults", clear_faults, ["DELETE"]),
        ("/_sandbox/tokens/revoke", revoke_tokens, ["POST"]),
        ("/_sandbox/webhooks/deliveries", deliveries, ["GET"]),
        ("/_sandbox/webhooks/wait", wait_deliveries, ["POST"]),
    ]
    return [
        Route(path, refusing_bad_input(handler), methods=methods)
        for path, handler, methods in table
    ]
