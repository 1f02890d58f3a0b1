"""The sandbox's world: shops, products and orders, what the API can do to them, and how they
change on their own while the server runs."""

from __future__ import annotations

import bisect
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tokopedia_sync.order_status import FINAL_STATUSES, PAYMENT_VERIFIED
from tokopedia_sync.sandbox import seed
from tokopedia_sync.sandbox.catalog import COURIERS
from tokopedia_sync.sandbox.errors import (
    ROW_BAD_PRODUCT,
    ROW_BAD_SKU,
    ROW_THROTTLED,
    ApiError,
    bad_request,
    not_found,
    shop_not_linked,
)
from tokopedia_sync.sandbox.model import (
    PRODUCT_ACTIVE,
    PRODUCT_DELETED,
    PRODUCT_INACTIVE,
    Order,
    Product,
    Shop,
)
from tokopedia_sync.sandbox.settings import SandboxSettings

NACK_REASONS = {0, 1, 2, 3, 4, 5, 7, 8}
ACCEPTABLE = {220, 221}
REJECTABLE = {220, 221, 400}
SHIPPABLE = {400, 450}
CANCELLED = {0, 10, 15}
MAX_STOCK = 999_999
MIN_PRICE, MAX_PRICE = 100, 100_000_000
MAX_NAME, MAX_DESCRIPTION, MAX_SKU = 70, 2_000, 50
MAX_AWB = 100
"""No limit is documented for `shipping_ref_num`; couriers' AWBs are far shorter than this."""
CONDITIONS = {"NEW": 1, "USED": 2}
STOCK_STATUSES = {"UNLIMITED": PRODUCT_ACTIVE, "LIMITED": PRODUCT_ACTIVE, "EMPTY": PRODUCT_INACTIVE}
"""The v3 `status` of a product and the product status it gives."""

Clock = Callable[[], float]


@dataclass(frozen=True)
class ProductChange:
    action: str
    product_id: int
    shop_id: int
    warehouse_id: int
    value: str
    previous_value: str
    update_time: int
    is_default_warehouse: bool


@dataclass(frozen=True)
class Event:
    """Something a registered webhook hears about."""

    kind: str
    shop_id: int
    order_id: int | None = None
    changes: tuple[ProductChange, ...] = ()
    upload: dict | None = None


@dataclass
class RowResult:
    """Outcome of a bulk stock or price update, in the shape the API reports it."""

    succeeded: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)


class _OpenOrders:
    """Open orders of a shop, with O(1) random pick and removal."""

    def __init__(self) -> None:
        self._ids: list[int] = []
        self._where: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, order_id: int) -> None:
        if order_id not in self._where:
            self._where[order_id] = len(self._ids)
            self._ids.append(order_id)

    def discard(self, order_id: int) -> None:
        index = self._where.pop(order_id, None)
        if index is None:
            return
        last = self._ids.pop()
        if last != order_id:
            self._ids[index] = last
            self._where[last] = index

    def pick(self, rng: random.Random) -> int:
        return self._ids[rng.randrange(len(self._ids))]


