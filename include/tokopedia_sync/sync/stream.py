"""The base of every stream's sync: the parts of the run it works with."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run


class StreamSync:
    def __init__(self, run: Run) -> None:
        self.client = run.client
        self.conn = run.conn
        self.schema = run.schema
        self.run_id = run.run_id
        self.counters = run.counters
        self.progress = run.progress
        self.shop_id = run.shop_id
