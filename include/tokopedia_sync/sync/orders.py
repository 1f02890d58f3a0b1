"""Orders into Postgres: read by create time window, load in batches, move the watermark with the
data, then re-read orders that are not final yet (the order list only filters on create time,
so status changes of older orders have to be fetched on purpose)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tokopedia_sync.client.orders import MAX_WINDOW_SECONDS, OrderPage
from tokopedia_sync.client.transport import ClientStats
from tokopedia_sync.sync.ledger import read_state, write_state
from tokopedia_sync.sync.loader import OrderLoader
from tokopedia_sync.sync.prefetch import prefetched
from tokopedia_sync.sync.progress import when
from tokopedia_sync.sync.rows import BadRecord, created_second, order_rows
from tokopedia_sync.sync.stream import StreamSync

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run

STREAM = "orders"
BATCH_ORDERS = 2_000
REJECTED_REREADS = 20
"""At most this many orders that came malformed before are read again per run."""


@dataclass(frozen=True)
class OrdersPlan:
    """What a run reads: orders created in [start, end]."""

    start: datetime
    end: datetime


def plan(
    watermark: datetime | None,
    first_start: datetime,
    interval: tuple[datetime, datetime] | None,
    lookback: timedelta,
    now: datetime,
) -> OrdersPlan:
    """The range a run reads.

    It starts at the watermark less the lookback (orders only show once paid, which for a bank
    transfer can be a day after they were created), or at the configured start on the first run,
    so a gap left by missed runs is always filled. A data interval older than that (a backfill)
    pulls the start back. It ends at the data interval's end (now for a manual run). Never
    before the configured start.
    """
    start = first_start if watermark is None else watermark - lookback
    end = now
    if interval is not None:
        start = min(start, interval[0] - lookback)
        end = min(interval[1], now) if interval[1] > interval[0] else now
    start = max(start, first_start)
    return OrdersPlan(start, max(start, end))


def _at(moment: int) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


class RequestCap:
    """The pages of a listing while the client has sent fewer than `limit` requests in all:
    checked before each page is asked for. `cut` tells whether it stopped for the cap."""

    def __init__(self, pages: Iterable[OrderPage], stats: ClientStats, limit: int) -> None:
        self._pages = pages
        self._stats = stats
        self._limit = limit
        self.cut = False

    def __iter__(self) -> Iterator[OrderPage]:
        pages = iter(self._pages)
        while True:
            if self._stats.requests >= self._limit:
                self.cut = True
                return
            page = next(pages, None)
            if page is None:
                return
            yield page


class OrdersSync(StreamSync):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.loader = OrderLoader(run.conn, run.schema, run.run_id)

    def state(self):
        return read_state(self.conn, self.schema, self.shop_id, STREAM)

    def read_range(self, start: datetime, end: datetime) -> None:
        """Load every order created in [start, end]; the watermark follows each finished window."""
        self._load_pages(
            self.client.orders.pages(start, end),
            lambda resume: {"watermark": _at(resume - 1)},
            label="orders",
        )

    def refresh_open(self, before: datetime, max_requests: int) -> None:
        """Re-read windows holding orders that are not final, from where the last run stopped,
        until `max_requests` requests are spent; the cursor wraps around when all were read.

        The cap is checked before every page. A run that spends it inside a window leaves the
        cursor at the create time of the last order it read: the order list is oldest first,
        so the next run goes on from that page, re-reading only that second.
        """
        if max_requests <= 0:
            return
        limit = self.client.stats.requests + max_requests
        cursor = self.state().refresh_cursor
        while self.client.stats.requests < limit:
            oldest = self.conn.execute(
                f"SELECT min(created_at) FROM {self.schema}.orders "
                "WHERE shop_id = %s AND NOT is_final AND created_at < %s "
                "AND (%s::timestamptz IS NULL OR created_at >= %s)",
                (self.shop_id, before, cursor, cursor),
            ).fetchone()[0]
            if oldest is None:
                self._save_cursor(None)
                return
            window_end = min(oldest + timedelta(seconds=MAX_WINDOW_SECONDS), before)
            pages = RequestCap(
                self.client.orders.pages(oldest, window_end), self.client.stats, limit
            )
            self._load_pages(
                pages,
                lambda resume: {"refresh_cursor": _at(resume)},
                label="unfinished orders",
                cap=pages,
            )
            if pages.cut:
                return
            cursor = window_end + timedelta(seconds=1)
            if window_end >= before:
                self._save_cursor(None)
                return

    def reread_rejected(self, max_orders: int = REJECTED_REREADS) -> None:
        """Read again the seconds in which orders that came malformed before were created, so
        each loads once Tokopedia sends it whole. One whose create time is unreadable too stays
        in `rejected_records` for a person to look at."""
        moments = [
            moment
            for (moment,) in self.conn.execute(
                f"SELECT DISTINCT (raw->>'create_time')::bigint AS moment "
                f"FROM {self.schema}.rejected_records "
                "WHERE shop_id = %s AND kind = 'order' AND resolved_at IS NULL "
                "AND raw->>'create_time' ~ '^[0-9]{1,12}$' ORDER BY moment LIMIT %s",
                (self.shop_id, max_orders),
            )
        ]
        for moment in moments:
            self._load_pages(
                self.client.orders.pages(moment, moment + 1),
                lambda resume: {},
                label="orders again",
            )

    def _save_cursor(self, cursor: datetime | None) -> None:
        with self.conn.transaction():
            write_state(
                self.conn, self.schema, self.shop_id, STREAM, self.run_id, refresh_cursor=cursor
            )

    def _load_pages(
        self,
        pages: Iterable[OrderPage],
        resume_state: Callable[[int], dict],
        label: str,
        cap: RequestCap | None = None,
    ) -> None:
        """Load the orders of `pages` in batches, each in one transaction with the records
        rejected in it. The batch that ends a window also moves the sync state to
        `resume_state(second)`, the second the next read continues from: the window's end plus
        one or, when `cap` cut the listing short, the create time of the last order read (the
        list is oldest first, so that is where the next page begins)."""
        orders: list[tuple] = []
        items: list[tuple] = []
        window: tuple[int, int] | None = None
        newest: int | None = None

        def flush(state: dict | None) -> None:
            def also(conn: Any) -> None:
                self.keep_rejected(conn)
                if state is not None:
                    write_state(conn, self.schema, self.shop_id, STREAM, self.run_id, **state)

            written = self.loader.load(orders, items, also)
            self.counters.inserted += written.inserted
            self.counters.updated += written.updated
            self.counters.unchanged += written.unchanged
            orders.clear()
            items.clear()

        for page in prefetched(pages):
            current = (page.window_start, page.window_end)
            if window is not None and current != window:
                flush(resume_state(window[1] + 1))
                self.progress.window_done(label, *window)
                newest = None
            window = current
            self.counters.pages += 1
            for order in page.orders:
                moment = created_second(order)
                if moment is not None:
                    newest = moment if newest is None else max(newest, moment)
                try:
                    row, lines = order_rows(order)
                except BadRecord as problem:
                    self.reject("order", order, problem)
                    continue
                orders.append(row)
                items.extend(lines)
            self.progress.page(label, page.page, current)
            if len(orders) >= BATCH_ORDERS:
                flush(None)
        if window is None:
            return
        if cap is None or not cap.cut:
            flush(resume_state(window[1] + 1))
            self.progress.window_done(label, *window)
            return
        flush(None if newest is None else resume_state(newest))
        self.progress.note(
            "%s: request cap reached in %s .. %s, at orders created %s; the next run goes on "
            "from there",
            label,
            when(window[0]),
            when(window[1]),
            when(newest),
        )
