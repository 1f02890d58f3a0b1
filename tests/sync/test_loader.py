"""The loader against the real Postgres, fed records read from the sandbox over HTTP: every
status change an order goes through is kept, and a record read twice in one batch loads as it
was read last."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.client.conftest import sandbox_config
from tokopedia_sync.client import TokopediaClient
from tokopedia_sync.db.migrate import migrate
from tokopedia_sync.sync.loader import OrderLoader, ProductLoader
from tokopedia_sync.sync.rows import order_rows, product_rows

RUN_ID = 1


@pytest.fixture
def conn(staging_url):
    with psycopg.connect(staging_url, autocommit=True) as conn:
        migrate(conn, "tokopedia")
        yield conn


def an_order_with_two_lines(sandbox) -> dict:
    now = datetime.now(UTC)
    with TokopediaClient(sandbox_config(sandbox)) as client:
        orders = client.orders.list(now - timedelta(days=3), now)
        return next(order for order in orders if len(order["products"]) >= 2)


def changed(order: dict, status: int, **fields) -> dict:
    """The order as Tokopedia would list it later, in `status`."""
    return {**copy.deepcopy(order), "order_status": status, **fields}


def load(loader: OrderLoader, *orders: dict) -> None:
    rows, items = [], []
    for order in orders:
        row, lines = order_rows(order)
        rows.append(row)
        items.extend(lines)
    loader.load(rows, items)


def test_an_order_back_in_a_status_it_had_before_gets_a_row_for_every_change(conn, sandbox):
    order = an_order_with_two_lines(sandbox)
    loader = OrderLoader(conn, "tokopedia", RUN_ID)

    load(loader, changed(order, 500))
    load(loader, changed(order, 530))
    load(loader, changed(order, 500))
    # The AWB arrives: the order changed, its status did not.
    load(loader, changed(order, 500, custom_fields={"awb": "JNE0123456789"}))

    history = conn.execute(
        "SELECT status_code, status_name, source FROM tokopedia.order_status_history "
        "WHERE order_id = %s ORDER BY history_id",
        (order["order_id"],),
    ).fetchall()
    assert history == [
        (500, "Order shipment", "poll"),
        (530, "Requested by user to correct invalid entry of shipment reference number", "poll"),
        (500, "Order shipment", "poll"),
    ]
    assert conn.execute(
        "SELECT status_code, awb FROM tokopedia.orders WHERE order_id = %s", (order["order_id"],)
    ).fetchone() == (500, "JNE0123456789")


def test_an_order_read_twice_in_one_batch_loads_as_read_last_with_that_reads_lines(conn, sandbox):
    order = an_order_with_two_lines(sandbox)
    later = changed(order, 500, products=order["products"][:1])
    loader = OrderLoader(conn, "tokopedia", RUN_ID)

    load(loader, changed(order, 400), later)

    status, item_count = conn.execute(
        "SELECT status_code, item_count FROM tokopedia.orders WHERE order_id = %s",
        (order["order_id"],),
    ).fetchone()
    lines = conn.execute(
        "SELECT line_no, product_id, quantity FROM tokopedia.order_items WHERE order_id = %s",
        (order["order_id"],),
    ).fetchall()
    history = conn.execute(
        "SELECT status_code FROM tokopedia.order_status_history WHERE order_id = %s",
        (order["order_id"],),
    ).fetchall()
    only = later["products"][0]
    assert (status, item_count) == (500, 1)
    assert lines == [(1, only["id"], only["quantity"])]
    assert history == [(500,)]


def test_a_product_read_twice_in_one_batch_loads_as_read_last(conn, sandbox):
    with TokopediaClient(sandbox_config(sandbox)) as client:
        product = next(
            p
            for page in client.products.pages()
            for p in page.products
            if p.get("warehouses") and not (p.get("variant") or {}).get("isParent")
        )
    earlier, later = copy.deepcopy(product), copy.deepcopy(product)
    earlier["stock"]["value"] = 11
    earlier["warehouses"][0]["stock"]["value"] = 11
    later["stock"]["value"] = 7
    later["warehouses"][0]["stock"]["value"] = 7
    rows, stocks = [], []
    for version in (earlier, later):
        row, lines = product_rows(version)
        rows.append(row)
        stocks.extend(lines)

    ProductLoader(conn, "tokopedia", RUN_ID).load(rows, stocks, remember_seen=False)

    product_id = product["basic"]["productID"]
    warehouse_id = product["warehouses"][0]["warehouseID"]
    assert conn.execute(
        "SELECT p.stock, s.stock FROM tokopedia.products p JOIN tokopedia.product_stock s "
        "USING (product_id) WHERE product_id = %s AND s.warehouse_id = %s",
        (product_id, warehouse_id),
    ).fetchone() == (7, 7)
