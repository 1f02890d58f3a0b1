"""Rate budgets per endpoint family, shared by everything that uses the same credentials.

A budget is a set of sliding windows ("at most N units in any S seconds"): the configured
per-minute budget, plus whatever tighter limit Tokopedia's `X-Ratelimit-Limit` header announces.
Before a request is sent its units are taken from every window, waiting when one is full. A 429
or an exhausted `X-Ratelimit-Remaining` pauses the family for everyone until the server's reset.

`LocalBudget` keeps this in memory (one process). `PostgresBudget` keeps it in Postgres, so all
Airflow workers and tasks of a shop draw from the same budget at the same time.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from tokopedia_sync.client.errors import ConfigurationError, RateLimitedError

log = logging.getLogger(__name__)

MINUTE = 60.0
_LIMIT_HEADER = re.compile(
    r"(?P<rate>\d+(?:\.\d+)?)\s*req\s*/\s*(?P<unit>s|sec|second|m|min|minute)\b"
    r"(?:\s*\(\s*burst\s*(?P<burst>\d+)\s*\))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Window:
    """At most `units` in any `seconds`."""

    units: int
    seconds: float

    @property
    def guarded_seconds(self) -> float:
        # The server counts a request when it arrives, a little after we count it; a margin of a
        # sixtieth of the window (a second per minute) absorbs that without wasting the budget.
        return self.seconds + max(self.seconds / 60, 0.1)

    def implies(self, other: Window) -> bool:
        """True when staying inside this window also keeps inside `other`."""
        return self.units <= other.units and self.seconds >= other.seconds


def window_from_header(value: str | None) -> Window | None:
    """Read `X-Ratelimit-Limit` ("5 req/s (burst 5)", "200 req/min") as a window."""
    match = _LIMIT_HEADER.search(value or "")
    if not match:
        return None
    rate = float(match["rate"])
    per_second = rate if match["unit"].lower().startswith("s") else rate / MINUTE
    if per_second <= 0:
        return None
    units = int(match["burst"]) if match["burst"] else max(1, int(rate))
    return Window(units, units / per_second)


def pause_from_headers(headers: Mapping[str, str]) -> float:
    """Seconds the server asks us to hold off, from `Retry-After` or the X-Ratelimit resets."""
    retry_after = _seconds(headers.get("Retry-After"))
    if retry_after:
        return retry_after
    remaining = headers.get("X-Ratelimit-Remaining")
    if remaining is not None and remaining.strip() not in ("0", ""):
        return 0.0
    reset = _seconds(headers.get("X-Ratelimit-Reset-After"))
    return reset or _seconds(headers.get("X-Ratelimit-Full-Reset-After"))


def _seconds(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else 0.0
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


class Budget(Protocol):
    """What the transport needs from a budget."""

    def capacity(self, family: str) -> int | None:
        """The most units one request of the family may carry, or None when unlimited."""

    def acquire(self, family: str, units: int, max_wait: float) -> float:
        """Take `units`, waiting at most `max_wait` seconds; returns the seconds waited.

        Raises RateLimitedError at once when the wait would run past `max_wait`.
        """

    def observe(self, family: str, headers: Mapping[str, str]) -> None:
        """Learn from an answer's rate-limit headers."""

    def pause(self, family: str, seconds: float) -> None:
        """Hold the whole family for `seconds` (after a 429 or throttled rows)."""


class _Windows:
    """The configured window of each family plus the ones learned from headers."""

    def __init__(self, budgets: Mapping[str, int | None]) -> None:
        self.configured = {f: Window(n, MINUTE) for f, n in budgets.items() if n is not None}
        self.learned: dict[str, Window] = {}

    def of(self, family: str) -> list[Window]:
        return [w for w in (self.configured.get(family), self.learned.get(family)) if w]

    def learn(self, family: str, headers: Mapping[str, str]) -> Window | None:
        """Remember the header's window when it is tighter; returns it when it changed."""
        configured = self.configured.get(family)
        announced = window_from_header(headers.get("X-Ratelimit-Limit"))
        if configured is None or announced is None:
            return None
        tighter = None if configured.implies(announced) else announced
        if self.learned.get(family) == tighter:
            return None
        if tighter is None:
            self.learned.pop(family, None)
        else:
            self.learned[family] = tighter
            log.warning(
                "Tokopedia announces %d %s requests per %.0f s, fewer than the configured "
                "%d per minute; keeping to its figure",
                tighter.units,
                family,
                tighter.seconds,
                configured.units,
            )
        return tighter

    def capacity(self, family: str) -> int | None:
        windows = self.of(family)
        return min(w.units for w in windows) if windows else None

    def check(self, family: str, units: int) -> None:
        capacity = self.capacity(family)
        if capacity is not None and units > capacity:
            raise ConfigurationError(
                f"one {family} request of {units} items can never fit a budget of {capacity}; "
                "raise the budget or send smaller batches"
            )


