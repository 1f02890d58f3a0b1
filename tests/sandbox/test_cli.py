"""`tokopedia-sandbox` refuses options it cannot run with, saying which and why, before it
seeds or listens."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run(*options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tokopedia_sync.sandbox.cli", "--port", "0", *options]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (
            ("--history-days", "0"),
            "argument --history-days: '0' is not a whole number of at least 1",
        ),
        (("--history-days", "-3"), "argument --history-days"),
        (("--orders", "-1"), "argument --orders"),
        (("--token-ttl", "0"), "argument --token-ttl"),
        (("--order-rate", "inf"), "argument --order-rate: 'inf' is not a finite number"),
        (("--advance-rate", "nan"), "argument --advance-rate"),
        (("--order-rate", "-1"), "argument --order-rate"),
        (("--port", "70000"), "argument --port: '70000' is not a whole number from 0 to 65535"),
        (("--shop", "0"), "argument --shop: bad shop '0'"),
        (("--shop", "479573:Toko:0"), "at least one warehouse"),
        (("--shop", "479573", "--shop", "479573:Toko Lain"), "--shop 479573 is given twice"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, tuple) else None,
)
def test_an_option_it_cannot_run_with_is_a_usage_error(options, complaint):
    finished = run(*options)

    assert finished.returncode == 2
    assert complaint in finished.stderr
    assert "Traceback" not in finished.stderr
    assert "listening" not in finished.stdout
