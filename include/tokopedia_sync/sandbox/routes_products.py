"""Product endpoints (info, variants, create, edit, delete, activate) and the inventory family
(stock set / increment / decrement, price)."""

from __future__ import annotations

import re

from tokopedia_sync.sandbox import render
from tokopedia_sync.sandbox.errors import ROW_THROTTLED, bad_request, not_found, require_int
from tokopedia_sync.sandbox.gateway import Call, api
from tokopedia_sync.sandbox.model import (
    PRODUCT_ACTIVE,
    PRODUCT_DELETED,
    PRODUCT_INACTIVE,
    Product,
    Shop,
)
from tokopedia_sync.sandbox.state import VALUE_KEYS

MAX_PRODUCTS_PER_PAGE = 50
MAX_ROWS_PER_UPDATE = 100
MAX_IDS_PER_STATUS_CHANGE = 25
MAX_PRODUCTS_PER_UPLOAD = 20
REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


@api("GET", "/inventory/v1/fs/{fs_id}/product/info", "products")
def product_info(call: Call) -> list[dict]:
    state = call.state
    query = call.request.query_params
    if query.get("shop_id"):
        shop = call.shop("PRD_DLV_005")
        page = call.query_int("page", "PRD_DLV_005", low=1)
        per_page = call.query_int("per_page", "PRD_DLV_005", low=1, high=MAX_PRODUCTS_PER_PAGE)
        sort = call.query_int("sort", "PRD_DLV_042", required=False, low=1, high=10) or 1
        assert page is not None
        assert per_page is not None
        products = state.shop_products(shop, sort, (page - 1) * per_page, per_page)
        return [render.product_info(p, state) for p in products]

    found: list[Product] = []
    if ids := _listed_values(query.getlist("product_id")):
        for raw in ids:
            try:
                product = state.live_product(int(raw))
            except ValueError:
                raise bad_request(
                    "PRD_DLV_042", f"Invalid field [product_id] format, value [{raw}] should be int"
                ) from None
            if product is not None:
                found.append(product)
    elif skus := _listed_values(query.getlist("sku")):
        for shop in state.shops.values():
            found.extend(p for sku in skus if (p := state.product_by_sku(shop.shop_id, sku)))
    elif url := query.get("product_url", "").strip():
        found = [
            p
            for p in state.products.values()
            if p.status != PRODUCT_DELETED and render.product_url(p, state.shops[p.shop_id]) == url
        ]
    else:
        raise bad_request("PRD_DLV_001", "give product_id, sku, product_url or shop_id with page")
    if not found:
        raise not_found("OPENAPI_DB_003")
    return [render.product_info(p, state) for p in found]


