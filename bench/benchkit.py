"""What the benchmarks share: the sandbox's credentials, throwaway databases, a client on the
sandbox, and the judgement of how well a run used its rate budget."""

from __future__ import annotations

import contextlib
import itertools
import os
import uuid
from collections import deque
from collections.abc import Iterator

import psycopg

from tokopedia_sync.client import ClientConfig

POSTGRES_URL = os.environ.get("TOKOPEDIA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
SHOP_ID = 479573
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    name = f"tokopedia_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def client_config(base_url: str, budgets: dict | None) -> ClientConfig:
    return ClientConfig(
        fs_id=13004,
        shop_id=SHOP_ID,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        api_base_url=base_url,
        auth_base_url=f"{base_url}/accounts",
        budgets=budgets or dict.fromkeys(("products", "orders", "inventory", "shop")),
        max_retry_seconds=900,
    )


def fastest_schedule(units: list[int], per_minute: int, service_seconds: float) -> float:
    """Seconds from the first to the last request for a perfect client: it sends each request
    the moment the budget ("at most N units in any 60 s") allows, one at a time."""
    spent: deque[tuple[float, int]] = deque()
    in_window, now, last = 0, 0.0, 0.0
    for count in units:
        while in_window + count > per_minute:
            moment, freed = spent.popleft()
            in_window -= freed
            now = max(now, moment + 60.0)
        spent.append((now, count))
        in_window += count
        last = now
        now += service_seconds
    return last


def budget_use(log: list[dict], per_minute: int) -> dict:
    """The share of the budget a budget-bound run used: the duration a perfect client would
    need for the same requests, over the real one; plus the most units in any 60 s."""
    moments = [entry["time"] for entry in log]
    units = [entry["units"] for entry in log]
    gaps = sorted(b - a for a, b in itertools.pairwise(moments))
    service = gaps[len(gaps) // 2] if gaps else 0.0
    ideal = fastest_schedule(units, per_minute, service)
    actual = moments[-1] - moments[0] if moments else 0.0
    most, low, total = 0, 0, 0
    for high, moment in enumerate(moments):
        total += units[high]
        while moments[low] <= moment - 60:
            total -= units[low]
            low += 1
        most = max(most, total)
    return {
        "requests": len(log),
        "units": sum(units),
        "seconds": actual,
        "ideal_seconds": ideal,
        "share": ideal / actual if actual else 1.0,
        "max_in_any_minute": most,
        "throttled": sum(1 for e in log if e["status"] == 429 or e["throttled"]),
    }


def line(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("ok" if ok else "MISSED")
    print(f"  {label:<48} {value:>22}   {target:<26} {verdict}")
