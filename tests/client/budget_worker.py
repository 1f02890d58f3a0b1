"""A process that reads orders as fast as its shared budget allows, for the budget tests.

Usage: python -m tests.client.budget_worker BASE_URL POSTGRES_URL SECONDS ORDERS_PER_MINUTE
After SECONDS it prints one JSON line (calls made, calls failed) and exits, even while a call is
waiting for budget.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

import psycopg

from tests.client.conftest import sandbox_config
from tokopedia_sync.client import PostgresBudget, TokopediaClient, TokopediaError


class _Sandbox:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url


def main() -> None:
    base_url, postgres_url, seconds, per_minute = sys.argv[1:5]
    config = sandbox_config(
        _Sandbox(base_url), budgets={"orders": int(per_minute)}, max_retry_seconds=600
    )
    budget = PostgresBudget(
        lambda: psycopg.connect(postgres_url), config.budgets, config.budget_key
    )
    client = TokopediaClient(config, budget=budget)
    counts = {"calls": 0, "failures": 0}

    def work() -> None:
        now = time.time()
        order_ids = [o["order_id"] for o in client.orders.list(now - 86_400, now)]
        while True:
            try:
                client.orders.get(order_ids[counts["calls"] % len(order_ids)])
            except TokopediaError:
                counts["failures"] += 1
            counts["calls"] += 1

    threading.Thread(target=work, daemon=True).start()
    time.sleep(float(seconds))
    print(json.dumps(counts), flush=True)
    os._exit(0)


if __name__ == "__main__":
    main()
