"""Rate budgets held in Postgres bind every process using the same credentials."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.conftest import CLIENT_ID, at_once
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


@pytest.fixture
def shared_budget(postgres_url):
    """Make Postgres budgets in a schema of this test's own, closed after it."""
    schema = f"budget_{uuid.uuid4().hex[:8]}"
    made: list[PostgresBudget] = []

    def make(budgets: dict) -> PostgresBudget:
        budget = PostgresBudget(
            lambda: psycopg.connect(postgres_url),
            budgets,
            lambda family: f"{CLIENT_ID}@sandbox/{family}",
            schema=schema,
        )
        made.append(budget)
        return budget

    make.schema = schema
    yield make
    for budget in made:
        budget.close()


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


def test_requests_someone_else_spent_are_counted_from_the_remaining_header(make_client, sandbox):
    # Another system spent 6 of the shop's 10 requests this minute with the same credentials.
    sandbox.control.configure(budgets={"shop": 10})
    other = make_client(budgets={"shop": None})
    for _ in range(6):
        other.shop.info()
    client = make_client(budgets={"shop": 10}, max_retry_seconds=3.0)
    client.shop.info()
    first = sandbox.control.last_seq()
    errors = at_once(client.shop.info, threads=8)

    log = sandbox.control.requests(since=first, family="shop")["requests"]
    assert [entry["status"] for entry in log] == [200] * 3
    assert len(errors) == 5
    assert all("budget has no room" in str(error) for error in errors)


def test_a_429_pauses_every_process_even_when_the_family_has_no_budget(
    make_client, sandbox, shared_budget
):
    one = make_client(budgets={"shop": None}, budget=shared_budget({"shop": None}))
    other = make_client(budgets={"shop": None}, budget=shared_budget({"shop": None}))
    one.shop.info()
    other.shop.info()
    sandbox.control.configure(fault_retry_after="2")
    sandbox.control.script_faults("429", path_prefix="/v1/shop")
    first = sandbox.control.last_seq()

    refused = threading.Thread(target=one.shop.info)
    refused.start()
    while not sandbox.control.requests(since=first, path_prefix="/v1/shop")["requests"]:
        time.sleep(0.02)
    other.shop.info()
    refused.join()

    log = sandbox.control.requests(since=first, path_prefix="/v1/shop")["requests"]
    assert [entry["status"] for entry in log] == [429, 200, 200]
    assert all(entry["time"] >= log[0]["time"] + 1.9 for entry in log[1:])


def test_budget_is_taken_after_the_token_so_a_slow_token_fetch_does_not_delay_a_spent_request(
    make_client, sandbox, shared_budget, postgres_url
):
    budget = shared_budget({"shop": 50})
    client = make_client(budget=budget)
    sandbox.control.script_faults("slow", path_prefix="/accounts/token")
    first = sandbox.control.last_seq()

    client.shop.info()

    [arrived] = sandbox.control.requests(since=first, path_prefix="/v1/shop")["requests"]
    with psycopg.connect(postgres_url) as conn:
        [(spent_at,)] = conn.execute(
            f"SELECT extract(epoch FROM spent_at) FROM {shared_budget.schema}.rate_budget_spend"
        ).fetchall()
    # The spend is recorded at the next 100 ms; the token took 1.5 s to come.
    assert abs(arrived["time"] - float(spent_at)) < 0.5
