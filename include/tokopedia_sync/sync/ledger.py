"""The run ledger (`sync_runs`) and the sync state (`sync_state`) of each shop and stream."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tokopedia_sync.client.transport import ClientStats


@dataclass
class RunCounters:
    """What one run did, for the ledger and the task log's summary line."""

    pages: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    rejected: int = 0
    held: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rows(self) -> int:
        return self.inserted + self.updated + self.unchanged

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started


@dataclass(frozen=True)
class SyncState:
    watermark: datetime | None = None
    refresh_cursor: datetime | None = None
    last_full_scan_at: datetime | None = None


def read_state(conn: Any, schema: str, shop_id: int, stream: str) -> SyncState:
    row = conn.execute(
        f"SELECT watermark, refresh_cursor, last_full_scan_at FROM {schema}.sync_state "
        "WHERE shop_id = %s AND stream = %s",
        (shop_id, stream),
    ).fetchone()
    return SyncState(*row) if row else SyncState()


def write_state(
    conn: Any, schema: str, shop_id: int, stream: str, run_id: int, **values: Any
) -> None:
    """Set some sync_state columns; a watermark given here never moves backwards."""
    columns = ["last_run_id", *values]
    params = {"shop": shop_id, "stream": stream, "last_run_id": run_id, **values}
    updates = []
    for column in columns:
        if column == "watermark":
            updates.append(
                f"watermark = GREATEST({schema}.sync_state.watermark, EXCLUDED.watermark)"
            )
        else:
            updates.append(f"{column} = EXCLUDED.{column}")
    conn.execute(
        f"INSERT INTO {schema}.sync_state (shop_id, stream, {', '.join(columns)}) "
        f"VALUES (%(shop)s, %(stream)s, {', '.join(f'%({c})s' for c in columns)}) "
        f"ON CONFLICT (shop_id, stream) DO UPDATE SET {', '.join(updates)}, updated_at = now()",
        params,
    )


def _run_lock(run: str) -> str:
    """The two keys of the advisory lock of run `run` (SQL): the schema's ledger, then the run.
    Two-key locks never meet the one-key locks that migrations and budgets take."""
    return f"hashtext(%s), mod({run}, 2147483648)::integer"


class RunLedger:
    """One `sync_runs` row per run: opened at the start, closed with its outcome.

    While a run is open its connection holds a session-level advisory lock on the run's row.
    Postgres releases it when the connection ends, so a `running` row whose lock is free belongs
    to a process that died: that is how a new run tells a killed run from one still going (a
    manual backfill next to the scheduled run, say).
    """

    def __init__(self, conn: Any, schema: str) -> None:
        self.conn = conn
        self.schema = schema
        self._lock_space = f"{schema}.sync_runs"

    def open(
        self,
        *,
        shop_id: int,
        shop_key: str,
        stream: str,
        dag_id: str | None,
        airflow_run_id: str | None,
    ) -> int:
        s = self.schema
        with self.conn.transaction():
            # A run still marked running whose lock is free died before it could close. The
            # lock taken to find out lasts until this transaction ends.
            self.conn.execute(
                f"UPDATE {s}.sync_runs SET outcome = 'interrupted' "
                "WHERE shop_id = %s AND stream = %s AND outcome = 'running' "
                f"AND pg_try_advisory_xact_lock({_run_lock('run_id')})",
                (shop_id, stream, self._lock_space),
            )
            run_id = self.conn.execute(
                f"INSERT INTO {s}.sync_runs (shop_id, shop_key, stream, dag_id, airflow_run_id) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING run_id",
                (shop_id, shop_key, stream, dag_id, airflow_run_id),
            ).fetchone()[0]
            # Taken before the row is visible to others, so no one sees it running unlocked.
            self.conn.execute(
                f"SELECT pg_advisory_lock({_run_lock('%s::bigint')})", (self._lock_space, run_id)
            )
        return run_id

    def close(
        self,
        run_id: int,
        counters: RunCounters,
        stats: ClientStats,
        *,
        window: tuple[datetime | None, datetime | None] = (None, None),
        error: str | None = None,
    ) -> None:
        s = self.schema
        with self.conn.transaction():
            self.conn.execute(
                f"""
                UPDATE {s}.sync_runs SET
                    window_start = %(start)s, window_end = %(end)s,
                    finished_at = now(), duration_seconds = %(seconds)s,
                    pages = %(pages)s, requests = %(requests)s,
                    rows_inserted = %(inserted)s, rows_updated = %(updated)s,
                    rows_unchanged = %(unchanged)s, rows_deleted = %(deleted)s,
                    rows_rejected = %(rejected)s, rows_held = %(held)s, rows_failed = %(failed)s,
                    throttled = %(throttled)s, retries = %(retries)s,
                    budget_wait_seconds = %(waited)s,
                    outcome = %(outcome)s, error = %(error)s
                WHERE run_id = %(run)s
                """,
                {
                    "run": run_id,
                    "start": window[0],
                    "end": window[1],
                    "seconds": round(counters.seconds, 3),
                    "pages": counters.pages,
                    "requests": stats.requests,
                    "inserted": counters.inserted,
                    "updated": counters.updated,
                    "unchanged": counters.unchanged,
                    "deleted": counters.deleted,
                    "rejected": counters.rejected,
                    "held": counters.held,
                    "failed": counters.failed,
                    "throttled": stats.throttled,
                    "retries": stats.retries,
                    "waited": round(stats.budget_wait_seconds, 3),
                    "outcome": "failed" if error else "success",
                    "error": error,
                },
            )
        self.conn.execute(
            f"SELECT pg_advisory_unlock({_run_lock('%s::bigint')})", (self._lock_space, run_id)
        )
