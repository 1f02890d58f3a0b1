"""What the DAGs' tasks run. Imported at parse time, so heavy imports wait inside the functions."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tokopedia_sync import shops

log = logging.getLogger("tokopedia_sync.sync")


@dataclass
class Run:
    """Everything one sync task works with."""

    config: shops.ShopsConfig
    shop: shops.Shop
    client: Any
    conn: Any
    run_id: int
    counters: Any
    progress: Any
    window: tuple[datetime | None, datetime | None] = (None, None)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@contextlib.contextmanager
def sync_run(shops_file: str, shop_key: str, stream: str, family: str) -> Iterator[Run]:
    """Open the staging database (migrated), a Tokopedia client and a ledger row; close them
    with the run's outcome and a one-line summary in the task log."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from airflow.sdk import get_current_context

    from tokopedia_sync.db.migrate import migrate
    from tokopedia_sync.hooks.tokopedia import TokopediaHook
    from tokopedia_sync.sync.ledger import RunCounters, RunLedger, write_state
    from tokopedia_sync.sync.progress import Progress

    config = shops.load(Path(shops_file))
    shop = config.shop(shop_key)
    context = get_current_context()
    conn = PostgresHook(postgres_conn_id=config.postgres_conn_id).get_conn()
    conn.autocommit = True
    hook = TokopediaHook(shop.tokopedia_conn_id, budget_conn_id=config.postgres_conn_id)
    try:
        migrate(conn, config.schema)
        client = hook.get_conn()
        ledger = RunLedger(conn, config.schema)
        run_id = ledger.open(
            shop_id=client.config.shop_id,
            shop_key=shop.key,
            stream=stream,
            dag_id=context["dag"].dag_id,
            airflow_run_id=context["run_id"],
        )
        counters = RunCounters()
        progress = Progress(stream, counters, client.stats, client.config.budgets.get(family))
        run = Run(config, shop, client, conn, run_id, counters, progress)
        try:
            yield run
        except Exception as exc:
            ledger.close(run_id, counters, client.stats, window=run.window, error=_describe(exc))
            progress.summary("failed")
            raise
        with conn.transaction():
            write_state(
                conn, config.schema, client.config.shop_id, stream, run_id, last_success_at=run.now
            )
        ledger.close(run_id, counters, client.stats, window=run.window)
        progress.summary("done")
    finally:
        hook.close()
        conn.close()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _data_interval() -> tuple[datetime, datetime] | None:
    from airflow.sdk import get_current_context

    context = get_current_context()
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is None or end is None:
        return None
    return start, end


def sync_orders(shops_file: str, shop_key: str) -> dict:
    """Orders created in the run's range (plus a lookback), then unfinished older orders."""
    from tokopedia_sync.sync.ledger import read_state
    from tokopedia_sync.sync.orders import STREAM, OrdersSync, plan

    with sync_run(shops_file, shop_key, STREAM, "orders") as run:
        sync = OrdersSync(
            run.client, run.conn, run.config.schema, run.run_id, run.counters, run.progress
        )
        state = read_state(run.conn, run.config.schema, run.client.config.shop_id, STREAM)
        lookback = timedelta(minutes=run.shop.order_lookback_minutes)
        reading = plan(state.watermark, run.shop.start, _data_interval(), lookback, run.now)
        run.window = (reading.start, reading.end)
        run.progress.start("orders", reading.start, reading.end)
        sync.read_range(reading.start, reading.end)
        sync.refresh_open(reading.start, run.shop.open_order_refresh_requests)
        return _summary(run)


def sync_products(shops_file: str, shop_key: str) -> dict:
    """Products changed lately, or all of them (and deletions) when a full scan is due."""
    from tokopedia_sync.sync.products import STREAM, ProductsSync

    with sync_run(shops_file, shop_key, STREAM, "products") as run:
        sync = ProductsSync(
            run.client, run.conn, run.config.schema, run.run_id, run.counters, run.progress
        )
        sync.run(run.shop.product_full_scan_hours, run.now)
        return _summary(run)


def _summary(run: Run) -> dict:
    """The task's XCom: counts only, nothing secret or personal."""
    c = run.counters
    return {
        "run_id": run.run_id,
        "pages": c.pages,
        "inserted": c.inserted,
        "updated": c.updated,
        "unchanged": c.unchanged,
        "deleted": c.deleted,
        "requests": run.client.stats.requests,
    }
