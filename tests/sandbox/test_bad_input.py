"""A sweep of bad requests over every endpoint that takes input: each gets its documented error
(400, 403, 404, or 405 for a wrong method) in the right envelope, never a 500, and every answer
is strict JSON.

Paths and bodies name `{order}`, `{product}`, `{sku}` and `{parent}`; they are filled in from the
ground truth of the seeded sandbox before each request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import FS_ID, SHOP_ID, UNLINKED_SHOP_ID

RAW = object()
"""Marks a body sent as the raw bytes given instead of as JSON."""

FS = FS_ID
ORDER = f"/v1/order/{{order}}/fs/{FS}"
SHOP = {"shop_id": SHOP_ID}


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    status: int
    error_code: str | None = None
    params: dict | None = None
    body: Any = None
    raw: bytes | None = None
    legacy: bool = False

    def send(self, api, known: dict[str, Any]):
        path = self.path.format(**known)
        params = _fill(self.params or {}, known)
        if self.raw is not None:
            return api.request(self.method, path, params=params, data=self.raw)
        body = _fill(self.body, known)
        return api.request(self.method, path, params=params, json=body)


def strict_json(content: bytes) -> Any:
    """Parse an answer as a strict parser would: no NaN, no Infinity."""

    def refuse(name: str) -> None:
        raise AssertionError(f"the answer holds {name}, which is not JSON")

    return json.loads(content, parse_constant=refuse)


def _fill(value: Any, known: dict[str, Any]) -> Any:
    """Replace `"{name}"` placeholders anywhere in a JSON-ready value."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return known.get(value[1:-1], value)
    if isinstance(value, list):
        return [_fill(item, known) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, known) for key, item in value.items()}
    return value


@pytest.fixture
def known(sandbox) -> dict[str, Any]:
    """Real ids of the seeded sandbox for the placeholders of the table."""
    orders = sandbox.control.orders(shop_id=SHOP_ID)
    products = sandbox.control.products(shop_id=SHOP_ID)
    plain = next(p for p in products if not p["children"] and p["parent_id"] is None)
    return {
        "order": next(o["order_id"] for o in orders if o["status"] == 400),
        "product": plain["product_id"],
        "sku": plain["sku"],
        "parent": next(p["product_id"] for p in products if p["children"]),
    }


# ---- bodies that are not usable JSON, for every endpoint that reads a body -----------------

BODY_ENDPOINTS = [
    ("nack", "POST", f"{ORDER}/nack", None, "ORD_USC_009"),
    ("confirm-shipping", "POST", f"{ORDER}/status", None, "ORD_DLV_021"),
    ("pick-up", "POST", f"/inventory/v1/fs/{FS}/pick-up", None, "ORD_DLV_003"),
    ("create", "POST", f"/v3/products/fs/{FS}/create", SHOP, "PRD_DLV_001"),
    ("edit", "PATCH", f"/v3/products/fs/{FS}/edit", SHOP, "PRD_DLV_001"),
    ("delete", "POST", f"/v3/products/fs/{FS}/delete", SHOP, "PRD_DLV_001"),
    ("active", "POST", f"/v1/products/fs/{FS}/active", SHOP, "PRD_DLV_001"),
    ("inactive", "POST", f"/v1/products/fs/{FS}/inactive", SHOP, "PRD_DLV_001"),
    ("stock", "POST", f"/inventory/v1/fs/{FS}/stock/update", SHOP, "PRD_DLV_001"),
    ("increment", "POST", f"/inventory/v2/fs/{FS}/stock/increment", SHOP, "PRD_DLV_001"),
    ("decrement", "POST", f"/inventory/v2/fs/{FS}/stock/decrement", SHOP, "PRD_DLV_001"),
    ("price", "POST", f"/inventory/v1/fs/{FS}/price/update", SHOP, "PRD_DLV_001"),
    ("trigger", "POST", f"/v1/fs/{FS}/trigger", None, "ORD_DLV_001"),
    ("register", "POST", f"/v1/fs/{FS}/register", None, "bad input data"),
]

UNUSABLE_BODIES = [
    ("malformed", b'{"reason_code": 1, "reason": '),
    ("empty", b""),
    ("whitespace", b"  \n "),
    ("not-utf8", b'{"a": "\xff\xfe"}'),
    ("deeply-nested", b"[" * 100_000),
    ("null", b"null"),
    ("number", b"42"),
    ("text", b'"success"'),
]

