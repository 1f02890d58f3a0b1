"""`make demo`: the whole product on one machine, with nothing to install but Python.

Starts the Tokopedia sandbox (a seeded shop whose orders keep arriving), a Postgres for the
staging tables ($TOKOPEDIA_DEMO_POSTGRES if set, otherwise an embedded one from the `pgserver`
package), and `airflow standalone` with the connections pointing at them and the demo shop's
DAGs unpaused. Ctrl-C stops everything it started.

Settings, all optional: TOKOPEDIA_DEMO_HOME (state, default .demo/ in the project),
TOKOPEDIA_DEMO_AIRFLOW_PORT (8080), TOKOPEDIA_DEMO_SANDBOX_PORT (8765), TOKOPEDIA_DEMO_POSTGRES.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests

from tokopedia_sync.sandbox.process import SandboxProcess

PROJECT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "admin", "admin"
SHOP_ID, CLIENT_ID, CLIENT_SECRET = 479573, "demo-client-id", "demo-client-secret"
STAGING_DATABASE = "tokopedia"


@dataclass(frozen=True)
class DemoSettings:
    home: Path
    airflow_port: int
    sandbox_port: int
    postgres_url: str | None

    @classmethod
    def from_environment(cls) -> DemoSettings:
        env = os.environ
        return cls(
            home=Path(env.get("TOKOPEDIA_DEMO_HOME") or PROJECT / ".demo").resolve(),
            airflow_port=int(env.get("TOKOPEDIA_DEMO_AIRFLOW_PORT") or 8080),
            sandbox_port=int(env.get("TOKOPEDIA_DEMO_SANDBOX_PORT") or 8765),
            postgres_url=env.get("TOKOPEDIA_DEMO_POSTGRES") or None,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


class EmbeddedPostgres:
    """A Postgres of the demo's own, from the pgserver package; stops when the demo stops."""

    def __init__(self, data: Path) -> None:
        self.data = data
        with warnings.catch_warnings():
            # pgserver asks for a runtime directory it does not need; on machines without
            # XDG_RUNTIME_DIR that is a warning about nothing.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            import pgserver

            self._server = pgserver.get_server(str(data), cleanup_mode="stop")
        self.url = f"postgresql://postgres@/postgres?host={data}"

    def ensure_database(self, name: str) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def connection(self, name: str) -> dict[str, Any]:
        return {
            "conn_type": "postgres",
            "host": str(self.data),
            "login": "postgres",
            "schema": name,
        }

    def psql(self, name: str) -> str:
        import pgserver

        binary = Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
        return f"{binary} -h {self.data} -U postgres {name}"

    def stop(self) -> None:
        self._server.cleanup()


