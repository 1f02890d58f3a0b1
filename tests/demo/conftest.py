"""The demo stack started exactly as the README says (`make demo`), shared by the demo tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT

READY_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Demo:
    home: Path
    airflow_url: str
    sandbox_url: str
    process: subprocess.Popen
    output: deque

    @property
    def staging_url(self) -> str:
        return f"postgresql://postgres@/tokopedia?host={self.home / 'postgres'}"

    def stop(self) -> None:
        """What Ctrl-C in the demo's terminal does."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(120)

    def leftovers(self) -> list[str]:
        """Processes the demo started that are still alive."""
        alive = []
        for process in psutil.process_iter(["pid", "cmdline"]):
            try:
                cmdline = " ".join(process.info["cmdline"] or [])
                in_group = os.getpgid(process.info["pid"]) == self.process.pid
            except (psutil.Error, ProcessLookupError):
                continue
            if in_group or str(self.home) in cmdline:
                alive.append(cmdline[:120])
        return alive


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`make demo` in its own state directory and ports; stopped with Ctrl-C at the end."""
    home = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "TOKOPEDIA_"))}
    env.update(
        TOKOPEDIA_DEMO_HOME=str(home),
        TOKOPEDIA_DEMO_AIRFLOW_PORT=str(free_port()),
        TOKOPEDIA_DEMO_SANDBOX_PORT=str(free_port()),
    )
    process = subprocess.Popen(
        ["make", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: deque[str] = deque(maxlen=2000)
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + READY_TIMEOUT
    airflow = sandbox = None
    while time.monotonic() < deadline and not (airflow and sandbox):
        text = "\n".join(output)
        airflow = re.search(r"Airflow UI\s+(http://\S+)", text)
        sandbox = re.search(r"Sandbox\s+(http://\S+)", text)
        if process.poll() is not None:
            break
        time.sleep(0.5)
    if not (airflow and sandbox):
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the demo did not come up:\n" + "\n".join(output))
    running = Demo(home, airflow.group(1), sandbox.group(1), process, output)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = ROOT / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
