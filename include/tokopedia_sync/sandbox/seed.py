"""Deterministic generation of the sandbox's shops, products and order histories.

Everything is drawn from one `random.Random(seed)`, so the same seed and sizes give the same data
(create times are relative to the moment of seeding).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

from tokopedia_sync.sandbox.catalog import BRANDS, CATEGORIES, SHOWCASE_NAMES, VARIANT_AXES
from tokopedia_sync.sandbox.model import (
    PRODUCT_ACTIVE,
    PRODUCT_INACTIVE,
    Order,
    OrderItem,
    Product,
    Shop,
    Showcase,
)
from tokopedia_sync.sandbox.settings import ShopSpec

# The way an order moves on from each open status: (weight, next status, delay range in seconds).
# Seeded histories use the delays; the live simulation only uses the weights.
TRANSITIONS: dict[int, tuple[tuple[int, int, tuple[int, int]], ...]] = {
    100: ((1, 220, (5, 900)),),
    220: (
        (90, 400, (600, 43_200)),
        (4, 0, (172_800, 172_800)),
        (3, 10, (600, 7_200)),
        (3, 15, (60, 3_600)),
    ),
    400: ((60, 450, (1_800, 36_000)), (40, 500, (3_600, 86_400))),
    450: ((1, 500, (3_600, 43_200)),),
    500: ((92, 600, (86_400, 345_600)), (3, 540, (86_400, 172_800)), (5, 550, (172_800, 432_000))),
    540: ((1, 600, (3_600, 86_400)),),
    600: ((1, 700, (86_400, 259_200)),),
}

ORDER_ID_START = 100_000_000
PRODUCT_ID_START = 15_000_000
USER_ID_START = 5_500_000


def next_status(rng: random.Random, status: int) -> tuple[int, tuple[int, int]] | None:
    """Pick where an order in `status` goes next, or None when the status is final."""
    choices = TRANSITIONS.get(status)
    if not choices:
        return None
    weights = [weight for weight, _, _ in choices]
    _, status_next, delay = rng.choices(choices, weights=weights)[0]
    return status_next, delay


def make_awb(rng: random.Random, courier_code: str) -> str:
    return f"{courier_code.upper()[:3]}{rng.randrange(10**11, 10**12)}"


def make_shop(spec: ShopSpec, index: int, rng: random.Random) -> Shop:
    showcases = [
        Showcase(spec.shop_id * 100 + i, name, name.lower().replace(" ", "-"))
        for i, name in enumerate(SHOWCASE_NAMES[: 3 + index % 3])
    ]
    created = datetime(2018 + index % 5, 1 + index % 12, 1 + index % 27, tzinfo=UTC)
    return Shop(
        shop_id=spec.shop_id,
        name=spec.name,
        domain=spec.name.lower().replace(" ", "") or f"shop{spec.shop_id}",
        user_id=USER_ID_START + index * 97 + rng.randrange(90),
        created_date=created.strftime("%Y-%m-%d"),
        warehouse_ids=[spec.shop_id * 10 + i for i in range(max(1, spec.warehouses))],
        showcases=showcases,
    )


def make_products(
    rng: random.Random, shop: Shop, count: int, first_id: int, now: int
) -> Iterator[Product]:
    """About 15 % of the products are variant parents with two to four variant children."""
    product_id = first_id
    made = 0
    while made < count:
        category_index = rng.randrange(len(CATEGORIES))
        category = CATEGORIES[category_index]
        name = f"{rng.choice(category.nouns)} {rng.choice(BRANDS)} {rng.randrange(100, 999)}"
        created = now - rng.randrange(86_400, 400 * 86_400)
        common = {
            "shop_id": shop.shop_id,
            "category_index": category_index,
            "condition": 1,
            "weight_grams": rng.randrange(50, 3_000, 50),
            "min_order": 1,
            "showcase_id": rng.choice(shop.showcases).showcase_id,
            "created": created,
            "updated": created,
            "price_updated": created,
            "sold": rng.randrange(0, 5_000),
            "views": rng.randrange(0, 50_000),
            "description": f"{name}. Produk original, bergaransi, dikirim dari gudang kami.",
        }
        variant_count = rng.randrange(2, 5) if rng.random() < 0.15 else 0
        if variant_count and made + 1 + variant_count <= count:
            parent = Product(
                product_id=product_id,
                name=name,
                sku="",
                price=_price(rng),
                stock={},
                status=PRODUCT_ACTIVE,
                **common,
            )
            axis_index = rng.randrange(len(VARIANT_AXES))
            values = VARIANT_AXES[axis_index][2]
            yield parent
            for position, value in enumerate(rng.sample(values, variant_count)):
                child_id = product_id + 1 + position
                parent.children.append(child_id)
                yield Product(
                    product_id=child_id,
                    name=f"{name} - {value}",
                    sku=f"{_sku_prefix(name)}-{child_id}",
                    price=_price(rng),
                    stock=_stock(rng, shop),
                    status=PRODUCT_ACTIVE,
                    parent_id=product_id,
                    option_ids=(option_id(axis_index, values.index(value)),),
                    **common,
                )
            product_id += 1 + variant_count
            made += 1 + variant_count
        else:
            yield Product(
                product_id=product_id,
                name=name,
                sku=f"{_sku_prefix(name)}-{product_id}",
                price=_price(rng),
                stock=_stock(rng, shop),
                status=PRODUCT_ACTIVE if rng.random() < 0.92 else PRODUCT_INACTIVE,
                **common,
            )
            product_id += 1
            made += 1


def option_id(axis_index: int, value_index: int) -> int:
    """The id of a variant option; `split_option_id` reads it back."""
    return 40_000 + axis_index * 100 + value_index


def split_option_id(option: int) -> tuple[int, int]:
    return divmod(option - 40_000, 100)


def _price(rng: random.Random) -> int:
    return rng.randrange(5_000, 1_000_000, 500)


def _stock(rng: random.Random, shop: Shop) -> dict[int, int]:
    return {
        warehouse_id: 0 if rng.random() < 0.05 else rng.randrange(1, 500)
        for warehouse_id in shop.warehouse_ids
    }


def _sku_prefix(name: str) -> str:
    return "".join(word[0] for word in name.split()[:3]).upper()


def make_order(
    rng: random.Random,
    order_id: int,
    shop: Shop,
    sellable: list[Product],
    create_time: int,
    courier_count: int,
) -> Order:
    """An order of one to three sellable products, in status 100 (created, not yet paid)."""
    items = []
    for product in rng.sample(sellable, min(len(sellable), rng.choice((1, 1, 1, 2, 2, 3)))):
        items.append(
            OrderItem(
                product_id=product.product_id,
                name=product.name,
                sku=product.sku,
                quantity=rng.choice((1, 1, 1, 2, 3)),
                price=product.price,
                weight_grams=product.weight_grams,
            )
        )
    product_price = sum(item.total_price for item in items)
    return Order(
        order_id=order_id,
        shop_id=shop.shop_id,
        warehouse_id=rng.choice(shop.warehouse_ids),
        create_time=create_time,
        items=tuple(items),
        courier_index=rng.randrange(courier_count),
        shipping_cost=rng.randrange(9_000, 60_000, 1_000),
        insurance_cost=rng.choice((0, 0, 0, 1_500, 2_500)),
        voucher_amount=min(product_price // 10, rng.choice((0, 0, 0, 5_000, 10_000, 25_000))),
        payment_id=order_id - ORDER_ID_START + 11_000_000,
        buyer_id=8_000_000 + rng.randrange(2_000_000),
        accept_partial=rng.random() < 0.2,
        history=[(100, create_time)],
    )


def play_history(rng: random.Random, order: Order, until: int, courier_code: str) -> None:
    """Walk a seeded order along `TRANSITIONS` with realistic delays, stopping at `until`."""
    moment = order.create_time
    status = order.status
    while (step := next_status(rng, status)) is not None:
        status, (low, high) = step
        moment += rng.randint(low, high)
        if moment > until:
            return
        if status == 500:
            order.awb = make_awb(rng, courier_code)
        order.history.append((status, moment))
