"""Order endpoints: list, single order, accept, reject, confirm shipping, pick-up, label."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.responses import HTMLResponse

from tokopedia_sync.order_status import ORDER_STATUS_NAMES
from tokopedia_sync.sandbox import render
from tokopedia_sync.sandbox.errors import MSG_SERVER, ApiError, bad_request, not_found
from tokopedia_sync.sandbox.gateway import Call, api

MAX_WINDOW_SECONDS = 3 * 86_400
MAX_ORDERS_PER_PAGE = 100


@api("GET", "/v2/order/list", "orders")
def order_list(call: Call) -> list[dict]:
    from_date = call.query_int("from_date", "ORD_DLV_009", "ORD_DLV_010")
    to_date = call.query_int("to_date", "ORD_DLV_011", "ORD_DLV_012")
    assert from_date is not None
    assert to_date is not None
    if to_date < from_date:
        raise bad_request("ORD_DLV_012", "to_date must not be before from_date")
    if to_date - from_date >= MAX_WINDOW_SECONDS:
        raise bad_request("ORD_DLV_013", "Date Range must be less than 3 days")
    page = call.query_int("page", "ORD_DLV_014", "ORD_DLV_015", low=1)
    per_page = call.query_int(
        "per_page", "ORD_DLV_016", "ORD_DLV_017", low=1, high=MAX_ORDERS_PER_PAGE
    )
    assert page is not None
    assert per_page is not None
    shop_id = call.query_int("shop_id", "ORD_DLV_008", required=False)
    warehouse_id = call.query_int("warehouse_id", "ORD_DLV_008", required=False)
    if shop_id is not None and warehouse_id is not None:
        raise bad_request("ORD_DLV_008", "choose either shop_id or warehouse_id")
    status = call.query_int("status", "ORD_DLV_023", required=False)
    if status is not None and status not in ORDER_STATUS_NAMES:
        raise bad_request("ORD_DLV_023", f"order status {status} is not supported")

    state = call.state
    if shop_id is not None:
        call.shop_id = shop_id
        shops = [state.shop(shop_id)]
    elif warehouse_id is not None:
        shops = [state.shop_of_warehouse(warehouse_id)]
    else:
        shops = list(state.shops.values())
    orders = state.listed_orders(shops, from_date, to_date, status, warehouse_id)
    limit = call.sandbox.settings.max_window_orders
    if limit and len(orders) > limit:
        # The reference gives the code and text but not the status; the sandbox says 500, the
        # status a client is least ready to read as "change the request".
        raise ApiError(
            500, "ORD_API_009", "Error Data Order Too Big, Must Reduce Time Interval", MSG_SERVER
        )
    start = (page - 1) * per_page
    fs_id = call.sandbox.settings.fs_id
    return [render.order_list_item(order, fs_id) for order in orders[start : start + per_page]]


@api("GET", "/v2/fs/{fs_id}/order", "orders")
def single_order(call: Call) -> dict:
    order_id = call.query_int("order_id", "ORD_DLV_003", required=False)
    invoice = call.request.query_params.get("invoice_num", "").strip()
    if order_id is None and not invoice:
        raise bad_request("ORD_DLV_003", "order_id and invoice_num cannot both be empty")
    if order_id is not None and invoice:
        raise bad_request("ORD_DLV_004", "choose either order_id or invoice_num")
    order = (
        call.state.order(order_id) if order_id is not None else call.state.order_by_invoice(invoice)
    )
    call.shop_id = order.shop_id
    return render.single_order(order, call.state.shops[order.shop_id])


@api("POST", "/v1/order/{order_id}/fs/{fs_id}/ack", "orders")
def accept_order(call: Call) -> str:
    call.state.ack(call.path_int("order_id", "ORD_DLV_003"))
    return "success"


@api("POST", "/v1/order/{order_id}/fs/{fs_id}/nack", "orders")
def reject_order(call: Call) -> str:
    body = call.json("ORD_USC_009")
    if not isinstance(body, dict):
        raise bad_request(
            "ORD_USC_009", "the body must be a JSON object with reason_code and reason"
        )
    call.state.nack(call.path_int("order_id", "ORD_DLV_003"), body)
    return "success"


@api("POST", "/v1/order/{order_id}/fs/{fs_id}/status", "orders")
def confirm_shipping(call: Call) -> str:
    body = call.json("ORD_DLV_021")
    if not isinstance(body, dict):
        raise bad_request("ORD_DLV_021", "the body must be a JSON object")
    call.state.confirm_shipping(call.path_int("order_id", "ORD_DLV_003"), body)
    return "Success"


@api("POST", "/inventory/v1/fs/{fs_id}/pick-up", "orders")
def request_pick_up(call: Call) -> dict:
    body = call.json("ORD_DLV_003")
    if not isinstance(body, dict):
        raise bad_request("ORD_DLV_003", "the body must be a JSON object with order_id and shop_id")
    order_id, shop_id = body.get("order_id"), body.get("shop_id")
    for name, value in (("order_id", order_id), ("shop_id", shop_id)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_request("ORD_DLV_003", f"{name} must be an integer")
    call.shop_id = shop_id
    call.state.shop(shop_id)
    order = call.state.pick_up(order_id, shop_id)
    # Pick-up times are local Jakarta time in Tokopedia's answers (UTC+7, no daylight saving).
    moment = datetime.fromtimestamp(order.update_time + 7 * 3600, UTC)
    return {
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "request_time": moment.strftime("%Y-%m-%d %H:%M:%S"),
        "result": "Terima kasih telah melakukan pengiriman.",
    }


@api("GET", "/v1/order/{order_id}/fs/{fs_id}/shipping-label", "orders")
def shipping_label(call: Call) -> HTMLResponse:
    order = call.state.order(call.path_int("order_id", "ORD_DLV_003"))
    call.shop_id = order.shop_id
    if order.status < 400 or order.status in (0, 10, 15):
        raise not_found("ORD_API_008")
    printed = call.query_int("printed", "ORD_DLV_003", required=False, low=0, high=1)
    if printed != 0:
        order.printed = True
    return HTMLResponse(render.shipping_label(order, call.state.shops[order.shop_id]))


ROUTES = [
    order_list,
    single_order,
    accept_order,
    reject_order,
    confirm_shipping,
    request_pick_up,
    shipping_label,
]