# The JSON type each endpoint does not take: an array where an object belongs and vice versa.
WRONG_TYPE = {
    "nack": [{"reason_code": 1, "reason": "habis"}],
    "confirm-shipping": [500, "JNE1"],
    "pick-up": [1, SHOP_ID],
    "create": [{"name": "x", "price": 1000, "stock": 1}],
    "edit": [{"id": 1, "name": "x"}],
    "delete": [1],
    "active": [1],
    "inactive": [1],
    "stock": {"product_id": 1, "new_stock": 1},
    "increment": {"product_id": 1, "stock_value": 1},
    "decrement": {"product_id": 1, "stock_value": 1},
    "price": {"product_id": 1, "new_price": 1000},
    "trigger": ["order_status"],
    "register": ["http://127.0.0.1/hook"],
}


def unusable_body_cases() -> list[Case]:
    cases = []
    for name, method, path, params, code in BODY_ENDPOINTS:
        legacy = name == "register"
        for label, raw in UNUSABLE_BODIES:
            cases.append(
                Case(f"{name}-{label}", method, path, 400, code, params, raw=raw, legacy=legacy)
            )
        cases.append(
            Case(
                f"{name}-wrong-json-type",
                method,
                path,
                400,
                code,
                params,
                WRONG_TYPE[name],
                legacy=legacy,
            )
        )
    return cases


# ---- fields of the wrong type, missing fields, oversize batches ----------------------------

ROWS = {
    "stock": "new_stock",
    "increment": "stock_value",
    "decrement": "stock_value",
    "price": "new_price",
}
ROW_PATHS = {
    "stock": f"/inventory/v1/fs/{FS}/stock/update",
    "increment": f"/inventory/v2/fs/{FS}/stock/increment",
    "decrement": f"/inventory/v2/fs/{FS}/stock/decrement",
    "price": f"/inventory/v1/fs/{FS}/price/update",
}


