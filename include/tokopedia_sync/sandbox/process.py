"""Start a sandbox server as a separate process and steer it through `/_sandbox/`.

Used by the tests, the benchmarks and the demo, so that all of them meet the sandbox the way a
user does: over real HTTP, in another process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import deque
from typing import Any

import requests

LISTENING = "Tokopedia sandbox listening on "


class SandboxProcess:
    """A running `tokopedia-sandbox`; use as a context manager or call `stop()`."""

    def __init__(self, *options: str, startup_timeout: float = 120.0) -> None:
        command = [sys.executable, "-m", "tokopedia_sync.sandbox.cli", "--port", "0", *options]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.output: deque[str] = deque(maxlen=500)
        self.base_url = self._wait_for_address(startup_timeout)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.control = SandboxControl(self.base_url)
        self.control.wait_healthy(startup_timeout)

    def _wait_for_address(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        assert self._process.stdout is not None
        while time.monotonic() < deadline:
            line = self._process.stdout.readline()
            if not line:
                break
            self.output.append(line.rstrip())
            if line.startswith(LISTENING):
                return line[len(LISTENING) :].strip()
        self.stop()
        raise RuntimeError("the sandbox did not start:\n" + "\n".join(self.output))

    def _drain(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.output.append(line.rstrip())

    @property
    def pid(self) -> int:
        return self._process.pid

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SandboxControl:
    """Client for the sandbox's ground-truth and control endpoints."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(
            method, f"{self.base_url}/_sandbox/{path}", timeout=120, **kwargs
        )
        response.raise_for_status()
        return response.json()

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._call("GET", "health")
                return
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def settings(self) -> dict:
        return self._call("GET", "settings")

    def configure(self, **changes: Any) -> dict:
        """Change run-time knobs: budgets, faults, fault_seed, token_ttl, rates, slow_seconds,
        fault_retry_after, max_window_orders."""
        return self._call("PATCH", "settings", json=changes)

    def reset(self) -> None:
        self._call("POST", "reset")

    def tick(self, new_orders: int = 0, advances: int = 0, shop_id: int | None = None) -> dict:
        body = {"new_orders": new_orders, "advances": advances, "shop_id": shop_id}
        return self._call("POST", "tick", json=body)

    def orders(self, shop_id: int | None = None, detail: bool = False) -> list[dict]:
        params: dict[str, Any] = {"detail": int(detail)}
        if shop_id is not None:
            params["shop_id"] = shop_id
        return self._call("GET", "orders", params=params)

    def order(self, order_id: int) -> dict:
        return self._call("GET", f"orders/{order_id}")

    def products(self, shop_id: int | None = None) -> list[dict]:
        params = {} if shop_id is None else {"shop_id": shop_id}
        return self._call("GET", "products", params=params)

    def requests(self, since: int = 0, family: str | None = None, path_prefix: str = "") -> dict:
        params: dict[str, Any] = {"since": since, "path_prefix": path_prefix}
        if family is not None:
            params["family"] = family
        return self._call("GET", "requests", params=params)

    def last_seq(self) -> int:
        return self.requests(since=10**12)["last_seq"]

    def script_faults(self, *faults: str, path_prefix: str = "/") -> None:
        self._call("POST", "faults", json={"faults": list(faults), "path_prefix": path_prefix})

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def revoke_tokens(self) -> int:
        return self._call("POST", "tokens/revoke")["revoked"]

    def deliveries(self, since: int = 0) -> list[dict]:
        return self._call("GET", "webhooks/deliveries", params={"since": since})["deliveries"]

    def wait_deliveries(self, timeout: float = 10.0) -> list[dict]:
        return self._call("POST", "webhooks/wait", params={"timeout": timeout})["deliveries"]
