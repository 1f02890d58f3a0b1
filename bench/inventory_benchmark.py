"""Benchmark of the stock push against the sandbox.

    .venv/bin/python bench/inventory_benchmark.py [--targets 20000] [--changed 2000]

Writes the targets into a fresh staging database (after a products sync), of which `--changed`
differ from Tokopedia, and runs the stock push as the inventory task does, as one Airflow run.
The inventory budget is scaled up (the same in the sandbox and the client) so that sending takes
about a minute. Prints the items sent (must equal the changed rows), the requests, and the share
of the inventory budget used while sending (target >= 90 %, no 429).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg

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
from tokopedia_sync.shops import DEFAULT_FEATURES, InventorySettings, Shop
from tokopedia_sync.sync import runner


def shop(changed: int) -> Shop:
    start = (datetime.now(UTC) - timedelta(days=1)).date()
    return Shop(
        key="bench",
        tokopedia_conn_id="unused",
        interval=15,
        start_date=start,
        features=dict(DEFAULT_FEATURES),
        inventory=InventorySettings(max_items_per_run=changed),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=20_000)
    parser.add_argument("--changed", type=int, default=2_000)
    args = parser.parse_args()
    per_minute = args.changed // 2
    budgets = {"products": None, "orders": None, "inventory": per_minute, "shop": None}
    options = (
        "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
        "--shop", f"{SHOP_ID}:Toko Bench:1", "--orders", "10",
        "--products", str(int(args.targets * 1.3)), "--order-rate", "0", "--advance-rate", "0",
        "--budgets", f"products=off,orders=off,shop=off,inventory={per_minute}",
    )  # fmt: skip
    print(f"Stock push: {args.targets:,} targets, {args.changed:,} of them changed")
    with SandboxProcess(*options) as sandbox, fresh_database() as database:
        config = client_config(sandbox.base_url, budgets)
        budget = PostgresBudget(
            lambda: psycopg.connect(database), config.budgets, config.budget_key
        )
        with (
            TokopediaClient(config, budget=budget) as client,
            psycopg.connect(database, autocommit=True) as conn,
        ):
            with runner.ledgered_run(
                client, conn, "tokopedia", shop(args.changed), "products"
            ) as run:
                runner.sync_products(run)
            rows = conn.execute(
                "SELECT p.sku, s.stock FROM tokopedia.products p JOIN tokopedia.product_stock s "
                "USING (product_id) WHERE cardinality(p.children_ids) = 0 AND p.status_code = 1 "
                "ORDER BY p.product_id LIMIT %s",
                (args.targets,),
            ).fetchall()
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY tokopedia.stock_targets (shop_id, sku, target_stock, requested_by) "
                    "FROM STDIN"
                ) as copy,
            ):
                for index, (sku, stock) in enumerate(rows):
                    change = 1 + index % 9 if index % (len(rows) // args.changed) == 0 else 0
                    copy.write_row((SHOP_ID, sku, stock + change, "bench"))
            changed = sum(
                1 for index in range(len(rows)) if index % (len(rows) // args.changed) == 0
            )
            first = sandbox.control.last_seq()
            started = time.perf_counter()
            with runner.ledgered_run(
                client,
                conn,
                "tokopedia",
                shop(args.changed),
                "inventory",
                dag_id="tokopedia_bench_inventory",
                airflow_run_id="manual__bench",
            ) as run:
                runner.push_stock(run, 15, dry_run=False)
            seconds = time.perf_counter() - started
        log = sandbox.control.requests(since=first, family="inventory")["requests"]
        use = budget_use(log, per_minute)
        line("targets written", f"{len(rows):,}")
        line("targets that differ from Tokopedia", f"{changed:,}")
        line("items sent", f"{use['units']:,}", f"= {changed:,}", use["units"] == changed)
        line(
            "requests (batches of at most 100)",
            f"{use['requests']}",
            f"= {-(-changed // 100)}",
            use["requests"] == -(-changed // 100),
        )
        line("push run, plan and apply", f"{seconds:.1f} s")
        line(f"inventory budget ({per_minute}/min): sending took", f"{use['seconds']:.0f} s")
        line("fastest any client could within the budget", f"{use['ideal_seconds']:.0f} s")
        line(
            "share of the inventory budget used",
            f"{use['share']:.1%}",
            ">= 90 %",
            use["share"] >= 0.9,
        )
        line(
            "most items in any 60 s",
            f"{use['max_in_any_minute']}",
            f"<= {per_minute}",
            use["max_in_any_minute"] <= per_minute,
        )
        line("429s and throttled rows", f"{use['throttled']}", "0", use["throttled"] == 0)
        ok = use["units"] == changed and use["share"] >= 0.9 and use["throttled"] == 0
    print("\nAll targets met." if ok else "\nSome targets missed.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