def _listed_values(values: list[str]) -> list[str]:
    """Query values given repeated (`?a=1&a=2`) or comma-separated (`?a=1,2`)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@api("GET", "/inventory/v1/fs/{fs_id}/product/variant/{product_id}", "products")
def product_variants(call: Call) -> dict:
    product = call.state.live_product(call.path_int("product_id", "PRD_DLV_042"))
    if product is None:
        raise not_found("OPENAPI_DB_003")
    call.shop_id = product.shop_id
    parent = call.state.products[product.parent_id] if product.parent_id else product
    return render.variants(parent, call.state)


def _upload_items(call: Call) -> list[dict]:
    body = call.json("PRD_DLV_001")
    items = body.get("products") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise bad_request("PRD_DLV_001", 'the body must be {"products": [product objects]}')
    if len(items) > MAX_PRODUCTS_PER_UPLOAD:
        raise bad_request(
            "PRD_DLV_018", f"Max allowed products per-update are {MAX_PRODUCTS_PER_UPLOAD} products"
        )
    return items


@api("POST", "/v3/products/fs/{fs_id}/create", "products", bulk=True)
def create_products(call: Call) -> dict:
    shop = call.shop()
    items = _upload_items(call)
    return {"upload_id": call.state.create_products(shop, items, call.spend(len(items)))}


@api("PATCH", "/v3/products/fs/{fs_id}/edit", "products", bulk=True)
def edit_products(call: Call) -> dict:
    shop = call.shop()
    items = _upload_items(call)
    return {"upload_id": call.state.edit_products(shop, items, call.spend(len(items)))}


@api("GET", "/v2/products/fs/{fs_id}/status/{upload_id}", "products")
def upload_status(call: Call) -> dict:
    call.shop()
    return {"upload_data": [call.state.upload(call.path_int("upload_id", "PRD_DLV_042"))]}


def _status_change(call: Call, status: int) -> dict:
    shop = call.shop()
    body = call.json("PRD_DLV_001")
    ids = body.get("product_id") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids:
        raise bad_request("PRD_DLV_001", 'the body must be {"product_id": [ids]}')
    if len(ids) > MAX_IDS_PER_STATUS_CHANGE:
        raise bad_request(
            "PRD_DLV_018",
            f"Max allowed products per-update are {MAX_IDS_PER_STATUS_CHANGE} products",
        )
    granted = call.spend(len(ids))
    failures = call.state.set_status(shop, ids[:granted], status)
    failures += [f"Error Product ID [{pid}] : {ROW_THROTTLED}" for pid in ids[granted:]]
    return {
        "total_data": len(ids),
        "succeed_rows": len(ids) - len(failures),
        "failed_rows": len(failures),
        "failed_rows_data": failures or None,
    }


@api("POST|DELETE", "/v3/products/fs/{fs_id}/delete", "products", bulk=True)
def delete_products(call: Call) -> dict:
    # Clients disagree on POST or DELETE for this path; the sandbox takes both.
    return _status_change(call, PRODUCT_DELETED)


@api("POST", "/v1/products/fs/{fs_id}/active", "products", bulk=True)
def activate_products(call: Call) -> dict:
    return _status_change(call, PRODUCT_ACTIVE)


@api("POST", "/v1/products/fs/{fs_id}/inactive", "products", bulk=True)
def deactivate_products(call: Call) -> dict:
    return _status_change(call, PRODUCT_INACTIVE)


def _row_update(call: Call, action: str) -> dict:
    shop = call.shop()
    warehouse_id = call.query_int("warehouse_id", "PRD_DLV_042", required=False)
    rows = call.json("PRD_DLV_001")
    if not isinstance(rows, list) or not rows:
        raise bad_request("PRD_DLV_001", "the body must be a non-empty JSON array of rows")
    if len(rows) > MAX_ROWS_PER_UPDATE:
        raise bad_request(
            "PRD_DLV_018", f"Max allowed products per-update are {MAX_ROWS_PER_UPDATE} products"
        )
    for row in rows:
        if not isinstance(row, dict):
            raise bad_request("PRD_DLV_001", f"every row must be a JSON object, got {row!r}")
        if "product_id" in row and not row.get("sku"):
            require_int(row["product_id"], "product_id", "PRD_DLV_042")
    request_id = call.request.query_params.get("request_id")
    if request_id is not None:
        if not REQUEST_ID.match(request_id):
            raise bad_request("PRD_DLV_042", "request_id must be 1-20 letters, digits, '-' or '_'")
        replay = call.sandbox.replayed(shop.shop_id, action, request_id)
        if replay is not None:
            call.spend(len(rows))
            return replay

    granted = call.spend(len(rows))
    result = call.state.update_rows(shop, warehouse_id, rows[:granted], action)
    value_key = VALUE_KEYS[action]
    throttled = [_throttled_row(call, shop, row, value_key) for row in rows[granted:]]
    data = {
        "total_data": len(rows),
        "succeed_rows": len(result.succeeded),
        "succeed_rows_data": result.succeeded,
        "failed_rows": len(result.failed) + len(throttled),
        "failed_rows_data": result.failed + throttled,
    }
    if request_id is not None and not throttled:
        call.sandbox.remember(shop.shop_id, action, request_id, data)
    return data


def _throttled_row(call: Call, shop: Shop, row: dict, value_key: str) -> dict:
    """As in the reference's example: the product's id (that of its sku, for a row sent by sku),
    the value and the message. A client must match it to the row it sent."""
    product_id = row.get("product_id")
    if row.get("sku"):
        product = call.state.product_by_sku(shop.shop_id, row["sku"])
        product_id = product.product_id if product is not None else None
    keys = {"product_id": product_id} if product_id is not None else {"sku": row["sku"]}
    return {**keys, value_key: row.get(value_key), "message": ROW_THROTTLED}


@api("POST", "/inventory/v1/fs/{fs_id}/stock/update", "inventory", bulk=True)
def update_stock(call: Call) -> dict:
    return _row_update(call, "stock_overwrite")


@api("POST", "/inventory/v2/fs/{fs_id}/stock/increment", "inventory", bulk=True)
def increment_stock(call: Call) -> dict:
    return _row_update(call, "stock_increment")


@api("POST", "/inventory/v2/fs/{fs_id}/stock/decrement", "inventory", bulk=True)
def decrement_stock(call: Call) -> dict:
    return _row_update(call, "stock_decrement")


@api("POST", "/inventory/v1/fs/{fs_id}/price/update", "inventory", bulk=True)
def update_price(call: Call) -> dict:
    return _row_update(call, "price_changes")


ROUTES = [
    product_info,
    product_variants,
    create_products,
    edit_products,
    upload_status,
    delete_products,
    activate_products,
    deactivate_products,
    update_stock,
    increment_stock,
    decrement_stock,
    update_price,
]
