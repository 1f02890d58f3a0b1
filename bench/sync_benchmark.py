"""Benchmark of the orders and products sync against the sandbox.

    .venv/bin/python bench/sync_benchmark.py [--orders 100000] [--products 20000]

Prints, with targets:
- end-to-end rows per second of the real sync (orders + products, budgets off), and the same rows
  fetched and loaded with plain COPY by a minimal script, with our ratio to it (target >= 0.5);
- peak memory of the syncing process (Airflow's task runner loaded, as in a worker) at a quarter,
  half and all of the orders (target < 300 MB, flat as the rows grow);
- a no-change incremental run: requests and rows written (target: zero rows rewritten);
- with the order budget on (scaled so the run spans a few minutes' budgets), the share of the
  budget used (target >= 90 %) and the 429s (target: none).

Needs Postgres at $TOKOPEDIA_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432); each
part uses a fresh database that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
import requests

from benchkit import (
    CLIENT_ID,
    CLIENT_SECRET,
    SHOP_ID,
    budget_use,
    client_config,
    fresh_database,
    line,
)
from tokopedia_sync.client import PostgresBudget, TokopediaClient
from tokopedia_sync.sandbox.process import SandboxProcess
from tokopedia_sync.shops import DEFAULT_FEATURES, Shop
from tokopedia_sync.sync import runner

HISTORY_DAYS = 60
BUDGETED_ORDERS_PER_MINUTE = 400


def bench_shop(days_back: int) -> Shop:
    start = (datetime.now(UTC) - timedelta(days=days_back)).date()
    return Shop(
        key="bench",
        tokopedia_conn_id="unused",
        interval=15,
        start_date=date(start.year, start.month, start.day),
        features=dict(DEFAULT_FEATURES),
        open_order_refresh_requests=0,
    )


def sync(
    base_url: str, database: str, days_back: int, streams: tuple[str, ...], budgets=None
) -> dict:
    """Run the real sync in this process; returns rows, requests and seconds per stream."""
    figures = {}
    config = client_config(base_url, budgets)
    budget = None
    if budgets:
        budget = PostgresBudget(
            lambda: psycopg.connect(database), config.budgets, config.budget_key
        )
    for stream in streams:
        with (
            TokopediaClient(config, budget=budget) as client,
            psycopg.connect(database, autocommit=True) as conn,
        ):
            started = time.perf_counter()
            with runner.ledgered_run(
                client, conn, "tokopedia", bench_shop(days_back), stream
            ) as run:
                if stream == "orders":
                    runner.sync_orders(run, None)
                else:
                    runner.sync_products(run)
            c = run.counters
            figures[stream] = {
                "rows": c.rows,
                "written": c.inserted + c.updated,
                "requests": client.stats.requests,
                "seconds": time.perf_counter() - started,
            }
    return figures


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(args: tuple, results: multiprocessing.Queue) -> None:
    # An Airflow task process has Airflow's task runner loaded before the sync starts; so does
    # this one, so that the peak is the one a worker would see.
    import airflow.sdk.execution_time.task_runner  # noqa: F401

    import tokopedia_sync.tasks  # noqa: F401

    # The task log is written as a worker writes it, to a file nobody reads here.
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, sys.stdout.fileno())
    os.dup2(quiet, sys.stderr.fileno())

    before = _peak_rss_mb()
    figures = sync(*args)
    figures["start_rss_mb"] = before
    figures["peak_rss_mb"] = _peak_rss_mb()
    results.put(figures)


def sync_in_child(*args) -> dict:
    """The sync in a fresh process, so that its peak memory is its own."""
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    child = spawn.Process(target=_child, args=(args, results))
    child.start()
    figures = results.get()
    child.join()
    return figures


def baseline(base_url: str, database: str) -> dict:
    """The same rows fetched page by page and loaded with plain COPY, nothing else."""
    http = requests.Session()
    token = http.post(
        f"{base_url}/accounts/token",
        params={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=30,
    ).json()["access_token"]
    http.headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    rows = 0
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("CREATE TABLE raw_orders (order_id bigint, raw jsonb)")
        conn.execute("CREATE TABLE raw_products (product_id bigint, raw jsonb)")
        end = int(time.time())
        start = end - (HISTORY_DAYS + 1) * 86_400
        with conn.cursor() as cur, cur.copy("COPY raw_orders FROM STDIN") as copy:
            for window_start in range(start, end, 3 * 86_400 - 1):
                page = 1
                while True:
                    params = {
                        "fs_id": 13004,
                        "shop_id": SHOP_ID,
                        "from_date": window_start,
                        "to_date": min(window_start + 3 * 86_400 - 2, end),
                        "page": page,
                        "per_page": 100,
                    }
                    orders = http.get(
                        f"{base_url}/v2/order/list", params=params, timeout=60
                    ).json()["data"]
                    for order in orders:
                        copy.write_row((order["order_id"], json.dumps(order)))
                    rows += len(orders)
                    if len(orders) < 100:
                        break
                    page += 1
        with conn.cursor() as cur, cur.copy("COPY raw_products FROM STDIN") as copy:
            page = 1
            while True:
                params = {"shop_id": SHOP_ID, "page": page, "per_page": 50}
                found = http.get(
                    f"{base_url}/inventory/v1/fs/13004/product/info", params=params, timeout=60
                ).json()["data"]
                for product in found:
                    copy.write_row((product["basic"]["productID"], json.dumps(product)))
                rows += len(found)
                if len(found) < 50:
                    break
                page += 1
    return {"rows": rows, "seconds": time.perf_counter() - started}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=20_000)
    args = parser.parse_args()
    missed = []
    options = (
        "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
        "--shop", f"{SHOP_ID}:Toko Bench:1", "--orders", str(args.orders),
        "--products", str(args.products), "--history-days", str(HISTORY_DAYS),
        "--order-rate", "0", "--advance-rate", "0", "--budgets", "off",
    )  # fmt: skip
    print(f"Seeding a sandbox with {args.orders:,} orders and {args.products:,} products ...")
    with SandboxProcess(*options) as sandbox:
        days = HISTORY_DAYS + 1
        print("\nEnd to end, budgets off")
        with fresh_database() as database:
            full = sync_in_child(sandbox.base_url, database, days, ("orders", "products"))
        with fresh_database() as database:
            plain = baseline(sandbox.base_url, database)
        ours_rows = full["orders"]["rows"] + full["products"]["rows"]
        ours_seconds = full["orders"]["seconds"] + full["products"]["seconds"]
        ours_rate, plain_rate = ours_rows / ours_seconds, plain["rows"] / plain["seconds"]
        line("orders synced", f"{full['orders']['rows']:,} in {full['orders']['seconds']:.1f} s")
        line(
            "products synced",
            f"{full['products']['rows']:,} in {full['products']['seconds']:.1f} s",
        )
        line("sync, rows per second", f"{ours_rate:,.0f}")
        line("plain fetch + COPY, rows per second", f"{plain_rate:,.0f}")
        ratio = ours_rate / plain_rate
        line("ratio to plain COPY", f"{ratio:.2f}", ">= 0.50", ratio >= 0.5)
        if ratio < 0.5:
            missed.append("ratio")

        print("\nPeak memory of the syncing process")
        peaks = []
        for share in (0.25, 0.5, 1.0):
            with fresh_database() as database:
                figures = sync_in_child(
                    sandbox.base_url, database, max(1, int(days * share)), ("orders",)
                )
            peaks.append(figures["peak_rss_mb"])
            line(
                f"orders of the last {max(1, int(days * share))} days",
                f"{figures['orders']['rows']:,} rows, {figures['start_rss_mb']:.0f} -> "
                f"{figures['peak_rss_mb']:.0f} MB",
                "< 300 MB",
                figures["peak_rss_mb"] < 300,
            )
        line(
            "peak memory at full size / at a quarter",
            f"{peaks[-1] / peaks[0]:.2f}",
            "flat (< 1.25)",
            peaks[-1] / peaks[0] < 1.25,
        )
        if max(peaks) >= 300 or peaks[-1] / peaks[0] >= 1.25:
            missed.append("memory")

        print("\nNo-change incremental run")
        with fresh_database() as database:
            sync(sandbox.base_url, database, days, ("orders", "products"))
            again = sync(sandbox.base_url, database, days, ("orders", "products"))
        for stream in ("orders", "products"):
            written = again[stream]["written"]
            line(
                f"{stream}: requests, rows rewritten",
                f"{again[stream]['requests']}, {written}",
                "0 rows rewritten",
                written == 0,
            )
            if written:
                missed.append(f"{stream} rewrite")

        print(f"\nOrder budget on: {BUDGETED_ORDERS_PER_MINUTE}/min in the sandbox and the client")
        sandbox.control.configure(budgets={"orders": BUDGETED_ORDERS_PER_MINUTE})
        first = sandbox.control.last_seq()
        with fresh_database() as database:
            sync(
                sandbox.base_url,
                database,
                days,
                ("orders",),
                {"orders": BUDGETED_ORDERS_PER_MINUTE},
            )
        use = budget_use(
            sandbox.control.requests(since=first, family="orders")["requests"],
            BUDGETED_ORDERS_PER_MINUTE,
        )
        line("requests", f"{use['requests']:,} in {use['seconds']:.0f} s")
        line("fastest any client could within the budget", f"{use['ideal_seconds']:.0f} s")
        line(
            "share of the order budget used", f"{use['share']:.1%}", ">= 90 %", use["share"] >= 0.9
        )
        line(
            "most requests in any 60 s",
            f"{use['max_in_any_minute']}",
            f"<= {BUDGETED_ORDERS_PER_MINUTE}",
            use["max_in_any_minute"] <= BUDGETED_ORDERS_PER_MINUTE,
        )
        line("429s and throttled rows", f"{use['throttled']}", "0", use["throttled"] == 0)
        if use["share"] < 0.9 or use["throttled"]:
            missed.append("budget")
    print("\nAll targets met." if not missed else f"\nMissed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