def field_cases() -> list[Case]:
    nack, ship = f"{ORDER}/nack", f"{ORDER}/status"
    pick_up = f"/inventory/v1/fs/{FS}/pick-up"
    create, edit = f"/v3/products/fs/{FS}/create", f"/v3/products/fs/{FS}/edit"
    trigger = f"/v1/fs/{FS}/trigger"
    cases = [
        Case("nack-code-text", "POST", nack, 400, "ORD_USC_009", body={"reason_code": "1"}),
        Case("nack-code-float", "POST", nack, 400, "ORD_USC_009", body={"reason_code": 1.5}),
        Case("nack-code-bool", "POST", nack, 400, "ORD_USC_009", body={"reason_code": True}),
        Case("nack-code-null", "POST", nack, 400, "ORD_USC_009", body={"reason_code": None}),
        Case("nack-no-fields", "POST", nack, 400, "ORD_USC_009", body={}),
        Case(
            "nack-reason-number",
            "POST",
            nack,
            400,
            "ORD_USC_009",
            body={"reason_code": 1, "reason": 5},
        ),
        Case(
            "nack-reason-list",
            "POST",
            nack,
            400,
            "ORD_USC_009",
            body={"reason_code": 1, "reason": ["habis"]},
        ),
        Case(
            "nack-close-date-number",
            "POST",
            nack,
            400,
            "ORD_USC_013",
            body={
                "reason_code": 4,
                "reason": "tutup",
                "shop_close_end_date": 31122099,
                "shop_close_note": "libur",
            },
        ),
        Case(
            "nack-close-date-impossible",
            "POST",
            nack,
            400,
            "ORD_USC_013",
            body={
                "reason_code": 4,
                "reason": "tutup",
                "shop_close_end_date": "31/02/2099",
                "shop_close_note": "libur",
            },
        ),
        Case("ship-no-fields", "POST", ship, 400, "ORD_DLV_023", body={}),
        Case(
            "ship-status-text",
            "POST",
            ship,
            400,
            "ORD_DLV_023",
            body={"order_status": "500", "shipping_ref_num": "JNE1"},
        ),
        Case(
            "ship-status-fraction",
            "POST",
            ship,
            400,
            "ORD_DLV_023",
            body={"order_status": 500.5, "shipping_ref_num": "JNE1"},
        ),
        Case(
            "ship-awb-list",
            "POST",
            ship,
            400,
            "ORD_DLV_021",
            body={"order_status": 500, "shipping_ref_num": ["JNE1"]},
        ),
        Case(
            "ship-awb-null",
            "POST",
            ship,
            400,
            "ORD_DLV_021",
            body={"order_status": 500, "shipping_ref_num": None},
        ),
        Case(
            "pick-up-id-text",
            "POST",
            pick_up,
            400,
            "ORD_DLV_003",
            body={"order_id": "100000001", "shop_id": str(SHOP_ID)},
        ),
        Case(
            "pick-up-id-float",
            "POST",
            pick_up,
            400,
            "ORD_DLV_003",
            body={"order_id": 1.5, "shop_id": SHOP_ID},
        ),
        Case(
            "pick-up-id-bool",
            "POST",
            pick_up,
            400,
            "ORD_DLV_003",
            body={"order_id": True, "shop_id": SHOP_ID},
        ),
        Case("pick-up-no-shop", "POST", pick_up, 400, "ORD_DLV_003", body={"order_id": 1}),
        Case(
            "pick-up-unknown-order",
            "POST",
            pick_up,
            404,
            "ORD_API_008",
            body={"order_id": 1, "shop_id": SHOP_ID},
        ),
        Case(
            "pick-up-unlinked-shop",
            "POST",
            pick_up,
            403,
            "RBAC_MDLW_001",
            body={"order_id": "{order}", "shop_id": UNLINKED_SHOP_ID},
        ),
        Case("create-products-text", "POST", create, 400, "PRD_DLV_001", SHOP, {"products": "x"}),
        Case("create-products-ints", "POST", create, 400, "PRD_DLV_001", SHOP, {"products": [1]}),
        Case("create-products-null", "POST", create, 400, "PRD_DLV_001", SHOP, {"products": None}),
        Case(
            "create-21-products",
            "POST",
            create,
            400,
            "PRD_DLV_018",
            SHOP,
            {"products": [{"name": "x", "price": 1000, "stock": 1}] * 21},
        ),
        Case("edit-products-empty", "PATCH", edit, 400, "PRD_DLV_001", SHOP, {"products": []}),
        Case(
            "edit-21-products",
            "PATCH",
            edit,
            400,
            "PRD_DLV_018",
            SHOP,
            {"products": [{"id": 1}] * 21},
        ),
        Case(
            "trigger-id-text",
            "POST",
            trigger,
            400,
            "ORD_DLV_003",
            body={"order_id": "1", "type": "order_status"},
        ),
        Case(
            "trigger-id-bool",
            "POST",
            trigger,
            400,
            "ORD_DLV_003",
            body={"order_id": True, "type": "order_status"},
        ),
        Case(
            "trigger-type-list",
            "POST",
            trigger,
            400,
            "ORD_DLV_001",
            body={"order_id": 1, "type": ["order_status"]},
        ),
        Case(
            "trigger-url-list",
            "POST",
            trigger,
            400,
            "ORD_DLV_001",
            body={"order_id": "{order}", "type": "order_status", "url": ["http://x"]},
        ),
        Case(
            "nack-close-note-list",
            "POST",
            nack,
            400,
            "ORD_USC_012",
            body={
                "reason_code": 4,
                "reason": "tutup",
                "shop_close_end_date": "31/12/2099",
                "shop_close_note": ["libur"],
            },
        ),
        Case(
            "nack-close-note-too-long",
            "POST",
            nack,
            400,
            "ORD_USC_012",
            body={
                "reason_code": 4,
                "reason": "tutup",
                "shop_close_end_date": "31/12/2099",
                "shop_close_note": "n" * 513,
            },
        ),
        Case(
            "nack-empty-products-text",
            "POST",
            nack,
            400,
            "ORD_USC_009",
            body={"reason_code": 1, "reason": "habis", "empty_products": "zz"},
        ),
        Case(
            "nack-empty-products-texts",
            "POST",
            nack,
            400,
            "ORD_USC_009",
            body={"reason_code": 1, "reason": "habis", "empty_products": ["15000001"]},
        ),
        Case(
            "nack-reason-over-512",
            "POST",
            nack,
            400,
            "ORD_USC_009",
            body={"reason_code": 1, "reason": "r" * 513},
        ),
        Case(
            "nack-courier-reason-over-490",
            "POST",
            nack,
            400,
            "ORD_USC_009",
            body={"reason_code": 7, "reason": "r" * 491},
        ),
        Case(
            "ship-awb-100000-chars",
            "POST",
            ship,
            400,
            "ORD_DLV_021",
            body={"order_status": 500, "shipping_ref_num": "J" * 100_000},
        ),
    ]
    for name in ("delete", "active", "inactive"):
        path = {n: p for n, _, p, _, _ in BODY_ENDPOINTS}[name]
        cases += [
            Case(f"{name}-ids-text", "POST", path, 400, "PRD_DLV_001", SHOP, {"product_id": "1"}),
            Case(f"{name}-ids-int", "POST", path, 400, "PRD_DLV_001", SHOP, {"product_id": 1}),
            Case(f"{name}-ids-empty", "POST", path, 400, "PRD_DLV_001", SHOP, {"product_id": []}),
            Case(f"{name}-wrong-key", "POST", path, 400, "PRD_DLV_001", SHOP, {"product_ids": [1]}),
            Case(
                f"{name}-26-ids",
                "POST",
                path,
                400,
                "PRD_DLV_018",
                SHOP,
                {"product_id": list(range(1, 27))},
            ),
        ]
    for name, path in ROW_PATHS.items():
        value = ROWS[name]
        cases += [
            Case(f"{name}-empty-array", "POST", path, 400, "PRD_DLV_001", SHOP, []),
            Case(f"{name}-array-of-ints", "POST", path, 400, "PRD_DLV_001", SHOP, [1, 2]),
            Case(f"{name}-array-of-arrays", "POST", path, 400, "PRD_DLV_001", SHOP, [[1, 2]]),
            Case(
                f"{name}-id-text",
                "POST",
                path,
                400,
                "PRD_DLV_042",
                SHOP,
                [{"product_id": "{sku}", value: 1}],
            ),
            Case(
                f"{name}-id-float",
                "POST",
                path,
                400,
                "PRD_DLV_042",
                SHOP,
                [{"product_id": 1.5, value: 1}],
            ),
            Case(
                f"{name}-id-bool",
                "POST",
                path,
                400,
                "PRD_DLV_042",
                SHOP,
                [{"product_id": True, value: 1}],
            ),
            Case(
                f"{name}-id-null",
                "POST",
                path,
                400,
                "PRD_DLV_042",
                SHOP,
                [{"product_id": None, value: 1}],
            ),
            Case(
                f"{name}-101-rows",
                "POST",
                path,
                400,
                "PRD_DLV_018",
                SHOP,
                [{"product_id": "{product}", value: 1}] * 101,
            ),
            Case(
                f"{name}-warehouse-text",
                "POST",
                path,
                400,
                "PRD_DLV_042",
                {**SHOP, "warehouse_id": "main"},
                [{"product_id": "{product}", value: 1}],
            ),
            Case(
                f"{name}-foreign-warehouse",
                "POST",
                path,
                400,
                "PRD_DLV_042",
                {**SHOP, "warehouse_id": 1},
                [{"product_id": "{product}", value: 1}],
            ),
            Case(
                f"{name}-no-shop",
                "POST",
                path,
                400,
                "PRD_DLV_001",
                None,
                [{"product_id": "{product}", value: 1}],
            ),
            Case(
                f"{name}-shop-text",
                "POST",
                path,
                400,
                "PRD_DLV_001",
                {"shop_id": "toko"},
                [{"product_id": "{product}", value: 1}],
            ),
            Case(
                f"{name}-unlinked-shop",
                "POST",
                path,
                403,
                "RBAC_MDLW_001",
                {"shop_id": UNLINKED_SHOP_ID},
                [{"product_id": "{product}", value: 1}],
            ),
        ]
    return cases


