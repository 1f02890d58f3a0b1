"""Loading batches into the staging tables: COPY into temporary tables, then one upsert that
leaves unchanged rows alone, in a transaction together with the sync state it covers.

A record read twice in one batch (pages shift while a listing is read) is loaded as last read:
the temporary tables number rows in the order they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tokopedia_sync.sync.rows import ITEM_COLUMNS, ORDER_COLUMNS, PRODUCT_COLUMNS, STOCK_COLUMNS


@dataclass
class Written:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Written) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def _copy(conn: Any, table: str, columns: Iterable[str], rows: Iterable[tuple]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _temp_copy_of(conn: Any, name: str, table: str) -> None:
    """A temporary table shaped like `table` plus `seq`, the arrival order of each row; emptied
    at every commit."""
    conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {name} (LIKE {table} INCLUDING DEFAULTS, "
        "seq bigserial) ON COMMIT DELETE ROWS"
    )


def _resolve_rejected(conn: Any, schema: str, kind: str, incoming: str, key: str) -> None:
    """Records rejected as malformed before that arrived whole in this batch are resolved."""
    conn.execute(
        f"UPDATE {schema}.rejected_records r SET resolved_at = now() FROM {incoming} i "
        f"WHERE r.resolved_at IS NULL AND r.kind = %s AND r.record_id = i.{key}",
        (kind,),
    )


def _assignments(columns: Iterable[str], skip: set[str]) -> str:
    return ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in skip)


class OrderLoader:
    """Upserts orders with their items and status history; a transaction per batch."""

    def __init__(self, conn: Any, schema: str, run_id: int) -> None:
        self.conn = conn
        self.schema = schema
        self.run_id = run_id
        _temp_copy_of(conn, "incoming_orders", f"{schema}.orders")
        _temp_copy_of(conn, "incoming_items", f"{schema}.order_items")
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS changed_orders "
            "(order_id bigint, status_code integer, status_name text, item_count integer, "
            "inserted boolean) "
            "ON COMMIT DELETE ROWS"
        )

    def load(
        self,
        orders: list[tuple],
        items: list[tuple],
        also: Callable[[Any], None] | None = None,
    ) -> Written:
        """Write one batch; `also` runs first inside the same transaction (to move the sync
        state, to keep the records rejected with the batch)."""
        s = self.schema
        columns = ", ".join(ORDER_COLUMNS)
        with self.conn.transaction():
            if also is not None:
                also(self.conn)
            _copy(self.conn, "incoming_orders", ORDER_COLUMNS, orders)
            _copy(self.conn, "incoming_items", ITEM_COLUMNS, items)
            self.conn.execute(
                f"""
                WITH upserted AS (
                    INSERT INTO {s}.orders AS o ({columns}, changed_by_run)
                    SELECT DISTINCT ON (order_id) {columns}, %(run)s FROM incoming_orders
                    ORDER BY order_id, seq DESC
                    ON CONFLICT (order_id) DO UPDATE SET
                        {_assignments(ORDER_COLUMNS, {"order_id"})},
                        changed_at = now(), changed_by_run = EXCLUDED.changed_by_run
                    WHERE o.raw IS DISTINCT FROM EXCLUDED.raw
                    RETURNING o.order_id, o.status_code, o.status_name, o.item_count,
                        (o.xmax = 0) AS inserted
                )
                INSERT INTO changed_orders SELECT * FROM upserted
                """,
                {"run": self.run_id},
            )
            self.conn.execute(
                f"DELETE FROM {s}.order_items i USING changed_orders c "
                "WHERE i.order_id = c.order_id AND NOT c.inserted"
            )
            item_columns = ", ".join(ITEM_COLUMNS)
            # The lines of the order's last copy: each line number as last read, and none past
            # the number of lines that copy has.
            self.conn.execute(
                f"INSERT INTO {s}.order_items ({item_columns}) "
                f"SELECT DISTINCT ON (order_id, line_no) {item_columns} "
                "FROM incoming_items i JOIN changed_orders c USING (order_id) "
                "WHERE i.line_no <= c.item_count ORDER BY order_id, line_no, i.seq DESC"
            )
            self.conn.execute(
                f"""
                INSERT INTO {s}.order_status_history
                    (order_id, status_code, status_name, observed_at, source)
                SELECT c.order_id, c.status_code, c.status_name, now(), 'poll'
                FROM changed_orders c
                WHERE c.status_code IS DISTINCT FROM (
                    SELECT h.status_code FROM {s}.order_status_history h
                    WHERE h.order_id = c.order_id
                    ORDER BY h.observed_at DESC, h.history_id DESC LIMIT 1
                )
                """
            )
            inserted, updated = self.conn.execute(
                "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
                "FROM changed_orders"
            ).fetchone()
            _resolve_rejected(self.conn, s, "order", "incoming_orders", "order_id")
        distinct = len({row[0] for row in orders})
        return Written(inserted, updated, distinct - inserted - updated)


class ProductLoader:
    """Upserts products with their per-warehouse stock; remembers what a full scan saw."""

    def __init__(self, conn: Any, schema: str, run_id: int) -> None:
        self.conn = conn
        self.schema = schema
        self.run_id = run_id
        _temp_copy_of(conn, "incoming_products", f"{schema}.products")
        _temp_copy_of(conn, "incoming_stock", f"{schema}.product_stock")
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS changed_products "
            "(product_id bigint, inserted boolean) ON COMMIT DELETE ROWS"
        )
        # Survives the per-batch commits: the ids a full scan has seen so far.
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS seen_products (product_id bigint PRIMARY KEY)"
        )
        conn.execute("TRUNCATE seen_products")

    def load(
        self,
        products: list[tuple],
        stocks: list[tuple],
        *,
        remember_seen: bool,
        also: Callable[[Any], None] | None = None,
    ) -> Written:
        """Write one batch; `also` runs first inside the same transaction."""
        s = self.schema
        columns = ", ".join(PRODUCT_COLUMNS)
        with self.conn.transaction():
            if also is not None:
                also(self.conn)
            _copy(self.conn, "incoming_products", PRODUCT_COLUMNS, products)
            _copy(self.conn, "incoming_stock", STOCK_COLUMNS, stocks)
            self.conn.execute(
                f"""
                WITH upserted AS (
                    INSERT INTO {s}.products AS p ({columns}, changed_by_run)
                    SELECT DISTINCT ON (product_id) {columns}, %(run)s FROM incoming_products
                    ORDER BY product_id, seq DESC
                    ON CONFLICT (product_id) DO UPDATE SET
                        {_assignments(PRODUCT_COLUMNS, {"product_id"})},
                        changed_at = now(), changed_by_run = EXCLUDED.changed_by_run,
                        deleted_at = NULL
                    WHERE p.raw IS DISTINCT FROM EXCLUDED.raw OR p.deleted_at IS NOT NULL
                        -- The stock push writes stock without raw: Tokopedia's word wins.
                        OR p.stock IS DISTINCT FROM EXCLUDED.stock
                    RETURNING p.product_id, (p.xmax = 0) AS inserted
                )
                INSERT INTO changed_products SELECT * FROM upserted
                """,
                {"run": self.run_id},
            )
            self.conn.execute(
                f"""
                INSERT INTO {s}.product_stock AS ps (product_id, warehouse_id, stock, price)
                SELECT DISTINCT ON (i.product_id, i.warehouse_id)
                    i.product_id, i.warehouse_id, i.stock, i.price
                FROM incoming_stock i JOIN changed_products c USING (product_id)
                ORDER BY i.product_id, i.warehouse_id, i.seq DESC
                ON CONFLICT (product_id, warehouse_id) DO UPDATE SET
                    stock = EXCLUDED.stock, price = EXCLUDED.price, changed_at = now()
                WHERE (ps.stock, ps.price) IS DISTINCT FROM (EXCLUDED.stock, EXCLUDED.price)
                """
            )
            self.conn.execute(
                f"DELETE FROM {s}.product_stock ps USING changed_products c "
                "WHERE ps.product_id = c.product_id AND NOT EXISTS ("
                "SELECT 1 FROM incoming_stock i "
                "WHERE i.product_id = ps.product_id AND i.warehouse_id = ps.warehouse_id)"
            )
            _resolve_rejected(self.conn, s, "product", "incoming_products", "product_id")
            if remember_seen:
                self.conn.execute(
                    "INSERT INTO seen_products SELECT product_id FROM incoming_products "
                    "ON CONFLICT DO NOTHING"
                )
            inserted, updated = self.conn.execute(
                "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
                "FROM changed_products"
            ).fetchone()
        distinct = len({row[0] for row in products})
        return Written(inserted, updated, distinct - inserted - updated)

    def remember_seen(self, product_ids: list[int]) -> None:
        """Count these as seen by the scan: Tokopedia has them, though we could not load them."""
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO seen_products VALUES (%s) ON CONFLICT DO NOTHING",
                [(product_id,) for product_id in product_ids],
            )

    def link_variants(self, shop_id: int) -> int:
        """Point each variant at its parent, from the parents' children lists."""
        s = self.schema
        return self.conn.execute(
            f"""
            UPDATE {s}.products c SET parent_id = l.parent, changed_at = now(),
                changed_by_run = %(run)s
            FROM (
                SELECT product_id AS parent, unnest(children_ids) AS child
                FROM {s}.products WHERE shop_id = %(shop)s AND children_ids <> '{{}}'
            ) l
            WHERE c.product_id = l.child AND c.parent_id IS DISTINCT FROM l.parent
            """,
            {"shop": shop_id, "run": self.run_id},
        ).rowcount

    def mark_unseen_deleted(self, shop_id: int) -> int:
        """After a complete scan: products of the shop it did not see are gone from Tokopedia."""
        s = self.schema
        return self.conn.execute(
            f"""
            UPDATE {s}.products p SET deleted_at = now(), changed_at = now(),
                changed_by_run = %(run)s
            WHERE p.shop_id = %(shop)s AND p.deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM seen_products s WHERE s.product_id = p.product_id)
            """,
            {"shop": shop_id, "run": self.run_id},
        ).rowcount