def postgres_connection(url: str) -> dict[str, Any]:
    """An Airflow connection (JSON form) for a postgresql:// URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return {
        "conn_type": "postgres",
        "host": parts.hostname or "",
        "port": parts.port or 5432,
        "login": parts.username or "",
        "password": parts.password or "",
        "schema": parts.path.lstrip("/") or "postgres",
    }


def write_shops_file(path: Path) -> None:
    start = (datetime.now(UTC) - timedelta(days=30)).date()
    path.write_text(
        "# Written by the demo: the sandbox's shop, synced every 5 minutes.\n"
        "postgres_conn_id: tokopedia_postgres\n"
        "schema: tokopedia\n"
        "shops:\n"
        "  - key: demo\n"
        "    tokopedia_conn_id: tokopedia_demo\n"
        "    interval: 5\n"
        f"    start_date: {start.isoformat()}\n"
        "    features: {products: true, orders: true, inventory: true}\n"
    )


def airflow_environment(
    settings: DemoSettings, sandbox_url: str, postgres: dict[str, Any]
) -> dict[str, str]:
    home = settings.home / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({USER: PASSWORD}))
    shops = settings.home / "shops.yaml"
    write_shops_file(shops)
    tokopedia = {
        "conn_type": "tokopedia",
        "host": sandbox_url,
        "login": CLIENT_ID,
        "password": CLIENT_SECRET,
        "extra": {
            "fs_id": 13004,
            "shop_id": SHOP_ID,
            "webhook_secret": "demo-webhook-secret",
            "auth_base_url": f"{sandbox_url}/accounts",
        },
    }
    venv_bin = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW__API__PORT": str(settings.airflow_port),
        "AIRFLOW__API__BASE_URL": f"http://localhost:{settings.airflow_port}",
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "10",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
        "TOKOPEDIA_SHOPS_FILE": str(shops),
        "AIRFLOW_CONN_TOKOPEDIA_DEMO": json.dumps(tokopedia),
        "AIRFLOW_CONN_TOKOPEDIA_POSTGRES": json.dumps(postgres),
    }


class Airflow:
    """`airflow standalone` in a process group of its own, so that stopping it stops all."""

    def __init__(self, environment: dict[str, str], log: Path) -> None:
        self._log = log.open("ab")
        self._process = subprocess.Popen(
            [str(Path(sys.executable).parent / "airflow"), "standalone"],
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, url: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"airflow standalone exited ({self._process.returncode})")
            try:
                if requests.get(f"{url}/api/v2/version", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError(f"Airflow did not answer at {url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(30)
        # Whatever standalone started and left behind goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._log.close()


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    settings = DemoSettings.from_environment()
    settings.home.mkdir(parents=True, exist_ok=True)
    started: list[Any] = []
    signal.signal(signal.SIGTERM, _stop_like_ctrl_c)
    # Started in the background by a shell, Python would inherit an ignored SIGINT.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Something else answering on a port would pass for the demo's own server: refuse early.
    for port, variable in (
        (settings.airflow_port, "TOKOPEDIA_DEMO_AIRFLOW_PORT"),
        (settings.sandbox_port, "TOKOPEDIA_DEMO_SANDBOX_PORT"),
    ):
        if port_in_use(port):
            say(f"port {port} is already in use (another demo?): stop it or set {variable}")
            return 1
    try:
        say("starting the Tokopedia sandbox ...")
        sandbox = SandboxProcess(
            "--port", str(settings.sandbox_port),
            "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
            "--shop", f"{SHOP_ID}:Toko Demo:2", "--orders", "3000", "--products", "400",
            "--order-rate", "12", "--advance-rate", "40",
        )  # fmt: skip
        started.append(sandbox)
        if settings.postgres_url:
            say("using the Postgres of TOKOPEDIA_DEMO_POSTGRES for the staging tables")
            postgres = postgres_connection(settings.postgres_url)
            psql = f"psql {settings.postgres_url}"
        else:
            say("starting an embedded Postgres (pgserver) ...")
            embedded = EmbeddedPostgres(settings.home / "postgres")
            started.append(embedded)
            embedded.ensure_database(STAGING_DATABASE)
            postgres = embedded.connection(STAGING_DATABASE)
            psql = embedded.psql(STAGING_DATABASE)
        say("starting Airflow (airflow standalone) ...")
        airflow_url = f"http://localhost:{settings.airflow_port}"
        airflow = Airflow(
            airflow_environment(settings, sandbox.base_url, postgres),
            settings.home / "airflow.log",
        )
        started.append(airflow)
        airflow.wait_ready(airflow_url)
        print(
            f"""
  Airflow UI   {airflow_url}   (login {USER} / {PASSWORD})
  Sandbox      {sandbox.base_url}   (ground truth at {sandbox.base_url}/_sandbox/orders)
  Postgres     {psql}
               e.g. SELECT status_name, count(*) FROM tokopedia.orders GROUP BY 1;
  Logs         {settings.home / "airflow.log"}

  The demo shop's DAGs (tokopedia_demo_orders, _products, _inventory) run every 5 minutes;
  the first runs start within a minute. Ctrl-C stops everything.
""",
            flush=True,
        )
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        say("stopping ...")
        return 0
    finally:
        for part in reversed(started):
            part.stop()
        say("stopped")


if __name__ == "__main__":
    sys.exit(main())