# ---- ids in paths and queries: non-numeric, unknown ----------------------------------------


def id_cases() -> list[Case]:
    label = f"/v1/order/{{order}}/fs/{FS}/shipping-label"
    cases = []
    for action, body in (
        ("ack", None),
        ("nack", {"reason_code": 1, "reason": "habis"}),
        ("status", {"order_status": 500, "shipping_ref_num": "JNE1"}),
    ):
        cases += [
            Case(
                f"{action}-order-id-text",
                "POST",
                f"/v1/order/abc/fs/{FS}/{action}",
                400,
                "ORD_DLV_003",
                body=body,
            ),
            Case(
                f"{action}-order-id-float",
                "POST",
                f"/v1/order/1.5/fs/{FS}/{action}",
                400,
                "ORD_DLV_003",
                body=body,
            ),
            Case(
                f"{action}-order-unknown",
                "POST",
                f"/v1/order/1/fs/{FS}/{action}",
                404,
                "ORD_API_008",
                body=body,
            ),
            Case(
                f"{action}-fs-id-text",
                "POST",
                f"/v1/order/1/fs/abc/{action}",
                400,
                "ORD_DLV_002",
                body=body,
            ),
            Case(
                f"{action}-fs-id-other",
                "POST",
                f"/v1/order/1/fs/{FS + 1}/{action}",
                403,
                "RBAC_MDLW_001",
                body=body,
            ),
        ]
    cases += [
        Case(
            "label-order-id-text", "GET", f"/v1/order/x/fs/{FS}/shipping-label", 400, "ORD_DLV_003"
        ),
        Case(
            "label-order-unknown", "GET", f"/v1/order/1/fs/{FS}/shipping-label", 404, "ORD_API_008"
        ),
        Case("label-printed-text", "GET", label, 400, "ORD_DLV_003", {"printed": "yes"}),
        Case("label-printed-2", "GET", label, 400, "ORD_DLV_003", {"printed": 2}),
        Case(
            "single-order-id-text",
            "GET",
            f"/v2/fs/{FS}/order",
            400,
            "ORD_DLV_003",
            {"order_id": "x"},
        ),
        Case(
            "single-order-unknown", "GET", f"/v2/fs/{FS}/order", 404, "ORD_API_008", {"order_id": 9}
        ),
        Case("single-order-fs-text", "GET", "/v2/fs/x/order", 400, "ORD_DLV_002", {"order_id": 9}),
        Case(
            "variant-id-text", "GET", f"/inventory/v1/fs/{FS}/product/variant/x", 400, "PRD_DLV_042"
        ),
        Case(
            "variant-unknown",
            "GET",
            f"/inventory/v1/fs/{FS}/product/variant/1",
            404,
            "OPENAPI_DB_003",
        ),
        Case("upload-id-text", "GET", f"/v2/products/fs/{FS}/status/x", 400, "PRD_DLV_042", SHOP),
        Case("upload-unknown", "GET", f"/v2/products/fs/{FS}/status/1", 404, "PRD_API_008", SHOP),
        Case("upload-no-shop", "GET", f"/v2/products/fs/{FS}/status/1", 400, "PRD_DLV_001"),
        Case(
            "payload-id-text",
            "GET",
            f"/v1/order/x/fs/{FS}/webhook",
            400,
            "ORD_DLV_003",
            {"type": "order_status"},
        ),
        Case(
            "payload-unknown",
            "GET",
            f"/v1/order/1/fs/{FS}/webhook",
            404,
            "ORD_API_008",
            {"type": "order_status"},
        ),
        Case(
            "info-id-text",
            "GET",
            f"/inventory/v1/fs/{FS}/product/info",
            400,
            "PRD_DLV_042",
            {"product_id": "x"},
        ),
        Case(
            "info-id-empty",
            "GET",
            f"/inventory/v1/fs/{FS}/product/info",
            400,
            "PRD_DLV_001",
            {"product_id": ","},
        ),
        Case(
            "info-unknown",
            "GET",
            f"/inventory/v1/fs/{FS}/product/info",
            404,
            "OPENAPI_DB_003",
            {"product_id": 1},
        ),
        Case(
            "info-shop-text",
            "GET",
            f"/inventory/v1/fs/{FS}/product/info",
            400,
            "PRD_DLV_005",
            {"shop_id": "toko", "page": 1, "per_page": 1},
        ),
        Case(
            "info-fs-text",
            "GET",
            "/inventory/v1/fs/x/product/info",
            400,
            "ORD_DLV_002",
            {"product_id": 1},
        ),
        Case(
            "showcase-page-text",
            "GET",
            f"/v1/showcase/fs/{FS}/get",
            400,
            "SHP_DLV_001",
            {**SHOP, "page": "x"},
        ),
        Case("shop-info-fs-text", "GET", "/v1/shop/fs/x/shop-info", 400, "ORD_DLV_002"),
        Case(
            "couriers-shop-text",
            "GET",
            f"/v2/logistic/fs/{FS}/info",
            400,
            "LGS_DLV_001",
            {"shop_id": "x"},
        ),
        Case(
            "active-couriers-shop-text",
            "GET",
            f"/v1/logistic/fs/{FS}/active-info",
            400,
            "LGS_DLV_001",
            {"shop_id": "x"},
        ),
        Case(
            "order-list-status-text",
            "GET",
            "/v2/order/list",
            400,
            "ORD_DLV_023",
            {"fs_id": FS, "from_date": 1, "to_date": 2, "page": 1, "per_page": 1, "status": "paid"},
        ),
        Case(
            "order-list-shop-text",
            "GET",
            "/v2/order/list",
            400,
            "ORD_DLV_008",
            {"fs_id": FS, "from_date": 1, "to_date": 2, "page": 1, "per_page": 1, "shop_id": "x"},
        ),
        Case(
            "order-list-fs-text",
            "GET",
            "/v2/order/list",
            400,
            "ORD_DLV_002",
            {"fs_id": "x", "from_date": 1, "to_date": 2, "page": 1, "per_page": 1},
        ),
        Case("webhooks-fs-text", "GET", "/v1/fs/abc", 400, "ORD_DLV_002", legacy=True),
        Case(
            "register-fs-text",
            "POST",
            "/v1/fs/abc/register",
            400,
            "ORD_DLV_002",
            body={},
            legacy=True,
        ),
    ]
    return cases


