"""The sandbox's in-memory records: shops, products and orders, compact enough for 100k orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NamedTuple

PRODUCT_ACTIVE = 1
PRODUCT_INACTIVE = 3
PRODUCT_DELETED = 0


@dataclass(slots=True)
class Showcase:
    showcase_id: int
    name: str
    alias: str


@dataclass(slots=True)
class Shop:
    shop_id: int
    name: str
    domain: str
    user_id: int
    created_date: str
    warehouse_ids: list[int]
    showcases: list[Showcase]
    product_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)
    order_times: list[int] = field(default_factory=list)
    """Create times parallel to `order_ids`, ascending, so a window is two bisections."""

    @property
    def default_warehouse(self) -> int:
        return self.warehouse_ids[0]


@dataclass(slots=True)
class Product:
    product_id: int
    shop_id: int
    name: str
    sku: str
    price: int
    stock: dict[int, int]
    """Stock per warehouse id; the product's stock is their sum."""
    status: int
    category_index: int
    condition: int
    weight_grams: int
    min_order: int
    showcase_id: int
    created: int
    updated: int
    price_updated: int
    sold: int
    views: int
    parent_id: int | None = None
    children: list[int] = field(default_factory=list)
    option_ids: tuple[int, ...] = ()
    description: str = ""

    @property
    def total_stock(self) -> int:
        return sum(self.stock.values())


class OrderItem(NamedTuple):
    product_id: int
    name: str
    sku: str
    quantity: int
    price: int
    weight_grams: int

    @property
    def total_price(self) -> int:
        return self.price * self.quantity


@dataclass(slots=True)
class Order:
    order_id: int
    shop_id: int
    warehouse_id: int
    create_time: int
    items: tuple[OrderItem, ...]
    courier_index: int
    shipping_cost: int
    insurance_cost: int
    voucher_amount: int
    payment_id: int
    buyer_id: int
    accept_partial: bool
    history: list[tuple[int, int]]
    """(status, unix time) oldest first; the last entry is the current status."""
    awb: str = ""
    printed: bool = False

    @property
    def status(self) -> int:
        return self.history[-1][0]

    @property
    def update_time(self) -> int:
        return self.history[-1][1]

    @property
    def paid(self) -> bool:
        """True once the order reached 220, from when the order list and webhooks show it."""
        return any(status == 220 for status, _ in self.history)

    @property
    def product_price(self) -> int:
        return sum(item.total_price for item in self.items)

    @property
    def total_amount(self) -> int:
        return self.product_price + self.shipping_cost + self.insurance_cost - self.voucher_amount

    @property
    def invoice(self) -> str:
        day = datetime.fromtimestamp(self.create_time, UTC).strftime("%Y%m%d")
        return f"INV/{day}/MPL/{self.order_id}"
