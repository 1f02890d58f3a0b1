"""The JSON shapes Tokopedia answers with, built from the sandbox's compact records.

Buyer and recipient details are not stored: they are drawn from a hash of the order's buyer id,
so every rendering of an order shows the same made-up person.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import NamedTuple

from tokopedia_sync.sandbox.catalog import (
    CATEGORIES,
    COURIERS,
    FIRST_NAMES,
    LAST_NAMES,
    PLACES,
    STREETS,
    VARIANT_AXES,
    Place,
)
from tokopedia_sync.sandbox.model import Order, Product, Shop
from tokopedia_sync.sandbox.seed import option_id, split_option_id
from tokopedia_sync.sandbox.state import Event, SandboxState

ZERO_TIME = "0001-01-01T00:00:00Z"
IMAGE_HOST = "https://images.sandbox.tokopedia.invalid"
WEB_HOST = "https://sandbox.tokopedia.invalid"


class Person(NamedTuple):
    name: str
    phone: str
    email: str
    street: str
    place: Place


def buyer(order: Order) -> Person:
    # A hash rather than a seeded random.Random: seeding one costs more than the rest of an
    # order's rendering, and a list page renders a hundred.
    draw = _mix64(order.buyer_id)
    draw, first = divmod(draw, len(FIRST_NAMES))
    draw, last = divmod(draw, len(LAST_NAMES))
    draw, phone = divmod(draw, 9 * 10**9)
    draw, mailbox = divmod(draw, 100)
    draw, street = divmod(draw, len(STREETS))
    draw, number = divmod(draw, 199)
    place = draw % len(PLACES)
    first_name, last_name = FIRST_NAMES[first], LAST_NAMES[last]
    return Person(
        name=f"{first_name} {last_name}",
        phone=f"628{10**9 + phone}",
        email=f"{first_name.lower()}.{last_name.lower()}{mailbox}@example.com",
        street=f"{STREETS[street]} No. {number + 1}",
        place=PLACES[place],
    )


def _mix64(value: int) -> int:
    """SplitMix64's finaliser: 64 well-mixed bits from an integer."""
    mask = 2**64 - 1
    value = (value + 0x9E3779B97F4A7C15) & mask
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & mask
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & mask
    return value ^ (value >> 31)


def address(person: Person) -> dict:
    place = person.place
    return {
        "address_full": f"{person.street}, {place.district}, {place.city}, "
        f"{place.province}, {place.postal_code}",
        "district": place.district,
        "city": place.city,
        "province": place.province,
        "country": "Indonesia",
        "postal_code": place.postal_code,
        "district_id": place.district_id,
        "city_id": place.city_id,
        "province_id": place.province_id,
        "geo": place.geo,
    }


