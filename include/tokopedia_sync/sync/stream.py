"""The base of every stream's sync: the parts of the run it works with, and the records it
rejects."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokopedia_sync.sync.rows import BadRecord, raw_json

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rejection:
    """A record Tokopedia sent malformed, waiting to be written with the batch it came in."""

    kind: str
    record_id: int | None
    reason: str
    raw: str


def write_rejections(
    conn: Any, schema: str, run_id: int, shop_id: int, rejections: list[Rejection]
) -> None:
    """Keep `rejections` in `rejected_records` and empty the list. A record already kept for the
    same reason is counted again on its row, not repeated."""
    if not rejections:
        return
    with conn.cursor() as cur:
        # One statement per record: the same record twice in a batch is two sightings.
        cur.executemany(
            f"INSERT INTO {schema}.rejected_records AS r "
            "(run_id, shop_id, kind, record_id, reason, raw) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (shop_id, kind, record_key, md5(reason)) DO UPDATE SET "
            "run_id = EXCLUDED.run_id, raw = EXCLUDED.raw, times_seen = r.times_seen + 1, "
            "last_seen_at = now(), resolved_at = NULL",
            [(run_id, shop_id, r.kind, r.record_id, r.reason, r.raw) for r in rejections],
        )
    rejections.clear()


class StreamSync:
    def __init__(self, run: Run) -> None:
        self.client = run.client
        self.conn = run.conn
        self.schema = run.schema
        self.run_id = run.run_id
        self.counters = run.counters
        self.progress = run.progress
        self.shop_id = run.shop_id
        self.rejections = run.rejections

    def reject(self, kind: str, record: Mapping[str, Any], problem: BadRecord) -> None:
        """Skip a record Tokopedia sent malformed: count it, say so, and keep it for
        `rejected_records` with the reason. The run goes on with the rest."""
        self.counters.rejected += 1
        log.warning("Skipped a malformed %s from Tokopedia: %s", kind, problem)
        self.rejections.append(Rejection(kind, problem.record_id, str(problem), raw_json(record)))

    def keep_rejected(self, conn: Any) -> None:
        """Write the records rejected since the last batch; runs inside that batch's
        transaction, so a record is kept exactly when the data read with it is."""
        write_rejections(conn, self.schema, self.run_id, self.shop_id, self.rejections)
