"""What the DAGs' tasks run: Airflow connections in, a ledgered sync run out.

Imported at DAG parse time, so every heavy import waits inside the functions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tokopedia_sync import shops


@contextlib.contextmanager
def _airflow_run(
    shops_file: str, shop_key: str, stream: str, family: str | None = None
) -> Iterator[Any]:
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from airflow.sdk import get_current_context

    from tokopedia_sync.hooks.tokopedia import TokopediaHook
    from tokopedia_sync.sync.runner import ledgered_run

    config = shops.load(Path(shops_file))
    shop = config.shop(shop_key)
    context = get_current_context()
    conn = PostgresHook(postgres_conn_id=config.postgres_conn_id).get_conn()
    conn.autocommit = True
    # Budgets live in the staging database, shared by every task using the same credentials.
    hook = TokopediaHook(shop.tokopedia_conn_id, budget_conn_id=config.postgres_conn_id)
    try:
        with ledgered_run(
            hook.get_conn(),
            conn,
            config.schema,
            shop,
            stream,
            family=family,
            dag_id=context["dag"].dag_id,
            airflow_run_id=context["run_id"],
        ) as run:
            yield run
    finally:
        hook.close()
        conn.close()


def _data_interval() -> tuple[datetime, datetime] | None:
    from airflow.sdk import get_current_context

    context = get_current_context()
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    return None if start is None or end is None else (start, end)


def sync_orders(shops_file: str, shop_key: str) -> dict:
    """The orders task: see tokopedia_sync.sync.runner.sync_orders."""
    from tokopedia_sync.sync import runner

    with _airflow_run(shops_file, shop_key, "orders") as run:
        runner.sync_orders(run, _data_interval())
    return run.summary()


def sync_products(shops_file: str, shop_key: str) -> dict:
    """The products task: see tokopedia_sync.sync.runner.sync_products."""
    from tokopedia_sync.sync import runner

    with _airflow_run(shops_file, shop_key, "products") as run:
        runner.sync_products(run)
    return run.summary()


def push_stock(shops_file: str, shop_key: str) -> dict:
    """The inventory task: see tokopedia_sync.sync.runner.push_stock. The DAG's `dry_run`
    param (set when triggering) plans without sending. Every try of one DAG run, and a clear of
    it, works on the plan its first try made."""
    from airflow.sdk import get_current_context

    from tokopedia_sync.sync import runner

    dry_run = bool(get_current_context()["params"].get("dry_run"))
    with _airflow_run(shops_file, shop_key, "inventory") as run:
        runner.push_stock(run, run.shop.interval, dry_run)
    return run.summary()


def sync_shop_info(shops_file: str, shop_key: str) -> dict:
    """The shop-info task: the shop's profile and showcases."""
    from tokopedia_sync.sync import shop

    with _airflow_run(shops_file, shop_key, "shop_info", family="shop") as run:
        shop.sync_shop_info(run)
    return run.summary()


def sync_logistics(shops_file: str, shop_key: str) -> dict:
    """The logistics task: the courier catalogue and the shop's couriers."""
    from tokopedia_sync.sync import shop

    with _airflow_run(shops_file, shop_key, "logistics", family="shop") as run:
        shop.sync_logistics(run)
    return run.summary()