# ---- wrong methods ------------------------------------------------------------------------

WRONG_METHODS = [
    ("PUT", "/v2/order/list"),
    ("POST", f"/v2/fs/{FS}/order"),
    ("GET", f"/v1/order/1/fs/{FS}/ack"),
    ("GET", f"/v1/order/1/fs/{FS}/nack"),
    ("DELETE", f"/v1/order/1/fs/{FS}/status"),
    ("GET", f"/inventory/v1/fs/{FS}/pick-up"),
    ("POST", f"/v1/order/1/fs/{FS}/shipping-label"),
    ("POST", f"/inventory/v1/fs/{FS}/product/info"),
    ("GET", f"/v3/products/fs/{FS}/create"),
    ("POST", f"/v3/products/fs/{FS}/edit"),
    ("PATCH", f"/v3/products/fs/{FS}/delete"),
    ("DELETE", f"/v1/products/fs/{FS}/active"),
    ("GET", f"/v1/products/fs/{FS}/inactive"),
    ("GET", f"/inventory/v1/fs/{FS}/stock/update"),
    ("PUT", f"/inventory/v2/fs/{FS}/stock/increment"),
    ("GET", f"/inventory/v2/fs/{FS}/stock/decrement"),
    ("PATCH", f"/inventory/v1/fs/{FS}/price/update"),
    ("POST", f"/v1/shop/fs/{FS}/shop-info"),
    ("DELETE", f"/v1/fs/{FS}"),
    ("GET", f"/v1/fs/{FS}/register"),
    ("GET", f"/v1/fs/{FS}/trigger"),
    ("GET", "/accounts/token"),
]


