"""Rate budgets per endpoint family, shared by everything that uses the same credentials.

A budget is a set of sliding windows ("at most N units in any S seconds"): the configured
per-minute budget, plus whatever tighter limit Tokopedia's `X-Ratelimit-Limit` header announces.
Before a request is sent its units are taken from every window, waiting when one is full. When
`X-Ratelimit-Remaining` says fewer requests remain than the budget counts, the difference is
booked as spent by someone unseen (another system using the same credentials). A 429 or an
exhausted `X-Ratelimit-Remaining` pauses the family for everyone until the server's reset, even
when the family's budget is switched off.

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
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from tokopedia_sync.client.errors import ConfigurationError, RateLimitedError

log = logging.getLogger(__name__)

MINUTE = 60.0
# No documented Tokopedia limit spans more than a minute, so a longer pause asked for is taken as
# a bogus header and cut to this; should the server mean it, its next 429 pauses again.
MAX_PAUSE_SECONDS = MINUTE
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


def requested_pause(headers: Mapping[str, str], *, refused: bool) -> float:
    """Seconds the server asks the family to hold off, at most MAX_PAUSE_SECONDS: after a 429
    (`refused`) or when `X-Ratelimit-Remaining` says nothing remains; otherwise 0.

    `Retry-After` (seconds or an HTTP date) wins over the X-Ratelimit reset headers.
    """
    exhausted = (headers.get("X-Ratelimit-Remaining") or "").strip() == "0"
    if not (refused or exhausted):
        return 0.0
    asked = (
        _retry_after(headers.get("Retry-After"))
        or _seconds(headers.get("X-Ratelimit-Reset-After"))
        or _seconds(headers.get("X-Ratelimit-Full-Reset-After"))
    )
    if asked > MAX_PAUSE_SECONDS:
        log.warning(
            "Tokopedia asked to hold off for %.0f s; pausing %.0f s, the longest any of its "
            "limits needs",
            asked,
            MAX_PAUSE_SECONDS,
        )
        return MAX_PAUSE_SECONDS
    return asked


def _retry_after(value: str | None) -> float:
    """`Retry-After` in seconds: given as seconds, or as the HTTP date to wait until."""
    if value is None or _seconds(value):
        return _seconds(value)
    try:
        until = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0.0
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    return max(0.0, (until - datetime.now(UTC)).total_seconds())


def _seconds(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else 0.0
    except ValueError:
        return 0.0
    return seconds if math.isfinite(seconds) and seconds > 0 else 0.0


def _remaining(headers: Mapping[str, str]) -> int | None:
    value = (headers.get("X-Ratelimit-Remaining") or "").strip()
    return int(value) if value.isdigit() else None


class Budget(Protocol):
    """What the transport needs from a budget."""

    def capacity(self, family: str) -> int | None:
        """The most units one request of the family can carry without rows being throttled, as
        far as is known now; None when unlimited. Bulk writes size their batches by it."""

    def acquire(self, family: str, units: int, max_wait: float) -> float:
        """Take `units`, waiting at most `max_wait` seconds; returns the seconds waited.

        A request larger than a window waits until that window is empty, then goes. Raises
        RateLimitedError at once when the wait would run past `max_wait`.
        """

    def observe(self, family: str, headers: Mapping[str, str]) -> None:
        """Learn from an answer's rate-limit headers: a tighter limit, fewer requests remaining."""

    def refund(self, family: str, units: int) -> None:
        """Give back units Tokopedia did not count (a 429, rows throttled inside a 200)."""

    def pause(self, family: str, seconds: float) -> None:
        """Hold the whole family for `seconds` (after a 429 or throttled rows), budget or not."""


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

    def unseen(
        self, family: str, headers: Mapping[str, str], spent: list[tuple[float, int]], now: float
    ) -> int:
        """Units spent by someone this budget does not see: how many fewer requests the server
        says remain than the budget has room for. Zero when the server says as many or more."""
        remaining = _remaining(headers)
        windows = self.of(family)
        if remaining is None or not windows or remaining >= min(w.units for w in windows):
            return 0
        return max(0, _room(spent, windows, now) - remaining)


