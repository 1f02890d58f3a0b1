"""The base of every stream's sync: the parts of the run it works with."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tokopedia_sync.sync.rows import BadRecord, raw_json

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run

log = logging.getLogger(__name__)


class StreamSync:
    def __init__(self, run: Run) -> None:
        self.client = run.client
        self.conn = run.conn
        self.schema = run.schema
        self.run_id = run.run_id
        self.counters = run.counters
        self.progress = run.progress
        self.shop_id = run.shop_id

    def reject(self, kind: str, record: Mapping[str, Any], problem: BadRecord) -> None:
        """Skip a record Tokopedia sent malformed: count it, say so, keep it in
        `rejected_records` with the reason. The run goes on with the rest."""
        self.counters.rejected += 1
        log.warning("Skipped a malformed %s from Tokopedia: %s", kind, problem)
        self.conn.execute(
            f"INSERT INTO {self.schema}.rejected_records "
            "(run_id, shop_id, kind, record_id, reason, raw) VALUES (%s, %s, %s, %s, %s, %s)",
            (self.run_id, self.shop_id, kind, problem.record_id, str(problem), raw_json(record)),
        )