def assert_documented_error(case: Case, response) -> None:
    assert response.status_code == case.status, response.text
    body = strict_json(response.content)
    if case.legacy:
        assert body["data"] is None
        assert body["status"].startswith(str(case.status))
        assert body["error_message"][0] == case.error_code
    else:
        assert body["data"] is None
        assert body["header"]["error_code"] == case.error_code
        assert body["header"]["reason"]


@pytest.mark.parametrize("case", unusable_body_cases(), ids=lambda case: case.id)
def test_a_body_that_is_not_usable_json_is_refused(api, known, case):
    assert_documented_error(case, case.send(api, known))


@pytest.mark.parametrize("case", field_cases(), ids=lambda case: case.id)
def test_fields_of_the_wrong_type_missing_or_too_many_are_refused(api, known, case):
    assert_documented_error(case, case.send(api, known))


@pytest.mark.parametrize("case", id_cases(), ids=lambda case: case.id)
def test_ids_that_are_not_numbers_or_not_known_are_refused(api, known, case):
    assert_documented_error(case, case.send(api, known))


@pytest.mark.parametrize(("method", "path"), WRONG_METHODS, ids=lambda v: str(v))
def test_a_wrong_method_is_a_logged_405_in_the_endpoints_envelope(api, sandbox, method, path):
    since = sandbox.control.last_seq()

    response = api.request(method, path)

    assert response.status_code == 405
    assert response.headers["Allow"]
    body = strict_json(response.content)
    if path in (f"/v1/fs/{FS}", f"/v1/fs/{FS}/register"):
        assert body["status"] == "405 Method Not Allowed"
        assert body["error_message"][0] == "METHOD_NOT_ALLOWED"
    else:
        assert body["header"]["error_code"] == "METHOD_NOT_ALLOWED"
        assert method in body["header"]["reason"]
    [entry] = sandbox.control.requests(since=since)["requests"]
    assert (entry["method"], entry["path"], entry["status"]) == (method, path, 405)


@pytest.mark.parametrize(
    "path", ["/v2/order/lists", f"/v1/order/1/fs/{FS}/accept", "/inventory", "/"]
)
def test_an_unknown_path_is_a_logged_404_in_the_envelope(api, sandbox, path):
    since = sandbox.control.last_seq()

    response = api.post(path, {"order_id": 1})

    assert response.status_code == 404
    body = strict_json(response.content)
    assert body["data"] is None
    assert body["header"]["error_code"] == "NOT_FOUND"
    assert path in body["header"]["reason"]
    [entry] = sandbox.control.requests(since=since)["requests"]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", path, 404)
    assert entry["error_code"] == "NOT_FOUND"


# ---- text that is not Unicode and numbers that are not finite: refused before anything -----