def _wait_for(
    spent: list[tuple[float, int]], windows: list[Window], units: int, now: float
) -> float:
    """Seconds until `units` fit every window, given (time, units) spent, oldest first."""
    wait = 0.0
    for window in windows:
        horizon = window.guarded_seconds
        live = [(t, n) for t, n in spent if t > now - horizon]
        excess = sum(n for _, n in live) + units - window.units
        for moment, count in live:
            if excess <= 0:
                break
            excess -= count
            wait = max(wait, moment + horizon - now)
    return wait


class LocalBudget:
    """A budget kept in this process: right for one worker, wrong for several."""

    def __init__(
        self,
        budgets: Mapping[str, int | None],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._windows = _Windows(budgets)
        self._spent: dict[str, deque[tuple[float, int]]] = {}
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def capacity(self, family: str) -> int | None:
        return self._windows.capacity(family)

    def acquire(self, family: str, units: int, max_wait: float) -> float:
        self._windows.check(family, units)
        deadline = self._clock() + max_wait
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                spent = self._spent.setdefault(family, deque())
                horizon = max((w.guarded_seconds for w in self._windows.of(family)), default=0)
                while spent and spent[0][0] <= now - horizon:
                    spent.popleft()
                wait = max(
                    self._paused_until.get(family, 0.0) - now,
                    _wait_for(list(spent), self._windows.of(family), units, now),
                )
                if wait <= 0:
                    if self._windows.of(family):
                        spent.append((now, units))
                    return waited
            waited += _sleep_or_give_up(family, wait, deadline, self._clock, self._sleep)

    def observe(self, family: str, headers: Mapping[str, str]) -> None:
        with self._lock:
            self._windows.learn(family, headers)
        pause = pause_from_headers(headers)
        if pause and headers.get("X-Ratelimit-Remaining", "").strip() == "0":
            self.pause(family, pause)

    def pause(self, family: str, seconds: float) -> None:
        with self._lock:
            until = self._clock() + seconds
            self._paused_until[family] = max(self._paused_until.get(family, 0.0), until)


def _sleep_or_give_up(
    family: str,
    wait: float,
    deadline: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> float:
    now = clock()
    if now + wait > deadline:
        raise RateLimitedError(
            f"the {family} budget has no room for another {wait:.1f} s, past the time this call "
            "may wait; other tasks are using the same credentials, or the budget is too small"
        )
    if wait >= 1.0:
        log.info("%s budget is full; waiting %.1f s", family, wait)
    sleep(wait)
    return wait


BUDGET_TABLES = """
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.rate_budget_spend (
    budget_key text NOT NULL,
    spent_at timestamptz NOT NULL,
    units integer NOT NULL CHECK (units > 0),
    PRIMARY KEY (budget_key, spent_at)
);
COMMENT ON TABLE {schema}.rate_budget_spend IS
    'Requests sent to Tokopedia per credentials and endpoint family, in 100 ms buckets; rows '
    'older than a few minutes are deleted as budgets are used. Shared by every worker.';
COMMENT ON COLUMN {schema}.rate_budget_spend.budget_key IS
    'client_id@api-host/family: one budget per set of credentials and endpoint family.';
COMMENT ON COLUMN {schema}.rate_budget_spend.spent_at IS 'End of the 100 ms bucket.';
COMMENT ON COLUMN {schema}.rate_budget_spend.units IS 'Requests (bulk rows count one each).';
CREATE TABLE IF NOT EXISTS {schema}.rate_budget_state (
    budget_key text PRIMARY KEY,
    learned_units integer,
    learned_seconds double precision,
    paused_until timestamptz
);
COMMENT ON TABLE {schema}.rate_budget_state IS
    'Per credentials and endpoint family: the limit Tokopedia announced when tighter than the '
    'configured budget, and until when the family is paused after a 429.';
COMMENT ON COLUMN {schema}.rate_budget_state.budget_key IS 'As in rate_budget_spend.';
COMMENT ON COLUMN {schema}.rate_budget_state.learned_units IS
    'Requests per learned_seconds that Tokopedia''s X-Ratelimit-Limit announced, when tighter.';
COMMENT ON COLUMN {schema}.rate_budget_state.learned_seconds IS 'Window of learned_units.';
COMMENT ON COLUMN {schema}.rate_budget_state.paused_until IS
    'No request of the family before this (after a 429 or an exhausted limit).';
"""


class PostgresBudget:
    """A budget kept in Postgres, shared by every process that uses the same credentials.

    Spending happens under a transaction-level advisory lock per budget key, with the database's
    clock as the one clock, so workers on different machines agree on what a minute is.
    """

    BUCKET = 0.1

    def __init__(
        self,
        connect: Callable[[], Any],
        budgets: Mapping[str, int | None],
        key_of: Callable[[str], str],
        schema: str = "tokopedia",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
            raise ConfigurationError(f"budget schema {schema!r} must be a plain lowercase name")
        self._connect = connect
        self._windows = _Windows(budgets)
        self._key_of = key_of
        self._schema = schema
        self._sleep = sleep
        self._lock = threading.Lock()
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._conn = self._connect()
            self._conn.autocommit = False
            with self._conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(hashtext('tokopedia_sync.budget_ddl'))")
                cur.execute(BUDGET_TABLES.format(schema=self._schema))
            self._conn.commit()
        return self._conn

    def _transaction(self, work: Callable[[Any], Any]) -> Any:
        with self._lock:
            conn = self._connection()
            try:
                with conn.cursor() as cur:
                    result = work(cur)
                conn.commit()
                return result
            except Exception:
                conn.rollback()
                raise

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and not self._conn.closed:
                self._conn.close()

    def capacity(self, family: str) -> int | None:
        return self._windows.capacity(family)

    def acquire(self, family: str, units: int, max_wait: float) -> float:
        if not self._windows.configured.get(family):
            return 0.0
        self._windows.check(family, units)
        deadline = time.monotonic() + max_wait
        key = self._key_of(family)
        waited = 0.0
        while True:
            wait = self._transaction(lambda cur: self._try_spend(cur, key, family, units))
            if wait <= 0:
                return waited
            waited += _sleep_or_give_up(family, wait, deadline, time.monotonic, self._sleep)

    def _try_spend(self, cur: Any, key: str, family: str, units: int) -> float:
        s = self._schema
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
        cur.execute(
            f"SELECT extract(epoch FROM clock_timestamp()), learned_units, learned_seconds, "
            f"extract(epoch FROM paused_until) FROM (SELECT 1) one "
            f"LEFT JOIN {s}.rate_budget_state ON budget_key = %s",
            (key,),
        )
        now, learned_units, learned_seconds, paused_until = cur.fetchone()
        now = float(now)
        if learned_units:
            self._windows.learned[family] = Window(learned_units, learned_seconds)
        else:
            self._windows.learned.pop(family, None)
        windows = self._windows.of(family)
        horizon = max(w.guarded_seconds for w in windows)
        cur.execute(
            f"DELETE FROM {s}.rate_budget_spend WHERE budget_key = %s "
            "AND spent_at < to_timestamp(%s)",
            (key, now - horizon - 1),
        )
        cur.execute(
            f"SELECT extract(epoch FROM spent_at), units FROM {s}.rate_budget_spend "
            "WHERE budget_key = %s AND spent_at > to_timestamp(%s) ORDER BY spent_at",
            (key, now - horizon),
        )
        spent = [(float(moment), count) for moment, count in cur.fetchall()]
        wait = max(
            (float(paused_until) - now) if paused_until else 0.0,
            _wait_for(spent, windows, units, now),
        )
        if wait > 0:
            return wait
        # Round up to the next bucket: a spend is never recorded earlier than it happened.
        bucket = math.ceil(now / self.BUCKET) * self.BUCKET
        cur.execute(
            f"INSERT INTO {s}.rate_budget_spend (budget_key, spent_at, units) "
            "VALUES (%s, to_timestamp(%s), %s) ON CONFLICT (budget_key, spent_at) "
            "DO UPDATE SET units = rate_budget_spend.units + EXCLUDED.units",
            (key, bucket, units),
        )
        return 0.0

    def observe(self, family: str, headers: Mapping[str, str]) -> None:
        if family not in self._windows.configured:
            return
        before = self._windows.learned.get(family)
        learned = self._windows.learn(family, headers)
        if learned is not None or (before is not None and family not in self._windows.learned):
            self._store_learned(family, learned)
        pause = pause_from_headers(headers)
        if pause and headers.get("X-Ratelimit-Remaining", "").strip() == "0":
            self.pause(family, pause)

    def _store_learned(self, family: str, window: Window | None) -> None:
        s = self._schema
        self._transaction(
            lambda cur: cur.execute(
                f"INSERT INTO {s}.rate_budget_state (budget_key, learned_units, learned_seconds) "
                "VALUES (%s, %s, %s) ON CONFLICT (budget_key) DO UPDATE SET "
                "learned_units = EXCLUDED.learned_units, "
                "learned_seconds = EXCLUDED.learned_seconds",
                (self._key_of(family), window and window.units, window and window.seconds),
            )
        )

    def pause(self, family: str, seconds: float) -> None:
        if family not in self._windows.configured:
            return
        s = self._schema
        self._transaction(
            lambda cur: cur.execute(
                f"INSERT INTO {s}.rate_budget_state (budget_key, paused_until) "
                "VALUES (%s, clock_timestamp() + make_interval(secs => %s)) "
                "ON CONFLICT (budget_key) DO UPDATE SET paused_until = greatest("
                "rate_budget_state.paused_until, EXCLUDED.paused_until)",
                (self._key_of(family), seconds),
            )
        )