def rfc3339(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_list_item(order: Order, fs_id: int) -> dict:
    """An order as `/v2/order/list` shows it (lowercase `name`, `fs_id` as a string)."""
    person = buyer(order)
    courier = COURIERS[order.courier_index]
    service = courier.services[order.order_id % len(courier.services)]
    place = person.place
    return {
        "fs_id": str(fs_id),
        "order_id": order.order_id,
        "is_cod_mitra": False,
        "accept_partial": order.accept_partial,
        "invoice_ref_num": order.invoice,
        "have_product_bundle": False,
        "products": [
            {
                "id": item.product_id,
                "name": item.name,
                "quantity": item.quantity,
                "notes": "",
                "weight": item.weight_grams / 1000,
                "total_weight": item.weight_grams * item.quantity / 1000,
                "price": item.price,
                "total_price": item.total_price,
                "currency": "Rp",
                "sku": item.sku,
                "is_wholesale": False,
            }
            for item in order.items
        ],
        "products_fulfilled": [
            {
                "product_id": item.product_id,
                "quantity_deliver": item.quantity if order.status != 10 else 0,
                "quantity_reject": item.quantity if order.status == 10 else 0,
            }
            for item in order.items
        ],
        "bundle_detail": {"bundle": [], "non_bundle": [], "total_product": len(order.items)},
        "device_type": "android" if order.buyer_id % 3 else "desktop",
        "buyer": {
            "id": order.buyer_id,
            "name": person.name,
            "phone": person.phone,
            "email": person.email,
        },
        "shop_id": order.shop_id,
        "payment_id": order.payment_id,
        "recipient": {
            "name": person.name,
            "phone": person.phone,
            "address": address(person),
        },
        "logistics": {
            "shipping_id": courier.shipper_id,
            "district_id": place.district_id,
            "city_id": place.city_id,
            "province_id": place.province_id,
            "geo": place.geo,
            "shipping_agency": courier.shipper_name,
            "service_type": service[1],
        },
        "amt": {
            "ttl_product_price": order.product_price,
            "shipping_cost": order.shipping_cost,
            "insurance_cost": order.insurance_cost,
            "ttl_amount": order.total_amount,
            "voucher_amount": order.voucher_amount,
            "toppoints_amount": 0,
        },
        "dropshipper_info": {},
        "voucher_info": {
            "voucher_code": "HEMAT" if order.voucher_amount else "",
            "voucher_type": 1 if order.voucher_amount else 0,
        },
        "order_status": order.status,
        "warehouse_id": order.warehouse_id,
        "fulfill_by": 0,
        "create_time": order.create_time,
        "custom_fields": {"awb": order.awb},
        "promo_order_detail": {
            "order_id": order.order_id,
            "total_cashback": 0,
            "total_discount": order.voucher_amount,
            "total_discount_product": order.voucher_amount,
            "total_discount_shipping": 0,
            "total_discount_details": [{"amount": order.voucher_amount, "type": "discount_product"}]
            if order.voucher_amount
            else [],
            "summary_promo": [],
        },
    }


_ACTION_BY = {100: "buyer", 220: "buyer", 0: "system-automatic", 15: "buyer", 600: "system"}


def single_order(order: Order, shop: Shop) -> dict:
    """An order as `/v2/fs/{fs_id}/order` shows it, history newest first."""
    person = buyer(order)
    courier = COURIERS[order.courier_index]
    service = courier.services[order.order_id % len(courier.services)]
    place = person.place
    statuses = [status for status, _ in order.history]
    paid_at = next((t for status, t in order.history if status == 220), None)
    shipped_at = next((t for status, t in order.history if status == 500), None)
    delivered_at = next((t for status, t in order.history if status == 600), None)
    day = 86_400
    return {
        "order_id": order.order_id,
        "buyer_id": order.buyer_id,
        "seller_id": shop.shop_id,
        "payment_id": order.payment_id,
        "is_affiliate": False,
        "is_fulfillment": False,
        "order_warehouse": {"warehouse_id": order.warehouse_id, "fulfill_by": 0, "meta_data": {}},
        "order_status": order.status,
        "invoice_number": order.invoice,
        "invoice_pdf": f"Invoice-{order.buyer_id}-{shop.shop_id}-{order.create_time}.pdf",
        "invoice_url": f"{WEB_HOST}/invoice.pl?id={order.order_id}",
        "open_amt": order.total_amount,
        "lp_amt": 0,
        "cashback_amt": 0,
        "info": "",
        "comment": "",
        "item_price": order.product_price,
        "buyer_info": {
            "buyer_id": order.buyer_id,
            "buyer_fullname": person.name,
            "buyer_email": person.email,
            "buyer_phone": person.phone,
        },
        "shop_info": {
            "shop_owner_id": shop.user_id,
            "shop_owner_email": f"owner@{shop.domain}.example.com",
            "shop_owner_phone": "6281100000000",
            "shop_name": shop.name,
            "shop_domain": shop.domain,
            "shop_id": shop.shop_id,
        },
        "shipment_fulfillment": {
            "id": 0,
            "order_id": order.order_id,
            "payment_date_time": rfc3339(paid_at) if paid_at else ZERO_TIME,
            "is_same_day": False,
            "accept_deadline": rfc3339(paid_at + 2 * day) if paid_at else ZERO_TIME,
            "confirm_shipping_deadline": rfc3339(paid_at + 4 * day) if paid_at else ZERO_TIME,
            "item_delivered_deadline": {
                "Time": rfc3339(shipped_at + 7 * day) if shipped_at else ZERO_TIME,
                "Valid": shipped_at is not None,
            },
            "is_accepted": 400 in statuses,
            "is_confirm_shipping": 500 in statuses,
            "is_item_delivered": 600 in statuses,
            "fulfillment_status": 0,
        },
        "preorder": {},
        "order_info": {
            "order_detail": [
                {
                    "order_detail_id": order.order_id * 10 + index,
                    "product_id": item.product_id,
                    "product_name": item.name,
                    "product_price": item.price,
                    "subtotal_price": item.total_price,
                    "weight": item.weight_grams / 1000,
                    "total_weight": item.weight_grams * item.quantity / 1000,
                    "quantity": item.quantity,
                    "quantity_deliver": item.quantity if order.status != 10 else 0,
                    "quantity_reject": item.quantity if order.status == 10 else 0,
                    "is_free_returns": False,
                    "insurance_price": 0,
                    "currency_id": 2,
                    "sku": item.sku,
                }
                for index, item in enumerate(order.items)
            ],
            "order_history": [
                {
                    "action_by": _ACTION_BY.get(status, "seller"),
                    "hist_status_code": status,
                    "message": "",
                    "timestamp": rfc3339(moment),
                    "comment": "",
                    "create_by": 0,
                    "update_by": "system",
                }
                for status, moment in reversed(order.history)
            ],
            "order_age_day": 0,
            "shipping_info": {
                "sp_id": courier.shipper_id,
                "shipping_id": service[0],
                "logistic_name": courier.shipper_name,
                "logistic_service": service[1],
                "shipping_price": order.shipping_cost,
                "insurance_price": order.insurance_cost,
                "awb": order.awb,
                "isCashless": True,
            },
            "destination": {
                "receiver_name": person.name,
                "receiver_phone": person.phone,
                "address_street": person.street,
                "address_district": place.district,
                "address_city": place.city,
                "address_province": place.province,
                "address_postal": place.postal_code,
                "customer_address_id": order.buyer_id * 3,
                "district_id": place.district_id,
                "city_id": place.city_id,
                "province_id": place.province_id,
            },
        },
        "origin_info": {"sender_name": shop.name, "origin_geo": PLACES[0].geo},
        "create_time": rfc3339(order.create_time),
        "update_time": rfc3339(order.update_time),
        "payment_date": rfc3339(paid_at) if paid_at else None,
        "shipping_date": rfc3339(shipped_at) if shipped_at else None,
        "delivered_date": rfc3339(delivered_at) if delivered_at else None,
        "custom_fields": None,
    }


def _price_block(product: Product) -> dict:
    return {
        "value": product.price,
        "currency": 1,
        "LastUpdateUnix": product.price_updated,
        "idr": product.price,
    }


def product_url(product: Product, shop: Shop) -> str:
    return f"{WEB_HOST}/{shop.domain}/{product.name.lower().replace(' ', '-')}-{product.product_id}"


def product_info(product: Product, state: SandboxState) -> dict:
    """A product in the camelCase shape of `/inventory/v1/fs/{fs_id}/product/info`."""
    shop = state.shops[product.shop_id]
    category = CATEGORIES[product.category_index]
    children = state.live_children(product)
    stock = sum(child.total_stock for child in children) if children else product.total_stock
    showcase = next((s for s in shop.showcases if s.showcase_id == product.showcase_id), None)
    url = product_url(product, shop)
    picture_path = f"product-1/{product.created % 97}/{product.product_id}"
    return {
        "basic": {
            "productID": product.product_id,
            "shopID": product.shop_id,
            "status": product.status,
            "name": product.name,
            "condition": product.condition,
            "childCategoryID": category.category_id,
            "shortDesc": product.description,
            "createTimeUnix": product.created,
            "updateTimeUnix": product.updated,
        },
        "price": _price_block(product),
        "weight": {"value": product.weight_grams, "unit": 1},
        "stock": {
            "useStock": True,
            "value": stock,
            "stockWording": "" if stock >= 20 else "<b>Stok hampir habis!</b> Tersisa &lt;20",
        },
        "main_stock": stock,
        "reserve_stock": 0,
        "variant": {
            "isParent": bool(children),
            "isVariant": bool(children) or product.parent_id is not None,
            "childrenID": [child.product_id for child in children],
        },
        "menu": {"id": product.showcase_id, "name": showcase.name if showcase else ""},
        "preorder": {},
        "extraAttribute": {
            "minOrder": product.min_order,
            "lastUpdateCategory": product.created,
            "isEligibleCOD": False,
            "isOnCampaign": False,
        },
        "wholesale": None,
        "categoryTree": [
            {
                "id": node_id,
                "name": name,
                "title": name,
                "breadcrumbURL": f"{WEB_HOST}/p/{slug_part}",
            }
            for node_id, name, slug_part in category.tree
        ],
        "pictures": [
            {
                "picID": product.product_id * 10,
                "fileName": f"{product.product_id}.jpg",
                "filePath": picture_path,
                "status": 2,
                "OriginalURL": f"{IMAGE_HOST}/700/{picture_path}/{product.product_id}.jpg",
                "ThumbnailURL": f"{IMAGE_HOST}/200-square/{picture_path}/{product.product_id}.jpg",
                "width": 700,
                "height": 700,
                "URL300": f"{IMAGE_HOST}/300/{picture_path}/{product.product_id}.jpg",
            }
        ],
        "GMStats": {
            "transactionSuccess": product.sold,
            "transactionReject": 0,
            "countSold": product.sold,
        },
        "stats": {"countView": product.views, "countReview": product.sold // 4, "countTalk": 0},
        "other": {
            "sku": product.sku,
            "url": url,
            "mobileURL": url.replace("://", "://m.", 1),
        },
        "campaign": {"StartDate": ZERO_TIME, "EndDate": ZERO_TIME},
        "warehouses": [
            {
                "productID": product.product_id,
                "warehouseID": warehouse_id,
                "price": _price_block(product),
                "stock": {"useStock": True, "value": warehouse_stock},
            }
            for warehouse_id, warehouse_stock in product.stock.items()
        ],
    }


def variants(parent: Product, state: SandboxState) -> dict:
    """The variant tree of `/product/variant/{product_id}` for a parent product."""
    shop = state.shops[parent.shop_id]
    children = state.live_children(parent)
    axes: dict[int, list[int]] = {}
    for child in children:
        for option in child.option_ids:
            axis, value = split_option_id(option)
            axes.setdefault(axis, []).append(value)
    return {
        "parent_id": parent.product_id,
        "default_child": children[0].product_id if children else 0,
        "sizechart": "",
        "variant": [
            {
                "name": VARIANT_AXES[axis][0],
                "identifier": VARIANT_AXES[axis][1],
                "unit_name": "",
                "position": position + 1,
                "option": [
                    {"id": option_id(axis, value), "value": VARIANT_AXES[axis][2][value], "hex": ""}
                    for value in values
                ],
            }
            for position, (axis, values) in enumerate(sorted(axes.items()))
        ],
        "children": [
            {
                "name": child.name,
                "url": f"{WEB_HOST}/{shop.domain}/{child.product_id}",
                "product_id": child.product_id,
                "price": child.price,
                "price_fmt": f"Rp {child.price:,}".replace(",", "."),
                "stock": child.total_stock,
                "main_stock": child.total_stock,
                "reserve_stock": 0,
                "sku": child.sku,
                "option_ids": list(child.option_ids),
                "enabled": child.status == 1,
                "is_buyable": child.status == 1 and child.total_stock > 0,
                "is_wishlist": False,
                "always_available": False,
                "stock_wording": "",
                "other_variant_stock": "available",
                "is_limited_stock": False,
            }
            for child in children
        ],
    }


def shop_info(shop: Shop) -> dict:
    return {
        "shop_id": shop.shop_id,
        "user_id": shop.user_id,
        "shop_name": shop.name,
        "logo": f"{IMAGE_HOST}/215-square/shops-1/{shop.shop_id}.jpg",
        "shop_url": f"{WEB_HOST}/{shop.domain}",
        "is_open": 1,
        "status": 1,
        "date_shop_created": shop.created_date,
        "domain": shop.domain,
        "admin_id": [shop.user_id],
        "reason": "",
        "district_id": PLACES[0].district_id,
        "province_name": PLACES[0].province,
        "warehouses": [
            {
                "warehouse_id": warehouse_id,
                "partner_id": {"Int64": 0, "Valid": False},
                "shop_id": {"Int64": shop.shop_id, "Valid": True},
                "warehouse_name": f"Gudang {index + 1}",
                "district_id": PLACES[index % len(PLACES)].district_id,
                "district_name": PLACES[index % len(PLACES)].district,
                "city_id": PLACES[index % len(PLACES)].city_id,
                "city_name": PLACES[index % len(PLACES)].city,
                "province_id": PLACES[index % len(PLACES)].province_id,
                "province_name": PLACES[index % len(PLACES)].province,
                "status": 1,
                "postal_code": PLACES[index % len(PLACES)].postal_code,
                "is_default": 1 if index == 0 else 0,
                "latlon": PLACES[index % len(PLACES)].geo,
            }
            for index, warehouse_id in enumerate(shop.warehouse_ids)
        ],
        "subscribe_tokocabang": False,
        "is_mitra": False,
    }


def showcase(shop: Shop, state: SandboxState, hide_zero: bool) -> list[dict]:
    counts: dict[int, int] = {}
    for product_id in shop.product_ids:
        product = state.products[product_id]
        counts[product.showcase_id] = counts.get(product.showcase_id, 0) + 1
    return [
        {
            "id": case.showcase_id,
            "name": case.name,
            "alias": case.alias,
            "uri": f"{WEB_HOST}/{shop.domain}/etalase/{case.alias}",
            "product_count": counts.get(case.showcase_id, 0),
            "is_highlighted": index == 0,
            "badge": "",
            "ace_default_sort": 1,
        }
        for index, case in enumerate(shop.showcases)
        if not (hide_zero and counts.get(case.showcase_id, 0) == 0)
    ]


def couriers() -> list[dict]:
    return [
        {
            "shipper_id": courier.shipper_id,
            "shipper_name": courier.shipper_name,
            "logo": f"{IMAGE_HOST}/kurir-{courier.code}.png",
            "services": [
                {"service_id": sid, "service_name": name, "service_desc": desc}
                for sid, name, desc in courier.services
            ],
        }
        for courier in COURIERS
    ]


def active_couriers(shops: list[Shop]) -> dict:
    """The PascalCase shape of `/v1/logistic/fs/{fs_id}/active-info`."""
    return {
        "Shops": [
            {
                "ShopID": shop.shop_id,
                "ShipmentInfos": [
                    {
                        "ShipmentID": courier.shipper_id,
                        "ShipmentName": courier.shipper_name,
                        "ShipmentCode": courier.code,
                        "ShipmentAvailable": (shop.shop_id + index) % 4 != 0,
                        "ShipmentImage": f"{IMAGE_HOST}/kurir-{courier.code}.png",
                        "ShipmentPackages": [
                            {
                                "IsAvailable": (shop.shop_id + sid) % 5 != 0,
                                "ProductName": name,
                                "ShippingProductID": sid,
                            }
                            for sid, name, _ in courier.services
                        ],
                        "AWBStatus": 1,
                    }
                    for index, courier in enumerate(COURIERS)
                ],
            }
            for shop in shops
        ]
    }


def shipping_label(order: Order, shop: Shop) -> str:
    person = buyer(order)
    courier = COURIERS[order.courier_index]
    rows = "".join(
        f"<tr><td>{html.escape(item.name)}</td><td>{item.quantity}</td></tr>"
        for item in order.items
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Shipping label</title></head>"
        "<body><div class='label'>"
        f"<h1>{html.escape(courier.shipper_name)}</h1>"
        f"<div class='barcode' data-code='{html.escape(order.awb or str(order.order_id))}'>"
        f"{html.escape(order.awb or str(order.order_id))}</div>"
        f"<p>Invoice {html.escape(order.invoice)}</p>"
        f"<p>From: {html.escape(shop.name)}</p>"
        f"<p>To: {html.escape(person.name)}, {html.escape(person.place.city)}</p>"
        f"<table>{rows}</table></div></body></html>"
    )


# ---- webhook payloads (the documented casing: `Name` capitalised) --------------------------


def _webhook_products(order: Order) -> list[dict]:
    return [
        {
            "id": item.product_id,
            "Name": item.name,
            "notes": "",
            "currency": "Rp.",
            "weight": item.weight_grams / 1000,
            "total_weight": item.weight_grams * item.quantity / 1000,
            "price": item.price,
            "total_price": item.total_price,
            "quantity": item.quantity,
            "sku": item.sku,
        }
        for item in order.items
    ]


def order_notification(order: Order, shop: Shop, fs_id: int) -> dict:
    person = buyer(order)
    courier = COURIERS[order.courier_index]
    place = person.place
    return {
        "fs_id": fs_id,
        "order_id": order.order_id,
        "invoice_ref_num": order.invoice,
        "accept_partial": order.accept_partial,
        "products": _webhook_products(order),
        "customer": {
            "id": order.buyer_id,
            "Name": person.name,
            "phone": person.phone,
            "email": person.email,
        },
        "recipient": {
            "Name": person.name,
            "phone": person.phone,
            "address": address(person),
        },
        "shop_id": shop.shop_id,
        "warehouse_id": order.warehouse_id,
        "shop_name": shop.name,
        "payment_id": order.payment_id,
        "logistics": {
            "shipping_id": courier.shipper_id,
            "district_id": place.district_id,
            "city_id": place.city_id,
            "geo": place.geo,
            "shipping_agency": courier.shipper_name,
            "service_type": courier.services[0][1],
        },
        "amt": {
            "ttl_product_price": order.product_price,
            "shipping_cost": order.shipping_cost,
            "insurance_cost": order.insurance_cost,
            "ttl_amount": order.total_amount,
            "voucher_amount": order.voucher_amount,
            "toppoints_amount": 0,
        },
        "dropshipper_info": {"Name": "", "phone": ""},
        "voucher_info": {"voucher_type": 0, "voucher_code": ""},
        "device_type": "android",
        "create_time": order.create_time,
        "order_status": order.status,
    }


def order_status(order: Order, fs_id: int) -> dict:
    return {
        "fs_id": fs_id,
        "order_status": order.status,
        "order_id": order.order_id,
        "shop_id": order.shop_id,
        "warehouse_id": order.warehouse_id,
        "product_details": _webhook_products(order),
    }


def event_payload(event: Event, state: SandboxState) -> dict:
    """The body Tokopedia would POST for an event."""
    fs_id = state.settings.fs_id
    if event.kind == "order_notification":
        order = state.orders[event.order_id]
        return order_notification(order, state.shops[order.shop_id], fs_id)
    if event.kind == "order_status":
        return order_status(state.orders[event.order_id], fs_id)
    if event.kind == "order_cancellation":
        return {"fs_id": fs_id, "order_id": event.order_id, "shop_id": event.shop_id}
    if event.kind == "product_creation":
        upload = event.upload or {}
        return {
            "upload_id": upload.get("upload_id"),
            "shop_id": event.shop_id,
            "user_id": state.shops[event.shop_id].user_id,
            "fs_id": fs_id,
            "status": upload.get("status"),
            "total_data": upload.get("total_data"),
            "success_rows_data": upload.get("success_rows_data", []),
        }
    return {
        "fs_id": fs_id,
        "product_changes_data": [
            {
                "action": change.action,
                "product_id": change.product_id,
                "shop_id": change.shop_id,
                "warehouse_id": change.warehouse_id,
                "value": change.value,
                "previous_value": change.previous_value,
                "update_time": change.update_time,
                "is_default_warehouse": change.is_default_warehouse,
            }
            for change in event.changes
        ],
    }