NOT_STORABLE = [
    Case("stock-sku", "POST", ROW_PATHS["stock"], 400, "PRD_DLV_001", SHOP,
         [{"sku": "\ud800", "new_stock": 1}]),
    Case("price-sku", "POST", ROW_PATHS["price"], 400, "PRD_DLV_001", SHOP,
         [{"sku": "A\udfff", "new_price": 1_000}]),
    Case("stock-key", "POST", ROW_PATHS["stock"], 400, "PRD_DLV_001", SHOP,
         [{"product_id": "{product}", "new_stock": 1, "\udc00": 1}]),
    Case("edit-name", "PATCH", f"/v3/products/fs/{FS}/edit", 400, "PRD_DLV_001", SHOP,
         {"products": [{"id": "{product}", "name": "A\ud800"}]}),
    Case("create-name", "POST", f"/v3/products/fs/{FS}/create", 400, "PRD_DLV_001", SHOP,
         {"products": [{"name": "Kopi \ud800", "price": 10_000, "stock": 1}]}),
    Case("nack-reason", "POST", f"{ORDER}/nack", 400, "ORD_USC_009",
         body={"reason_code": 1, "reason": "habis \ud800"}),
    Case("ship-awb", "POST", f"{ORDER}/status", 400, "ORD_DLV_021",
         body={"order_status": 500, "shipping_ref_num": "JNE\udc00"}),
    Case("register-secret", "POST", f"/v1/fs/{FS}/register", 400, "bad input data",
         body={"order_status_url": "http://127.0.0.1:9/h", "webhook_secret": "\ud800"},
         legacy=True),
    Case("stock-encoded-surrogate", "POST", ROW_PATHS["stock"], 400, "PRD_DLV_001", SHOP,
         raw=b'[{"sku": "\xed\xa0\x80", "new_stock": 1}]'),
    Case("stock-huge-number", "POST", ROW_PATHS["stock"], 400, "PRD_DLV_001", SHOP,
         raw=b'[{"sku": "x", "new_stock": 1e400}]'),
    Case("price-nan", "POST", ROW_PATHS["price"], 400, "PRD_DLV_001", SHOP,
         raw=b'[{"product_id": 1, "new_price": NaN}]'),
    Case("increment-infinity", "POST", ROW_PATHS["increment"], 400, "PRD_DLV_001", SHOP,
         raw=b'[{"product_id": 1, "stock_value": -Infinity}]'),
    Case("create-huge-price", "POST", f"/v3/products/fs/{FS}/create", 400, "PRD_DLV_001", SHOP,
         raw=b'{"products": [{"name": "x", "price": -1e999, "stock": 1}]}'),
    Case("nack-nan-code", "POST", f"{ORDER}/nack", 400, "ORD_USC_009",
         raw=b'{"reason_code": NaN, "reason": "habis"}'),
]  # fmt: skip


@pytest.mark.parametrize("case", NOT_STORABLE, ids=lambda case: case.id)
def test_text_that_is_not_unicode_or_a_number_that_is_not_finite_is_refused(
    api, sandbox, known, case
):
    before = (sandbox.control.products(), sandbox.control.orders())

    response = case.send(api, known)

    assert_documented_error(case, response)
    assert (sandbox.control.products(), sandbox.control.orders()) == before


def test_every_product_page_still_answers_after_a_name_that_is_not_unicode(api, sandbox, known):
    edit = {"products": [{"id": known["product"], "name": "A\ud800"}]}
    api.patch(f"/v3/products/fs/{FS}/edit", edit, **SHOP)

    pages = [
        api.get(f"/inventory/v1/fs/{FS}/product/info", page=page, per_page=50, **SHOP)
        for page in (1, 2, 3)
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    listed = [p["basic"]["productID"] for page in pages for p in strict_json(page.content)["data"]]
    truth = sandbox.control.products(shop_id=SHOP_ID)
    assert len(listed) == sum(p["status"] != 0 for p in truth)
    assert {p["product_id"]: p["name"] for p in truth}[known["product"]] != "A\ud800"


# ---- bad rows and items fail one by one inside a 200, as Tokopedia reports them ------------

ROW_FAILURES = [
    ("stock", [{"product_id": "{product}", "new_stock": "5"}]),
    ("stock", [{"product_id": "{product}", "new_stock": 5.5}]),
    ("stock", [{"product_id": "{product}", "new_stock": True}]),
    ("stock", [{"product_id": "{product}"}]),
    ("stock", [{"sku": ["{sku}"], "new_stock": 5}]),
    ("stock", [{"sku": 12345, "new_stock": 5}]),
    ("stock", [{"sku": {"code": "{sku}"}, "new_stock": 5}]),
    ("stock", [{"product_id": "{parent}", "new_stock": 5}]),
    ("increment", [{"product_id": "{product}", "stock_value": None}]),
    ("decrement", [{"sku": "{sku}", "stock_value": 10**9}]),
    ("price", [{"product_id": "{product}", "new_price": "10000"}]),
    ("price", [{"product_id": "{product}", "new_price": -1}]),
]


@pytest.mark.parametrize(("name", "rows"), ROW_FAILURES, ids=lambda v: str(v))
def test_a_bad_row_fails_inside_a_200_and_changes_nothing(api, sandbox, known, name, rows):
    before = sandbox.control.products(shop_id=SHOP_ID)

    response = api.post(ROW_PATHS[name], _fill(rows, known), shop_id=SHOP_ID)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["succeed_rows"], data["failed_rows"]) == (0, len(rows))
    assert all(row["message"] for row in data["failed_rows_data"])
    assert sandbox.control.products(shop_id=SHOP_ID) == before