class SandboxState:
    """All data of one sandbox run. Not thread-safe: the server touches it from one event loop."""

    def __init__(self, settings: SandboxSettings, clock: Clock = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.shops: dict[int, Shop] = {}
        self.products: dict[int, Product] = {}
        self.orders: dict[int, Order] = {}
        self._skus: dict[tuple[int, str], int] = {}
        self._sorted: dict[tuple[int, int], list[Product]] = {}
        """Per (shop, sort), the shop's products in that order; dropped when a product changes."""
        self._listed: dict[int, tuple[list[int], list[int]]] = {}
        """Per shop, (create times, order ids) of the orders that reached 220, in create order."""
        self._listed_ids: set[int] = set()
        self._open: dict[int, _OpenOrders] = {}
        self._invoices: dict[str, int] = {}
        self._uploads: dict[int, dict] = {}
        self._listeners: list[Callable[[Event], None]] = []
        self._next_order_id = seed.ORDER_ID_START
        self._next_product_id = seed.PRODUCT_ID_START
        self._next_upload_id = 5_000
        self._rng = random.Random(settings.seed + 1)
        self._carry_new = 0.0
        self._carry_advance = 0.0
        self._seed()

    # ---- seeding -------------------------------------------------------------------------

    def _seed(self) -> None:
        rng = random.Random(self.settings.seed)
        now = int(self.clock())
        for index, spec in enumerate(self.settings.shops):
            shop = seed.make_shop(spec, index, rng)
            self.shops[shop.shop_id] = shop
            self._listed[shop.shop_id] = ([], [])
            self._open[shop.shop_id] = _OpenOrders()
            for product in seed.make_products(
                rng, shop, self.settings.products_per_shop, self._next_product_id, now
            ):
                self._add_product(product)
            self._next_product_id = max(self.products, default=self._next_product_id) + 1
            sellable = self._sellable(shop)
            span = self.settings.history_days * 86_400
            times = sorted(
                rng.randrange(now - span, now - 60) for _ in range(self.settings.orders_per_shop)
            )
            for create_time in times:
                order = self._new_order(rng, shop, sellable, create_time)
                order.history.append((PAYMENT_VERIFIED, create_time + rng.randrange(5, 600)))
                seed.play_history(rng, order, now, COURIERS[order.courier_index].code)
                self._track(order)

    def _sellable(self, shop: Shop) -> list[Product]:
        return [
            p
            for pid in shop.product_ids
            if not (p := self.products[pid]).children and p.status == PRODUCT_ACTIVE
        ]

    def _add_product(self, product: Product) -> None:
        self.products[product.product_id] = product
        self.shops[product.shop_id].product_ids.append(product.product_id)
        if product.sku:
            self._skus[(product.shop_id, product.sku)] = product.product_id
        self._products_changed(product.shop_id)

    def _products_changed(self, shop_id: int) -> None:
        """Forget the shop's sorted product lists: a sort key or the membership changed."""
        for key in [key for key in self._sorted if key[0] == shop_id]:
            del self._sorted[key]

    def _new_order(
        self, rng: random.Random, shop: Shop, sellable: list[Product], create_time: int
    ) -> Order:
        order = seed.make_order(
            rng, self._next_order_id, shop, sellable, create_time, len(COURIERS)
        )
        self._next_order_id += 1
        self.orders[order.order_id] = order
        self._invoices[order.invoice] = order.order_id
        shop.order_ids.append(order.order_id)
        shop.order_times.append(create_time)
        return order

    def _track(self, order: Order) -> None:
        """Keep the listing index and the open set in step with an order's status."""
        if order.order_id not in self._listed_ids and order.paid:
            times, ids = self._listed[order.shop_id]
            at = bisect.bisect_right(times, order.create_time)
            times.insert(at, order.create_time)
            ids.insert(at, order.order_id)
            self._listed_ids.add(order.order_id)
        if order.status in FINAL_STATUSES:
            self._open[order.shop_id].discard(order.order_id)
        else:
            self._open[order.shop_id].add(order.order_id)

    # ---- events --------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        self._listeners.append(listener)

    def _emit(self, event: Event) -> None:
        for listener in self._listeners:
            listener(event)

    # ---- lookups -------------------------------------------------------------------------

    def shop(self, shop_id: int) -> Shop:
        """A shop linked to the sandbox app; any other id is a shop the fs_id may not touch."""
        found = self.shops.get(shop_id)
        if found is None:
            raise shop_not_linked(shop_id)
        return found

    def shop_of_warehouse(self, warehouse_id: int) -> Shop:
        for shop in self.shops.values():
            if warehouse_id in shop.warehouse_ids:
                return shop
        raise ApiError(
            403,
            "RBAC_MDLW_001",
            f"fs_id is not associated with warehouse_id {warehouse_id}",
            "Forbidden",
        )

    def order(self, order_id: int) -> Order:
        found = self.orders.get(order_id)
        if found is None:
            raise not_found("ORD_API_008")
        return found

    def order_by_invoice(self, invoice: str) -> Order:
        order_id = self._invoices.get(invoice)
        if order_id is None:
            raise not_found("ORD_API_008")
        return self.orders[order_id]

    def live_product(self, product_id: int) -> Product | None:
        product = self.products.get(product_id)
        if product is None or product.status == PRODUCT_DELETED:
            return None
        return product

    def live_children(self, product: Product) -> list[Product]:
        """The variants of a parent product that were not deleted."""
        return [
            child
            for child_id in product.children
            if (child := self.products[child_id]).status != PRODUCT_DELETED
        ]

    def product_by_sku(self, shop_id: int, sku: str) -> Product | None:
        product_id = self._skus.get((shop_id, sku))
        return None if product_id is None else self.live_product(product_id)

    def listed_orders(
        self,
        shops: list[Shop],
        from_date: int,
        to_date: int,
        status: int | None,
        warehouse_id: int | None,
    ) -> list[Order]:
        """Orders that reached 220 with `from_date <= create_time <= to_date`, oldest first.

        Both ends are inclusive: the reference does not say, and inclusive is the reading that
        never hides an order from a client that walks windows edge to edge.
        """
        found: list[Order] = []
        for shop in shops:
            times, ids = self._listed[shop.shop_id]
            lo = bisect.bisect_left(times, from_date)
            hi = bisect.bisect_right(times, to_date)
            found.extend(map(self.orders.__getitem__, ids[lo:hi]))
        if status is not None:
            found = [order for order in found if order.status == status]
        if warehouse_id is not None:
            found = [order for order in found if order.warehouse_id == warehouse_id]
        # Each shop's orders are in create order already; only several shops need merging.
        if len(shops) > 1:
            found.sort(key=lambda order: (order.create_time, order.order_id))
        return found

    def shop_products(self, shop: Shop, sort: int, start: int, count: int) -> list[Product]:
        """`count` of the shop's products from `start`, in the API's `sort` order."""
        if sort not in _PRODUCT_SORTS:
            return [self.products[pid] for pid in shop.product_ids[start : start + count]]
        ordered = self._sorted.get((shop.shop_id, sort))
        if ordered is None:
            key, descending = _PRODUCT_SORTS[sort]
            ordered = sorted(
                (self.products[pid] for pid in shop.product_ids), key=key, reverse=descending
            )
            self._sorted[(shop.shop_id, sort)] = ordered
        return ordered[start : start + count]

    # ---- orders: what the seller does ------------------------------------------------------

    def ack(self, order_id: int) -> None:
        order = self.order(order_id)
        if order.status not in ACCEPTABLE:
            raise bad_request("ORD_USC_001", "Order status not eligible to accept")
        self._move(order, 400)

    def nack(self, order_id: int, body: dict) -> None:
        order = self.order(order_id)
        code = body.get("reason_code")
        if isinstance(code, bool) or not isinstance(code, int) or code not in NACK_REASONS:
            raise bad_request(
                "ORD_USC_009",
                f"reason_code {code!r} is not one of {sorted(NACK_REASONS)}",
            )
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise bad_request("ORD_USC_009", "Mandatory to fill reject reason")
        limit = 490 if code in (7, 8) else 512
        if len(reason) > limit:
            raise bad_request("ORD_USC_009", f"reason is longer than {limit} characters")
        if code == 4:
            self._check_shop_close(body)
        empty = body.get("empty_products")
        if empty is not None and (
            not isinstance(empty, list)
            or any(isinstance(pid, bool) or not isinstance(pid, int) for pid in empty)
        ):
            raise bad_request(
                "ORD_USC_009", f"empty_products must be a list of product ids, got {empty!r:.80}"
            )
        if order.status not in REJECTABLE:
            raise bad_request("ORD_USC_008", "Order status not eligible to reject")
        self._move(order, 10)

    def _check_shop_close(self, body: dict) -> None:
        end, note = body.get("shop_close_end_date"), body.get("shop_close_note")
        if not end or not note:
            raise bad_request(
                "ORD_USC_012", "shop_close_end_date and shop_close_note are mandatory for code 4"
            )
        # No limit is documented for the note; the sandbox holds it to the reason's 512.
        if not isinstance(note, str) or not note.strip() or len(note) > 512:
            raise bad_request("ORD_USC_012", "shop_close_note must be text of 1 to 512 characters")
        try:
            closes = datetime.strptime(str(end), "%d/%m/%Y").replace(tzinfo=UTC)
        except ValueError:
            raise bad_request(
                "ORD_USC_013", f"shop_close_end_date {end!r} is not DD/MM/YYYY"
            ) from None
        if closes.timestamp() < self.clock() - 86_400:
            raise bad_request("ORD_USC_013", "shop_close_end_date is in the past")

    def confirm_shipping(self, order_id: int, body: dict) -> None:
        order = self.order(order_id)
        awb = body.get("shipping_ref_num")
        status = body.get("order_status")
        if isinstance(status, bool) or not isinstance(status, int) or status != 500:
            raise bad_request("ORD_DLV_023", "order_status must be 500 to confirm shipping")
        if not isinstance(awb, str) or not awb.strip():
            raise bad_request("ORD_DLV_021", "shipping_ref_num is empty")
        if len(awb.strip()) > MAX_AWB:
            raise bad_request(
                "ORD_DLV_021", f"shipping_ref_num is longer than {MAX_AWB} characters"
            )
        if order.status not in SHIPPABLE:
            raise bad_request(
                "LGS_USC_006", f"order is in status {order.status}; only 400 or 450 can ship"
            )
        order.awb = awb.strip()
        self._move(order, 500)

    def pick_up(self, order_id: int, shop_id: int) -> Order:
        order = self.order(order_id)
        if order.shop_id != shop_id:
            raise not_found("ORD_API_008")
        if order.status != 400:
            raise bad_request(
                "ORD_API_008", f"order is in status {order.status}; pick-up needs status 400"
            )
        order.awb = order.awb or seed.make_awb(self._rng, COURIERS[order.courier_index].code)
        self._move(order, 450)
        return order

    def _move(self, order: Order, status: int) -> None:
        was_paid = order.paid
        order.history.append((status, max(int(self.clock()), order.update_time)))
        self._track(order)
        if status == PAYMENT_VERIFIED and not was_paid:
            self._emit(Event("order_notification", order.shop_id, order.order_id))
        elif order.paid:
            self._emit(Event("order_status", order.shop_id, order.order_id))
            if status in CANCELLED:
                self._emit(Event("order_cancellation", order.shop_id, order.order_id))

    # ---- the world moving on -----------------------------------------------------------

    def run_for(self, seconds: float) -> None:
        """Let `seconds` of simulated business happen at the configured rates."""
        self._carry_new += self.settings.new_orders_per_minute * seconds / 60
        self._carry_advance += self.settings.advances_per_minute * seconds / 60
        new, self._carry_new = int(self._carry_new), self._carry_new % 1
        advances, self._carry_advance = int(self._carry_advance), self._carry_advance % 1
        if new or advances:
            self.tick(new, advances)

    def tick(self, new_orders: int, advances: int, shop_id: int | None = None) -> dict:
        """Create `new_orders` and advance `advances` open orders in each shop (or one shop)."""
        shops = [self.shop(shop_id)] if shop_id is not None else list(self.shops.values())
        created: list[int] = []
        advanced: list[int] = []
        for shop in shops:
            sellable = self._sellable(shop)
            for _ in range(new_orders if sellable else 0):
                order = self._new_order(self._rng, shop, sellable, int(self.clock()))
                self._track(order)
                created.append(order.order_id)
                if self._rng.random() < 0.8:
                    self._move(order, PAYMENT_VERIFIED)
            open_orders = self._open[shop.shop_id]
            for _ in range(min(advances, len(open_orders))):
                order = self.orders[open_orders.pick(self._rng)]
                step = seed.next_status(self._rng, order.status)
                if step is None:
                    open_orders.discard(order.order_id)
                    continue
                if step[0] == 500 and not order.awb:
                    order.awb = seed.make_awb(self._rng, COURIERS[order.courier_index].code)
                self._move(order, step[0])
                advanced.append(order.order_id)
        return {"created": created, "advanced": advanced}

    # ---- products -----------------------------------------------------------------------

    def update_rows(
        self, shop: Shop, warehouse_id: int | None, rows: list[dict], action: str
    ) -> RowResult:
        """Apply stock or price rows: `action` is stock_overwrite, stock_increment,
        stock_decrement or price_changes. The sku of a row wins over its product_id."""
        warehouse = shop.default_warehouse if warehouse_id is None else warehouse_id
        if warehouse not in shop.warehouse_ids:
            raise bad_request(
                "PRD_DLV_042", f"warehouse_id {warehouse} does not belong to the shop"
            )
        value_key = VALUE_KEYS[action]
        result = RowResult()
        changes: list[ProductChange] = []
        now = int(self.clock())
        for row in rows:
            product, failure = self._row_product(shop, row)
            value = row.get(value_key)
            if product is not None and failure is None:
                failure = _row_value_problem(action, value, product, warehouse)
            if failure is not None:
                result.failed.append(_failed_row(row, value_key, failure))
                continue
            assert product is not None
            before = product.price if action == "price_changes" else product.stock[warehouse]
            after = _apply(action, before, value)
            if action == "price_changes":
                product.price = after
                product.price_updated = now
            else:
                product.stock[warehouse] = after
            product.updated = now
            changes.append(
                ProductChange(
                    action=action,
                    product_id=product.product_id,
                    shop_id=shop.shop_id,
                    warehouse_id=warehouse,
                    value=str(after),
                    previous_value=str(before),
                    update_time=now,
                    is_default_warehouse=warehouse == shop.default_warehouse,
                )
            )
            result.succeeded.append(
                {
                    "productID": product.product_id,
                    "warehouseID": warehouse,
                    "shopID": shop.shop_id,
                    "stock": product.stock[warehouse],
                    "price": product.price,
                }
            )
        if changes:
            self._products_changed(shop.shop_id)
            self._emit(Event("product_changes", shop.shop_id, changes=tuple(changes)))
        return result

    def _row_product(self, shop: Shop, row: dict) -> tuple[Product | None, str | None]:
        sku = row.get("sku")
        if isinstance(sku, str) and sku:
            product = self.product_by_sku(shop.shop_id, sku)
            return (product, None) if product is not None else (None, ROW_BAD_SKU)
        product_id = row.get("product_id")
        if isinstance(product_id, bool) or not isinstance(product_id, int):
            return None, ROW_BAD_PRODUCT
        product = self.live_product(product_id)
        if product is None or product.shop_id != shop.shop_id:
            return None, ROW_BAD_PRODUCT
        return product, None

    def set_status(self, shop: Shop, product_ids: list, status: int) -> list[str]:
        """Activate, deactivate or delete products; returns the failure texts."""
        failures = []
        changes = []
        now = int(self.clock())
        for product_id in product_ids:
            product = self.live_product(product_id) if _is_int(product_id) else None
            if product is None or product.shop_id != shop.shop_id:
                failures.append(
                    f"Error Product ID [{product_id}] : "
                    "There are some problem when retrieve product info"
                )
                continue
            changes += self._restatus(shop, product, status, now)
        if changes:
            self._products_changed(shop.shop_id)
            self._emit(Event("product_changes", shop.shop_id, changes=tuple(changes)))
        return failures

    def _restatus(self, shop: Shop, product: Product, status: int, now: int) -> list[ProductChange]:
        """Give a product and its live variants `status`; returns the changes to announce."""
        changes = []
        # A variant deleted on its own stays deleted whatever later happens to its parent.
        for member in [product, *self.live_children(product)]:
            previous = member.status
            member.status = status
            member.updated = now
            if status == PRODUCT_DELETED and member.product_id in shop.product_ids:
                shop.product_ids.remove(member.product_id)
            changes.append(
                ProductChange(
                    "status_changes",
                    member.product_id,
                    shop.shop_id,
                    shop.default_warehouse,
                    str(status),
                    str(previous),
                    now,
                    True,
                )
            )
        return changes

    def create_products(self, shop: Shop, items: list[dict], granted: int) -> int:
        """Create products from v3 create items; returns the upload id to poll.

        Items past `granted` were over the rate budget and fail without being looked at.
        """
        succeeded: list[dict] = []
        failed = [_throttled_upload_row(item) for item in items[granted:]]
        now = int(self.clock())
        for item in items[:granted]:
            problems = _product_problems(item, creating=True)
            sku = item.get("sku") or ""
            if self._sku_taken(shop, sku, None):
                problems.append(f"sku {sku} is already used by another product")
            if problems:
                failed.append(
                    {"product_name": item.get("name"), "product_sku": sku, "error": problems}
                )
                continue
            product = Product(
                product_id=self._next_product_id,
                shop_id=shop.shop_id,
                name=item["name"],
                sku=sku,
                price=item["price"],
                stock={
                    **dict.fromkeys(shop.warehouse_ids, 0),
                    shop.default_warehouse: item["stock"],
                },
                status=STOCK_STATUSES[item.get("status", "LIMITED")],
                category_index=0,
                condition=CONDITIONS[item.get("condition", "NEW")],
                weight_grams=item.get("weight", 100),
                min_order=item.get("min_order", 1),
                showcase_id=shop.showcases[0].showcase_id,
                created=now,
                updated=now,
                price_updated=now,
                sold=0,
                views=0,
                description=item.get("description", ""),
            )
            self._next_product_id += 1
            self._add_product(product)
            succeeded.append({"product_id": product.product_id})
        upload = self._record_upload(len(items), succeeded, failed)
        self._emit(Event("product_creation", shop.shop_id, upload=upload))
        return upload["upload_id"]

    def edit_products(self, shop: Shop, items: list[dict], granted: int) -> int:
        """Apply v3 edits (only the fields given change); returns the upload id to poll.

        Price, stock and status edits are announced as product changes, as the stock and price
        endpoints announce theirs.
        """
        succeeded: list[dict] = []
        failed = [_throttled_upload_row(item) for item in items[granted:]]
        changes: list[ProductChange] = []
        for item in items[:granted]:
            product_id = item.get("id")
            product = self.live_product(product_id) if _is_int(product_id) else None
            problems = _product_problems(item, creating=False)
            if product is None or product.shop_id != shop.shop_id:
                problems.insert(0, f"product id {product_id!r} is not a product of this shop")
            elif "stock" in item and product.children:
                problems.append("a product with variants has no stock of its own: edit each one")
            elif not problems and self._sku_taken(shop, item.get("sku"), product):
                problems.append(f"sku {item['sku']} is already used by another product")
            if problems:
                failed.append({"product_id": product_id, "error": problems})
                continue
            assert product is not None
            changes += self._edit(shop, product, item)
            succeeded.append({"product_id": product.product_id})
        if succeeded:
            self._products_changed(shop.shop_id)
        if changes:
            self._emit(Event("product_changes", shop.shop_id, changes=tuple(changes)))
        return self._record_upload(len(items), succeeded, failed)["upload_id"]

    def _edit(self, shop: Shop, product: Product, item: dict) -> list[ProductChange]:
        """Apply one checked edit item; returns the changes a webhook announces."""
        now = int(self.clock())
        warehouse = shop.default_warehouse
        # (action, value before, value after) of each change a webhook announces.
        moves: list[tuple[str, int, int]] = []
        for key in ("name", "description", "min_order"):
            if key in item:
                setattr(product, key, item[key])
        if "weight" in item:
            product.weight_grams = item["weight"]
        if "condition" in item:
            product.condition = CONDITIONS[item["condition"]]
        if "price" in item:
            moves.append(("price_changes", product.price, item["price"]))
            product.price, product.price_updated = item["price"], now
        if "stock" in item:
            moves.append(("stock_overwrite", product.stock[warehouse], item["stock"]))
            product.stock[warehouse] = item["stock"]
        if "sku" in item and item["sku"] != product.sku:
            self._skus.pop((shop.shop_id, product.sku), None)
            product.sku = item["sku"]
            if product.sku:
                self._skus[(shop.shop_id, product.sku)] = product.product_id
        product.updated = now
        announced = [
            ProductChange(
                action,
                product.product_id,
                shop.shop_id,
                warehouse,
                str(after),
                str(before),
                now,
                is_default_warehouse=True,
            )
            for action, before, after in moves
        ]
        if "status" in item:
            announced += self._restatus(shop, product, STOCK_STATUSES[item["status"]], now)
        return announced

    def _sku_taken(self, shop: Shop, sku: object, product: Product | None) -> bool:
        """Whether another product of the shop than `product` already has `sku`."""
        owner = self.product_by_sku(shop.shop_id, sku) if isinstance(sku, str) and sku else None
        return owner is not None and owner is not product

    def _record_upload(self, total: int, succeeded: list, failed: list) -> dict:
        upload = {
            "upload_id": self._next_upload_id,
            "status": "DONE",
            "total_data": total,
            "unprocessed_rows": 0,
            "success_rows": len(succeeded),
            "failed_rows": len(failed),
            "processed": total,
            "success_rows_data": succeeded,
            "failed_rows_data": failed,
        }
        self._uploads[self._next_upload_id] = upload
        self._next_upload_id += 1
        return upload

    def upload(self, upload_id: int) -> dict:
        found = self._uploads.get(upload_id)
        if found is None:
            raise not_found("PRD_API_008")
        return found


VALUE_KEYS = {
    "stock_overwrite": "new_stock",
    "stock_increment": "stock_value",
    "stock_decrement": "stock_value",
    "price_changes": "new_price",
}

_PRODUCT_SORTS: dict[int, tuple[Callable[[Product], Any], bool]] = {
    2: (lambda p: p.updated, True),
    3: (lambda p: p.sold, True),
    4: (lambda p: p.sold, False),
    5: (lambda p: p.price, True),
    6: (lambda p: p.price, False),
    7: (lambda p: p.name, False),
    8: (lambda p: p.name, True),
    9: (lambda p: p.total_stock, False),
    10: (lambda p: p.total_stock, True),
}
"""Product list sorts by their API number: (key, descending). Python's sort stays stable when
reversed, so equal keys keep the shop's own order either way."""


def _row_value_problem(action: str, value: object, product: Product, warehouse: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"Invalid value [{value}]: {VALUE_KEYS[action]} should be int."
    if product.children:
        return "Product has variants: update each variant instead."
    if action == "price_changes":
        if not MIN_PRICE <= value <= MAX_PRICE:
            return f"Price must be between {MIN_PRICE} and {MAX_PRICE}."
        return None
    if action == "stock_overwrite" and not 0 <= value <= MAX_STOCK:
        return f"Stock must be between 0 and {MAX_STOCK}."
    if action != "stock_overwrite" and value < 1:
        return "stock_value must be at least 1."
    if action == "stock_decrement" and product.stock[warehouse] - value < 0:
        return f"Stock cannot go below 0 (current stock {product.stock[warehouse]})."
    if action == "stock_increment" and product.stock[warehouse] + value > MAX_STOCK:
        return f"Stock cannot exceed {MAX_STOCK}."
    return None


def _apply(action: str, before: int, value: int) -> int:
    if action == "stock_increment":
        return before + value
    if action == "stock_decrement":
        return before - value
    return value


def _failed_row(row: dict, value_key: str, message: str) -> dict:
    failed = {"sku": row.get("sku") or "", "product_url": "", value_key: row.get(value_key)}
    if "product_id" in row:
        failed = {"product_id": row["product_id"], **failed}
    failed["message"] = message
    return failed


def _throttled_upload_row(item: dict) -> dict:
    return {
        "product_id": item.get("id"),
        "product_name": item.get("name"),
        "error": [ROW_THROTTLED],
    }


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _product_problems(item: dict, *, creating: bool) -> list[str]:
    """What is wrong with a v3 create or edit item, in words that say what to send instead."""
    problems = []
    required = ("name", "price", "stock") if creating else ()
    for key in required:
        if key not in item:
            problems.append(f"{key} is required")
    name, description = item.get("name"), item.get("description")
    if "name" in item and (not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME):
        problems.append(f"name must be text of 1 to {MAX_NAME} characters")
    if "description" in item and (
        not isinstance(description, str) or len(description) > MAX_DESCRIPTION
    ):
        problems.append(f"description must be text of at most {MAX_DESCRIPTION} characters")
    for key, low, high in (
        ("price", MIN_PRICE, MAX_PRICE),
        ("stock", 0, MAX_STOCK),
        ("min_order", 1, 1000),
        ("weight", 1, 500_000),
    ):
        if key in item and not (_is_int(item[key]) and low <= item[key] <= high):
            problems.append(f"{key} must be a whole number from {low} to {high}")
    sku = item.get("sku")
    if "sku" in item and (not isinstance(sku, str) or len(sku) > MAX_SKU):
        problems.append(f"sku must be text of at most {MAX_SKU} characters")
    for key, allowed in (("condition", CONDITIONS), ("status", STOCK_STATUSES)):
        value = item.get(key)
        if key in item and (not isinstance(value, str) or value not in allowed):
            problems.append(f"{key} must be one of {', '.join(allowed)}, got {value!r:.40}")
    return problems
