"""Rate budgets held in Postgres bind every process using the same credentials."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tokopedia_sync.client import PostgresBudget

ROOT = Path(__file__).resolve().parents[2]
PER_MINUTE = 240
RUN_SECONDS = 64


def sliding_max(moments: list[float], units: list[int], width: float = 60.0) -> int:
    """The most units inside any window of `width` seconds."""
    best, low, total = 0, 0, 0
    for high, moment in enumerate(moments):
        total += units[high]
        while moments[low] <= moment - width:
            total -= units[low]
            low += 1
        best = max(best, total)
    return best


@pytest.mark.slow
def test_two_processes_at_full_speed_share_one_budget_and_use_it_up(sandbox, postgres_url):
    sandbox.control.configure(budgets={"orders": PER_MINUTE})
    first = sandbox.control.last_seq()
    command = [sys.executable, "-m", "tests.client.budget_worker"]
    args = [sandbox.base_url, postgres_url, str(RUN_SECONDS), str(PER_MINUTE)]

    workers = [
        subprocess.Popen([*command, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    reports = [json.loads(worker.communicate(timeout=RUN_SECONDS + 60)[0]) for worker in workers]

    log = sandbox.control.requests(since=first, family="orders")["requests"]
    moments = [entry["time"] for entry in log]
    units = [entry["units"] for entry in log]
    span = moments[-1] - moments[0]
    used = sum(units) / (PER_MINUTE * (span + 60) / 60)
    assert [entry for entry in log if entry["status"] == 429 or entry["throttled"]] == []
    assert sliding_max(moments, units) <= PER_MINUTE
    assert used >= 0.9, f"used {used:.0%} of the budget over {span:.0f} s"
    assert all(report["failures"] == 0 and report["calls"] > PER_MINUTE / 4 for report in reports)


def test_a_pause_after_a_429_holds_every_process_of_the_credentials(postgres_url):
    key = "pause-test@sandbox/orders"

    def budget() -> PostgresBudget:
        return PostgresBudget(
            lambda: psycopg.connect(postgres_url), {"orders": 1000}, lambda family: key
        )

    one, other = budget(), budget()
    waits: list[float] = []
    other._sleep = waits.append
    one.pause("orders", 3.0)

    other.acquire("orders", 1, max_wait=float("inf"))

    assert 2.5 <= waits[0] <= 3.0
    one.close()
    other.close()


def test_a_tighter_limit_announced_by_tokopedia_is_kept_to_without_a_429(make_client, sandbox):
    sandbox.control.configure(budgets={"orders": 30})
    client = make_client(budgets={"orders": 200})
    order_ids = [o["order_id"] for o in sandbox.control.orders()[:30]]
    first = sandbox.control.last_seq()

    for order_id in order_ids:
        client.orders.get(order_id)

    log = sandbox.control.requests(since=first, family="orders")["requests"]
    assert [entry["status"] for entry in log] == [200] * 30
    assert client.budget.capacity("orders") == 30