UPLOAD_FAILURES = [
    ("create", {"name": 5, "price": 10_000, "stock": 1}),
    ("create", {"name": "x" * 71, "price": 10_000, "stock": 1}),
    ("create", {"name": "Harga Teks", "price": "10000", "stock": 1}),
    ("create", {"name": "Stok Bool", "price": 10_000, "stock": True}),
    ("create", {"name": "Stok Minus", "price": 10_000, "stock": -1}),
    ("create", {"name": "Berat Teks", "price": 10_000, "stock": 1, "weight": "berat"}),
    ("create", {"name": "Min Nol", "price": 10_000, "stock": 1, "min_order": 0}),
    ("create", {"name": "SKU Daftar", "price": 10_000, "stock": 1, "sku": ["A-1"]}),
    ("create", {"name": "SKU Objek", "price": 10_000, "stock": 1, "sku": {"code": "A-1"}}),
    ("create", {"name": "SKU Panjang", "price": 10_000, "stock": 1, "sku": "S" * 51}),
    ("create", {"price": 10_000}),
    ("edit", {"id": "{product}", "price": "murah"}),
    ("edit", {"id": "{product}", "sku": ["A-1"]}),
    ("edit", {"id": "{product}", "name": ""}),
    ("edit", {"id": "{product}", "stock": 1.5}),
    ("edit", {"id": "1", "name": "Teks"}),
    ("edit", {"name": "Tanpa Id"}),
    ("edit", {"id": "{product}", "description": ["x"]}),
    ("edit", {"id": "{product}", "description": "d" * 2_001}),
    ("edit", {"id": "{product}", "condition": "BEKAS"}),
    ("edit", {"id": "{product}", "status": 1}),
    ("edit", {"id": "{parent}", "stock": 5}),
    ("edit", {"id": "{product}", "name": "   "}),
    ("create", {"name": "Kondisi Daftar", "price": 10_000, "stock": 1, "condition": ["x"]}),
    ("create", {"name": "Status Objek", "price": 10_000, "stock": 1, "status": {"a": 1}}),
    ("create", {"name": "Status Asing", "price": 10_000, "stock": 1, "status": "HABIS"}),
    ("create", {"name": "Deskripsi Angka", "price": 10_000, "stock": 1, "description": 5}),
]


@pytest.mark.parametrize(("name", "item"), UPLOAD_FAILURES, ids=lambda v: str(v))
def test_a_bad_upload_item_fails_in_the_upload_status_and_changes_nothing(
    api, sandbox, known, name, item
):
    before = sandbox.control.products(shop_id=SHOP_ID)
    method, path = ("POST", "create") if name == "create" else ("PATCH", "edit")

    response = api.request(
        method,
        f"/v3/products/fs/{FS}/{path}",
        params=SHOP,
        json={"products": [_fill(item, known)]},
    )

    assert response.status_code == 200, response.text
    upload_id = response.json()["data"]["upload_id"]
    status = api.get(f"/v2/products/fs/{FS}/status/{upload_id}", **SHOP).json()
    [upload] = status["data"]["upload_data"]
    assert (upload["success_rows"], upload["failed_rows"]) == (0, 1)
    assert upload["failed_rows_data"][0]["error"]
    assert sandbox.control.products(shop_id=SHOP_ID) == before


def test_status_changes_with_ids_of_every_wrong_type_fail_row_by_row(api, sandbox):
    ids = ["15000000", 1.5, True, None, [1], {"id": 1}]
    before = sandbox.control.products(shop_id=SHOP_ID)

    response = api.post(f"/v1/products/fs/{FS}/inactive", {"product_id": ids}, **SHOP)

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["succeed_rows"], data["failed_rows"]) == (0, len(ids))
    assert sandbox.control.products(shop_id=SHOP_ID) == before
