"""Fixtures shared by every test: a sandbox server process with known values, throwaway
Postgres databases, and the Airflow settings the DAG tests run under."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("TOKOPEDIA_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
TEST_HOME = Path(tempfile.mkdtemp(prefix="tokopedia-sync-tests-"))
SHOPS_FILE = TEST_HOME / "shops.yaml"
SYNC_START = (datetime.now(UTC) - timedelta(days=25)).date()

# Airflow reads its settings at import time: keep test runs away from ~/airflow and let the DAGs
# read a shops file made for the test sandbox.
os.environ["AIRFLOW_HOME"] = str(TEST_HOME / "airflow")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["TOKOPEDIA_SHOPS_FILE"] = str(SHOPS_FILE)
SHOPS_FILE.write_text(
    f"""
postgres_conn_id: tokopedia_postgres_test
schema: tokopedia
owner: data-engineering
shops:
  - key: uji
    tokopedia_conn_id: tokopedia_uji
    interval: 15
    start_date: {SYNC_START.isoformat()}
  - key: kedua
    tokopedia_conn_id: tokopedia_kedua
    interval: manual
    start_date: {SYNC_START.isoformat()}
    features:
      orders: false
      inventory: false
      shop_info: true
      logistics: true
"""
)

from tokopedia_sync.sandbox.process import SandboxProcess  # noqa: E402

FS_ID = 13004
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret-5f2b9c"
SHOP_ID = 479573
OTHER_SHOP_ID = 480001
UNLINKED_SHOP_ID = 999999
WAREHOUSES = (4795730, 4795731)

SANDBOX_OPTIONS = (
    "--client-id", CLIENT_ID,
    "--client-secret", CLIENT_SECRET,
    "--fs-id", str(FS_ID),
    "--shop", f"{SHOP_ID}:Toko Uji:2",
    "--shop", f"{OTHER_SHOP_ID}:Toko Kedua",
    "--orders", "600",
    "--products", "120",
    "--history-days", "20",
    "--seed", "2024",
    "--order-rate", "0",
    "--advance-rate", "0",
    "--slow-seconds", "1.5",
)  # fmt: skip


@pytest.fixture(scope="session")
def sandbox_server():
    """One sandbox process for the whole run; no orders arrive unless a test ticks."""
    with SandboxProcess(*SANDBOX_OPTIONS) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own for this test session, dropped at the end."""
    with _database() as url:
        yield url


@pytest.fixture
def staging_url() -> Iterator[str]:
    """A fresh, empty database for one test, dropped after it."""
    with _database() as url:
        yield url


@contextlib.contextmanager
def _database() -> Iterator[str]:
    name = f"tokopedia_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_URL}/{name}"
    finally:
        with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sandbox(sandbox_server):
    """The shared sandbox, reset to its seeded state (budgets, faults and tokens too)."""
    sandbox_server.control.reset()
    return sandbox_server


def at_once(work: Callable[[], object], threads: int) -> list[Exception]:
    """Run `work` in `threads` threads released together; the exceptions they raised."""
    start = threading.Barrier(threads)
    errors: list[Exception] = []

    def run() -> None:
        start.wait()
        try:
            work()
        except Exception as exc:
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors
