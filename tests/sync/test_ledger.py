"""The run ledger tells a run whose process died from one still going in another process."""

from __future__ import annotations

import time

import psycopg

from tokopedia_sync.db.migrate import migrate
from tokopedia_sync.sync.ledger import RunLedger

RUN = {"shop_id": 479573, "shop_key": "uji", "stream": "orders", "dag_id": None}


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def outcomes(conn) -> dict[int, str]:
    return dict(conn.execute("SELECT run_id, outcome FROM tokopedia.sync_runs").fetchall())


def wait_until_gone(conn, pid: int) -> None:
    """Postgres ends a session shortly after its client went away."""
    deadline = time.monotonic() + 10
    while conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", (pid,)
    ).fetchone()[0]:
        assert time.monotonic() < deadline, "the closed session never ended"
        time.sleep(0.05)


def test_a_run_still_going_elsewhere_stays_running_and_one_whose_process_died_is_interrupted(
    staging_url,
):
    with connect(staging_url) as backfill, connect(staging_url) as scheduled:
        migrate(scheduled, "tokopedia")
        killed = connect(staging_url)
        dead = RunLedger(killed, "tokopedia").open(**RUN, airflow_run_id="killed")
        going = RunLedger(backfill, "tokopedia").open(**RUN, airflow_run_id="backfill")
        pid = killed.info.backend_pid
        killed.close()
        wait_until_gone(scheduled, pid)

        new = RunLedger(scheduled, "tokopedia").open(**RUN, airflow_run_id="scheduled")

        assert outcomes(scheduled) == {dead: "interrupted", going: "running", new: "running"}
