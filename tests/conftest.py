"""Fixtures shared by every test: a sandbox server process with known values."""

from __future__ import annotations

import os
import tempfile

import pytest

# Airflow reads its home and settings at import time; keep test runs away from ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="tokopedia-sync-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")

from tokopedia_sync.sandbox.process import SandboxProcess

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


@pytest.fixture
def sandbox(sandbox_server):
    """The shared sandbox, reset to its seeded state (budgets, faults and tokens too)."""
    sandbox_server.control.reset()
    return sandbox_server
