"""Products into Postgres.

A full scan reads every product of the shop and marks those it no longer finds as deleted. In
between full scans a run reads products by last update, newest first, and stops at the first page
in which nothing changed: a quiet shop costs one request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tokopedia_sync.sync.ledger import read_state, write_state
from tokopedia_sync.sync.loader import ProductLoader
from tokopedia_sync.sync.prefetch import prefetched
from tokopedia_sync.sync.rows import BadRecord, product_rows
from tokopedia_sync.sync.stream import StreamSync

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run

STREAM = "products"
BATCH_PRODUCTS = 1_000
SORT_LAST_UPDATE = 2


def needs_full_scan(last_full_scan: datetime | None, every_hours: int, now: datetime) -> bool:
    return last_full_scan is None or now - last_full_scan >= timedelta(hours=every_hours)


class ProductsSync(StreamSync):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.loader = ProductLoader(run.conn, run.schema, run.run_id)

    def run(self, full_scan_hours: int, now: datetime) -> bool:
        """Sync; returns True when this was a full scan."""
        state = read_state(self.conn, self.schema, self.shop_id, STREAM)
        full = needs_full_scan(state.last_full_scan_at, full_scan_hours, now)
        self.progress.start("all products (full scan)" if full else "products changed lately")
        products: list[tuple] = []
        stocks: list[tuple] = []
        # A full scan reads every page, so it reads ahead; an incremental one may stop at any page.
        pages = (
            prefetched(self.client.products.pages())
            if full
            else self.client.products.pages(sort=SORT_LAST_UPDATE)
        )
        for page in pages:
            self.counters.pages += 1
            for product in page.products:
                try:
                    row, lines = product_rows(product)
                except BadRecord as problem:
                    self.reject("product", product, problem)
                    if full and problem.record_id is not None:
                        # Malformed is not gone: the deletion sweep must leave it alone.
                        self.loader.remember_seen([problem.record_id])
                    continue
                products.append(row)
                stocks.extend(lines)
            if full and len(products) < BATCH_PRODUCTS:
                continue
            changed = self._flush(products, stocks, remember_seen=full)
            if not full and not changed:
                break
            self.progress.page("products", page.page)
        self._flush(products, stocks, remember_seen=full)
        with self.conn.transaction():
            linked = self.loader.link_variants(self.shop_id)
            if full:
                self.counters.deleted = self.loader.mark_unseen_deleted(self.shop_id)
                write_state(
                    self.conn, self.schema, self.shop_id, STREAM, self.run_id, last_full_scan_at=now
                )
        if linked:
            self.progress.note("Linked %d variants to their parents", linked)
        if self.counters.deleted:
            self.progress.note(
                "Marked %d products deleted: gone from Tokopedia", self.counters.deleted
            )
        return full

    def _flush(self, products: list[tuple], stocks: list[tuple], *, remember_seen: bool) -> int:
        """Load what is buffered, with the products rejected meanwhile; returns how many
        products changed."""
        if not products and not self.rejections:
            return 0
        written = self.loader.load(
            products, stocks, remember_seen=remember_seen, also=self.keep_rejected
        )
        self.counters.inserted += written.inserted
        self.counters.updated += written.updated
        self.counters.unchanged += written.unchanged
        products.clear()
        stocks.clear()
        return written.inserted + written.updated
