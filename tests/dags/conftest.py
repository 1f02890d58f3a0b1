"""Run the real DAGs with `dag.test()` against the sandbox and a fresh staging database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.conftest import CLIENT_ID, CLIENT_SECRET, FS_ID, OTHER_SHOP_ID, ROOT, SHOP_ID

POSTGRES_CONN = "tokopedia_postgres_test"


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's metadata database (SQLite in the test home), which dag.test() needs."""
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="session")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    return bag


def tokopedia_connection(base_url: str, shop_id: int) -> str:
    return json.dumps(
        {
            "conn_type": "tokopedia",
            "host": base_url,
            "login": CLIENT_ID,
            "password": CLIENT_SECRET,
            "extra": {
                "fs_id": FS_ID,
                "shop_id": shop_id,
                "auth_base_url": f"{base_url}/accounts",
            },
        }
    )


@pytest.fixture
def connections(monkeypatch, sandbox, staging_url) -> dict[str, str]:
    """Connections of the test shops file: both shops on the sandbox, a fresh staging db."""
    env = {
        "AIRFLOW_CONN_TOKOPEDIA_UJI": tokopedia_connection(sandbox.base_url, SHOP_ID),
        "AIRFLOW_CONN_TOKOPEDIA_KEDUA": tokopedia_connection(sandbox.base_url, OTHER_SHOP_ID),
        f"AIRFLOW_CONN_{POSTGRES_CONN.upper()}": staging_url.replace(
            "postgresql://", "postgres://"
        ),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


class Staging:
    """The staging database as an analyst sees it."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchall()

    def value(self, sql: str, *params):
        return self.rows(sql, *params)[0][0]

    def wait_for_other_sessions_to_end(self, timeout: float = 10.0) -> None:
        """After a killed run: Postgres ends its sessions (and frees their locks) soon after."""
        deadline = time.monotonic() + timeout
        while self.value(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ):
            assert time.monotonic() < deadline, "the killed run's sessions never ended"
            time.sleep(0.05)


@pytest.fixture
def staging(connections, staging_url) -> Staging:
    return Staging(staging_url)


def next_quarter_hour() -> datetime:
    """A logical date whose data interval ends after now, so a run reads up to the present."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now + timedelta(minutes=15 - now.minute % 15)


@pytest.fixture
def run_dag(dagbag, connections):
    """Run a DAG once, like the scheduler would, and insist that it succeeded."""

    def run(dag_id: str, logical_date: datetime | None = None, conf: dict | None = None):
        dag = dagbag.get_dag(dag_id)
        dag_run = dag.test(logical_date=logical_date or next_quarter_hour(), run_conf=conf)
        assert dag_run.state == "success", f"{dag_id} ended {dag_run.state}"
        return dag_run

    return run
