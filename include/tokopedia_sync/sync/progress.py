"""What a data engineer reads in the task log: the range, pages and rows so far, the budget,
retries and throttling, and one summary line at the end."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from tokopedia_sync.client.transport import ClientStats
from tokopedia_sync.sync.ledger import RunCounters

log = logging.getLogger("tokopedia_sync.sync")

EVERY_SECONDS = 15.0


def when(moment: int | float | datetime | None) -> str:
    if moment is None:
        return "-"
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


class Progress:
    """The task log of one run: `family` is the budget the run draws from, `budget` its
    requests per minute (None when switched off)."""

    def __init__(
        self,
        stream: str,
        counters: RunCounters,
        stats: ClientStats,
        family: str,
        budget: int | None,
    ) -> None:
        self.stream = stream
        self.counters = counters
        self.stats = stats
        self.family = family
        self.budget = budget
        self._last = time.monotonic()
        self._after_summary: list[str] = []

    def _so_far(self) -> str:
        c = self.counters
        s = self.stats
        if self.budget:
            budget = f"of the {self.budget}/min {self.family} budget"
        else:
            budget = f"(the {self.family} budget is off)"
        return (
            f"pages {c.pages}, rows {c.rows:,} (new {c.inserted:,}, changed {c.updated:,}, "
            f"unchanged {c.unchanged:,}); requests {s.requests} {budget}; "
            f"waited {s.budget_wait_seconds:.1f} s for budget; retries {s.retries}, "
            f"throttled (429) {s.throttled}"
        )

    def start(self, what: str, start: datetime | None = None, end: datetime | None = None) -> None:
        span = f" created {when(start)} .. {when(end)}" if start is not None else ""
        log.info("Reading %s%s", what, span)

    def page(self, what: str, page: int, window: tuple[int, int] | None = None) -> None:
        """Called for every page; logs at most every few seconds."""
        if time.monotonic() - self._last < EVERY_SECONDS:
            return
        self._last = time.monotonic()
        where = f" {when(window[0])} .. {when(window[1])}," if window else ""
        log.info("%s%s page %d: %s", what, where, page, self._so_far())

    def window_done(self, what: str, window_start: int, window_end: int) -> None:
        log.info(
            "%s %s .. %s loaded; %s", what, when(window_start), when(window_end), self._so_far()
        )

    def note(self, message: str, *args: object) -> None:
        log.info(message, *args)

    def after_summary(self, message: str) -> None:
        """A line to log right after the summary line, where a reader of the log looks."""
        self._after_summary.append(message)

    def summary(self, outcome: str) -> str:
        c = self.counters
        extras = {"marked deleted": c.deleted, "rejected": c.rejected, "held": c.held}
        extras["refused by Tokopedia"] = c.failed
        tail = "".join(f", {label} {count}" for label, count in extras.items() if count)
        line = f"{self.stream} sync {outcome} in {c.seconds:.1f} s: {self._so_far()}{tail}"
        log.info(line)
        for message in self._after_summary:
            log.info(message)
        return line
