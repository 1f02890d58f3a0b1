"""Tokopedia objects as rows of the staging tables.

Tolerant of the API's loose typing (numbers as strings, `name` or `Name`), and strict where it
matters: an order without an id or create time cannot be loaded and raises `BadRecord`, which
the loader records and skips.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from tokopedia_sync.client.envelope import lookup
from tokopedia_sync.order_status import FINAL_STATUSES, status_name
from tokopedia_sync.shops import JAKARTA_OFFSET

PRODUCT_STATUS_NAMES = {1: "active", 3: "inactive", 0: "deleted", -1: "pending", -2: "banned"}

ORDER_COLUMNS = (
    "order_id",
    "shop_id",
    "warehouse_id",
    "invoice_ref_num",
    "status_code",
    "status_name",
    "is_final",
    "created_at",
    "created_date_jakarta",
    "buyer_id",
    "recipient_city",
    "recipient_province",
    "shipping_agency",
    "service_type",
    "awb",
    "item_count",
    "product_total",
    "shipping_cost",
    "insurance_cost",
    "voucher_amount",
    "total_amount",
    "accept_partial",
    "raw",
)
ITEM_COLUMNS = (
    "order_id",
    "line_no",
    "product_id",
    "sku",
    "product_name",
    "quantity",
    "unit_price",
    "total_price",
    "weight_kg",
)
PRODUCT_COLUMNS = (
    "product_id",
    "shop_id",
    "children_ids",
    "is_variant",
    "sku",
    "name",
    "status_code",
    "status_name",
    "category_id",
    "showcase_id",
    "showcase_name",
    "price",
    "stock",
    "weight_grams",
    "min_order",
    "raw",
)
STOCK_COLUMNS = ("product_id", "warehouse_id", "stock", "price")


class BadRecord(ValueError):
    """A record Tokopedia sent that cannot become a row; says which and why.

    `record_id` is the record's id when it has a usable one.
    """

    def __init__(self, message: str, record_id: int | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id


def raw_json(record: Mapping[str, Any]) -> str:
    # msgspec writes JSON about eight times faster than the json module: this runs per row.
    return msgspec.json.encode(record).decode()


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return None


def _money(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def created_second(order: Mapping[str, Any]) -> int | None:
    """An order's create_time in unix seconds, when it has a usable one."""
    return _int(order.get("create_time"))


def order_rows(order: Mapping[str, Any]) -> tuple[tuple, list[tuple]]:
    """The orders row and the order_items rows of an order from the order list."""
    order_id = _int(order.get("order_id"))
    shop_id = _int(order.get("shop_id"))
    created = created_second(order)
    status = _int(order.get("order_status"))
    if order_id is None or shop_id is None or created is None or status is None:
        raise BadRecord(
            f"order {order.get('order_id')!r} lacks a numeric order_id, shop_id, create_time "
            "or order_status",
            order_id,
        )
    created_at = datetime.fromtimestamp(created, UTC)
    amounts = order.get("amt") or {}
    recipient = order.get("recipient") or {}
    address = recipient.get("address") or {}
    logistics = order.get("logistics") or {}
    buyer = order.get("buyer") or {}
    products = order.get("products") or []
    custom = order.get("custom_fields") or {}
    row = (
        order_id,
        shop_id,
        _int(order.get("warehouse_id")),
        _text(order.get("invoice_ref_num")),
        status,
        status_name(status),
        status in FINAL_STATUSES,
        created_at,
        (created_at + JAKARTA_OFFSET).date(),
        _int(buyer.get("id")),
        _text(address.get("city")),
        _text(address.get("province")),
        _text(logistics.get("shipping_agency")),
        _text(logistics.get("service_type")),
        _text(custom.get("awb")) or None,
        len(products),
        _money(amounts.get("ttl_product_price")),
        _money(amounts.get("shipping_cost")),
        _money(amounts.get("insurance_cost")),
        _money(amounts.get("voucher_amount")),
        _money(amounts.get("ttl_amount")),
        order.get("accept_partial") if isinstance(order.get("accept_partial"), bool) else None,
        raw_json(order),
    )
    items = [
        (
            order_id,
            line_no,
            _int(product.get("id")),
            _text(product.get("sku")),
            _text(lookup(product, "name")),
            _int(product.get("quantity")) or 0,
            _money(product.get("price")),
            _money(product.get("total_price")),
            _money(product.get("weight")),
        )
        for line_no, product in enumerate(products, start=1)
    ]
    return row, items


def product_rows(product: Mapping[str, Any]) -> tuple[tuple, list[tuple]]:
    """The products row and the product_stock rows of a product-info object."""
    basic = product.get("basic") or {}
    product_id = _int(basic.get("productID"))
    shop_id = _int(basic.get("shopID"))
    status = _int(basic.get("status"))
    name = lookup(basic, "name")
    if product_id is None or shop_id is None or status is None or name is None:
        raise BadRecord(
            f"product {basic.get('productID')!r} lacks a productID, shopID, status or name",
            product_id,
        )
    price = product.get("price") or {}
    stock = product.get("stock") or {}
    variant = product.get("variant") or {}
    menu = product.get("menu") or {}
    weight = product.get("weight") or {}
    extra = product.get("extraAttribute") or {}
    grams = _money(weight.get("value"))
    if grams is not None and _int(weight.get("unit")) == 2:
        grams *= 1000
    children = [c for c in (_int(c) for c in variant.get("childrenID") or []) if c is not None]
    row = (
        product_id,
        shop_id,
        children,
        bool(variant.get("isVariant") or variant.get("isParent")),
        _text((product.get("other") or {}).get("sku")),
        str(name),
        status,
        PRODUCT_STATUS_NAMES.get(status, f"status {status}"),
        _int(basic.get("childCategoryID")),
        _int(menu.get("id")),
        _text(lookup(menu, "name")),
        _money(price.get("value")),
        _int(stock.get("value")),
        grams,
        _int(extra.get("minOrder")),
        raw_json(product),
    )
    stocks = []
    for warehouse in product.get("warehouses") or []:
        warehouse_id = _int(warehouse.get("warehouseID"))
        units = _int((warehouse.get("stock") or {}).get("value"))
        if warehouse_id is not None and units is not None:
            price_value = _money((warehouse.get("price") or {}).get("value"))
            stocks.append((product_id, warehouse_id, units, price_value))
    return row, stocks
