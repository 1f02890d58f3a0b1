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


class RunLedger:
    """One `sync_runs` row per run: opened at the start, closed with its outcome."""

    def __init__(self, conn: Any, schema: str) -> None:
        self.conn = conn
        self.schema = schema

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
            # A run still marked running for this stream was killed before it could close.
            self.conn.execute(
                f"UPDATE {s}.sync_runs SET outcome = 'interrupted' "
                "WHERE shop_id = %s AND stream = %s AND outcome = 'running'",
                (shop_id, stream),
            )
            return self.conn.execute(
                f"INSERT INTO {s}.sync_runs (shop_id, shop_key, stream, dag_id, airflow_run_id) "
                "VALUES (%s, %s, %s, %s, %s) RETURNING run_id",
                (shop_id, shop_key, stream, dag_id, airflow_run_id),
            ).fetchone()[0]

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
