"""One sync run of one stream, recorded in the ledger: the part of a task that knows nothing of
Airflow, so that benchmarks and tools run exactly what the DAGs run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from tokopedia_sync.client import TokopediaClient
from tokopedia_sync.db.migrate import migrate
from tokopedia_sync.shops import Shop
from tokopedia_sync.sync import inventory, inventory_apply, orders, products
from tokopedia_sync.sync.ledger import RunCounters, RunLedger, read_state, write_state
from tokopedia_sync.sync.progress import Progress
from tokopedia_sync.sync.stream import Rejection, write_rejections


class StagingWriteError(Exception):
    """Postgres refused a write of the sync. The message leaves out the rows Postgres quotes
    (their JSON holds buyers' names and addresses); the table, column and SQLSTATE remain."""

    @classmethod
    def of(cls, exc: psycopg.Error) -> StagingWriteError:
        diag = exc.diag
        where = ".".join(part for part in (diag.schema_name, diag.table_name) if part)
        if diag.column_name:
            where = f"{where}, column {diag.column_name}"
        return cls(
            f"Postgres refused the write (SQLSTATE {exc.sqlstate or 'unknown'}"
            f"{f', table {where}' if where else ''}): "
            f"{diag.message_primary or type(exc).__name__}"
        )


@dataclass
class Run:
    """Everything one sync run works with."""

    client: TokopediaClient
    conn: Any
    schema: str
    shop: Shop
    run_id: int
    counters: RunCounters
    progress: Progress
    window: tuple[datetime | None, datetime | None] = (None, None)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    rejections: list[Rejection] = field(default_factory=list)
    """Records rejected and not yet written: each batch writes those read with it."""
    dag_id: str | None = None
    airflow_run_id: str | None = None
    """The Airflow DAG run this run is a try of; None outside Airflow."""

    @property
    def shop_id(self) -> int:
        return self.client.config.shop_id

    def summary(self) -> dict:
        """Counts only, nothing secret or personal: safe as a task's XCom."""
        c = self.counters
        return {
            "run_id": self.run_id,
            "pages": c.pages,
            "inserted": c.inserted,
            "updated": c.updated,
            "unchanged": c.unchanged,
            "deleted": c.deleted,
            "requests": self.client.stats.requests,
        }


@contextlib.contextmanager
def ledgered_run(
    client: TokopediaClient,
    conn: Any,
    schema: str,
    shop: Shop,
    stream: str,
    *,
    family: str | None = None,
    dag_id: str | None = None,
    airflow_run_id: str | None = None,
) -> Iterator[Run]:
    """Migrate the schema, open a ledger row, and close it with the outcome and a summary line.

    `family` is the budget family the stream draws from, when it is not the stream's own name.

    `conn` is a psycopg connection in autocommit mode: every batch runs in its own transaction.
    """
    migrate(conn, schema)
    ledger = RunLedger(conn, schema)
    run_id = ledger.open(
        shop_id=client.config.shop_id,
        shop_key=shop.key,
        stream=stream,
        dag_id=dag_id,
        airflow_run_id=airflow_run_id,
    )
    counters = RunCounters()
    family = family or stream
    run = Run(
        client,
        conn,
        schema,
        shop,
        run_id,
        counters,
        Progress(stream, counters, client.stats, family, client.config.budgets.get(family)),
        dag_id=dag_id,
        airflow_run_id=airflow_run_id,
    )
    try:
        yield run
    except Exception as exc:
        failure = StagingWriteError.of(exc) if isinstance(exc, psycopg.Error) else exc
        error = f"{type(failure).__name__}: {failure}"[:2000]
        ledger.close(run_id, counters, client.stats, window=run.window, error=error)
        run.progress.summary("failed")
        if failure is exc:
            raise
        raise failure from None
    with conn.transaction():
        # Records rejected outside a batch (the stock push's product refresh) are kept here.
        write_rejections(conn, schema, run_id, run.shop_id, run.rejections)
        write_state(conn, schema, run.shop_id, stream, run_id, last_success_at=run.now)
    ledger.close(run_id, counters, client.stats, window=run.window)
    run.progress.summary("done")


def sync_orders(run: Run, interval: tuple[datetime, datetime] | None) -> None:
    """Orders created in the run's range (plus a lookback), then orders that came malformed
    before, then unfinished older orders."""
    sync = orders.OrdersSync(run)
    state = read_state(run.conn, run.schema, run.shop_id, orders.STREAM)
    lookback = timedelta(minutes=run.shop.order_lookback_minutes)
    reading = orders.plan(state.watermark, run.shop.backfill_from, interval, lookback, run.now)
    run.window = (reading.start, reading.end)
    run.progress.start("orders", reading.start, reading.end)
    sync.read_range(reading.start, reading.end)
    sync.reread_rejected()
    sync.refresh_open(reading.start, run.shop.open_order_refresh_requests)


def sync_products(run: Run) -> None:
    """Products changed lately, or all of them (and deletions) when a full scan is due."""
    sync = products.ProductsSync(run)
    sync.run(run.shop.product_full_scan_hours, run.now)


LOW_STOCK_NAMED = 10
"""Low-stock items named in the task log; the rest are counted."""


def push_stock(run: Run, interval_minutes: int | None, dry_run: bool) -> None:
    """Plan the stock push, then apply it (unless a dry run). A try of an Airflow run that
    already planned continues that plan instead. See tokopedia_sync.sync.inventory."""
    push = inventory.InventoryPush(run)
    earlier = push.earlier_plan()
    if earlier is None:
        dry_run = dry_run or run.shop.inventory.dry_run
        # The staging stock counts as current for one sync interval (15 minutes when manual).
        stale_after = timedelta(minutes=interval_minutes or 15)
        planned = push.plan(run.shop.key, stale_after, run.now, dry_run)
        run.progress.note(
            "Stock push plan: %d to send, %d held by guardrails, %d rejected, %d already right",
            sum(1 for line in planned if line.action == "send"),
            run.counters.held,
            run.counters.rejected,
            run.counters.unchanged,
        )
        plan_run_id = run.run_id
    else:
        plan_run_id, dry_run = earlier.plan_run_id, earlier.dry_run
        run.progress.note(
            "Airflow run %s planned its stock push before (run %d, %s): sending only the "
            "rows of that plan not answered yet",
            run.airflow_run_id,
            plan_run_id,
            earlier.planned_at.isoformat(timespec="seconds"),
        )
    inventory_apply.InventoryApply(run).apply(plan_run_id, dry_run)
    low = low_stock(run)
    if low:
        run.progress.after_summary(low)


def low_stock(run: Run) -> str | None:
    """The task log's line on the shop's low-stock items: how many, and the first ones."""
    rows = run.conn.execute(
        f"SELECT product_id, sku, stock, low_stock_threshold, count(*) OVER () "
        f"FROM {run.schema}.low_stock WHERE shop_id = %s ORDER BY stock, product_id LIMIT %s",
        (run.shop_id, LOW_STOCK_NAMED),
    ).fetchall()
    if not rows:
        return None
    total, threshold = rows[0][4], rows[0][3]
    named = ", ".join(
        f"product {product_id}{f' (sku {sku})' if sku else ''} stock {stock}"
        for product_id, sku, stock, _, _ in rows
    )
    more = f", and {total - len(rows)} more" if total > len(rows) else ""
    return (
        f"Low on stock: {total} products under the threshold of {threshold}: {named}{more} "
        f"(all in {run.schema}.low_stock)"
    )