def _room(spent: list[tuple[float, int]], windows: list[Window], now: float) -> int:
    """Units the fullest window still takes now."""
    return min(w.units - sum(n for t, n in spent if t > now - w.guarded_seconds) for w in windows)


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
            now = self._clock()
            spent = self._spent.setdefault(family, deque())
            unseen = self._windows.unseen(family, headers, list(spent), now)
            if unseen:
                spent.append((now, unseen))

    def refund(self, family: str, units: int) -> None:
        # Spends are interchangeable: the latest ones give the units back.
        with self._lock:
            spent = self._spent.get(family, deque())
            while spent and units > 0:
                moment, count = spent.pop()
                if count > units:
                    spent.append((moment, count - units))
                units -= count

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
COMMENT ON COLUMN {schema}.rate_budget_spend.units IS
    'Requests (bulk rows count one each), plus requests Tokopedia counted that no worker sent '
    '(its X-Ratelimit-Remaining said fewer remained than the budget had room for).';
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
        deadline = time.monotonic() + max_wait
        key = self._key_of(family)
        waited = 0.0
        while True:
            wait = self._transaction(lambda cur: self._try_spend(cur, key, family, units))
            if wait <= 0:
                return waited
            waited += _sleep_or_give_up(family, wait, deadline, time.monotonic, self._sleep)

    def _try_spend(self, cur: Any, key: str, family: str, units: int) -> float:
        now, spent, paused_until = self._read(cur, key, family)
        windows = self._windows.of(family)
        wait = max(paused_until - now, _wait_for(spent, windows, units, now))
        if wait > 0:
            return wait
        if windows:
            self._book(cur, key, now, units)
        return 0.0

    def _read(
        self, cur: Any, key: str, family: str
    ) -> tuple[float, list[tuple[float, int]], float]:
        """Lock the key; then the database's time, the live spends and the end of any pause."""
        s = self._schema
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
        cur.execute(
            f"SELECT extract(epoch FROM clock_timestamp()), learned_units, learned_seconds, "
            f"extract(epoch FROM paused_until) FROM (SELECT 1) one "
            f"LEFT JOIN {s}.rate_budget_state ON budget_key = %s",
            (key,),
        )
        now, learned_units, learned_seconds, paused_until = cur.fetchone()
        now, paused_until = float(now), float(paused_until or 0.0)
        if learned_units:
            self._windows.learned[family] = Window(learned_units, learned_seconds)
        else:
            self._windows.learned.pop(family, None)
        windows = self._windows.of(family)
        if not windows:
            return now, [], paused_until
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
        return now, [(float(moment), count) for moment, count in cur.fetchall()], paused_until

    def _book(self, cur: Any, key: str, now: float, units: int) -> None:
        # Round up to the next bucket: a spend is never recorded earlier than it happened.
        bucket = math.ceil(now / self.BUCKET) * self.BUCKET
        cur.execute(
            f"INSERT INTO {self._schema}.rate_budget_spend (budget_key, spent_at, units) "
            "VALUES (%s, to_timestamp(%s), %s) ON CONFLICT (budget_key, spent_at) "
            "DO UPDATE SET units = rate_budget_spend.units + EXCLUDED.units",
            (key, bucket, units),
        )

    def observe(self, family: str, headers: Mapping[str, str]) -> None:
        if family not in self._windows.configured:
            return
        before = self._windows.learned.get(family)
        learned = self._windows.learn(family, headers)
        if learned is not None or (before is not None and family not in self._windows.learned):
            self._store_learned(family, learned)
        remaining, capacity = _remaining(headers), self._windows.capacity(family)
        if remaining is not None and capacity is not None and remaining < capacity:
            # Only then can the server have seen spends this budget has not.
            key = self._key_of(family)
            self._transaction(lambda cur: self._book_unseen(cur, key, family, headers))

    def _book_unseen(self, cur: Any, key: str, family: str, headers: Mapping[str, str]) -> None:
        now, spent, _ = self._read(cur, key, family)
        unseen = self._windows.unseen(family, headers, spent, now)
        if unseen:
            self._book(cur, key, now, unseen)

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

    def refund(self, family: str, units: int) -> None:
        if family in self._windows.configured:
            key = self._key_of(family)
            self._transaction(lambda cur: self._take_back(cur, key, units))

    def _take_back(self, cur: Any, key: str, units: int) -> None:
        # Spends are interchangeable: the latest buckets give the units back.
        s = self._schema
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
        cur.execute(
            f"SELECT spent_at, units FROM {s}.rate_budget_spend WHERE budget_key = %s "
            "ORDER BY spent_at DESC",
            (key,),
        )
        for spent_at, count in cur.fetchall():
            if units <= 0:
                return
            if count > units:
                cur.execute(
                    f"UPDATE {s}.rate_budget_spend SET units = units - %s "
                    "WHERE budget_key = %s AND spent_at = %s",
                    (units, key, spent_at),
                )
            else:
                cur.execute(
                    f"DELETE FROM {s}.rate_budget_spend WHERE budget_key = %s AND spent_at = %s",
                    (key, spent_at),
                )
            units -= count

    def pause(self, family: str, seconds: float) -> None:
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
