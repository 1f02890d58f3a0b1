"""Bulk writes (stock, price, product status): batches as large as the budget holds, per-row
results read from the 200 answer, and rows throttled inside a 200 sent again, never dropped."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tokopedia_sync.client.envelope import lookup
from tokopedia_sync.client.errors import PartialBulkError, RateLimitedError, TokopediaError
from tokopedia_sync.client.retry import Backoff
from tokopedia_sync.client.shapes import WrongShape, kind, record, records
from tokopedia_sync.client.transport import Call, Transport

log = logging.getLogger(__name__)

THROTTLED = "ERR_TOO_MANY_REQUEST"
MAX_SKU_LENGTH = 50
# Sends in a row that get no row through before a bulk write stops waiting for throttled rows.
THROTTLE_TRIES = 6
ROW_KEYS = ("sku", "product_id")


@dataclass(frozen=True)
class RowFailure:
    """A row Tokopedia (or the client, before sending) refused, with the reason."""

    row: Mapping[str, Any]
    message: str


@dataclass
class BulkResult:
    """What happened to every row of a bulk write. No row is ever left out."""

    succeeded: list[dict] = field(default_factory=list)
    failed: list[RowFailure] = field(default_factory=list)
    requests: int = 0
    throttled_rows: int = 0


@dataclass(frozen=True)
class BulkWrite:
    """One bulk endpoint: how a batch is sent and how its answer is read.

    `read(batch, data, result)` records the answered rows in `result` and returns the rows
    Tokopedia throttled, to be sent again.
    """

    name: str
    family: str
    max_rows: int
    make_call: Callable[[list], Call]
    read: Callable[[list, Any, BulkResult], list]


def send_batches(
    transport: Transport, write: BulkWrite, rows: list, result: BulkResult
) -> BulkResult:
    """Send `rows` in order, each batch as large as the budget can hold now (at most
    `write.max_rows`). Throttled rows go again, before the rest, after a pause of the family.

    Raises PartialBulkError, carrying what was answered and what was not, when a batch fails or
    throttled rows stop getting through.
    """
    queue = deque(rows)
    backoff = _throttle_backoff(transport)
    while queue:
        capacity = transport.budget.capacity(write.family) or write.max_rows
        batch = [queue.popleft() for _ in range(min(write.max_rows, capacity, len(queue)))]
        try:
            data = transport.send(write.make_call(batch))
        except TokopediaError as exc:
            raise _stopped(write, result, [*batch, *queue], exc) from exc
        result.requests += 1
        throttled = write.read(batch, data, result)
        if not throttled:
            continue
        transport.budget.refund(write.family, len(throttled))
        result.throttled_rows += len(throttled)
        if len(throttled) < len(batch):
            backoff = _throttle_backoff(transport)
        wait = backoff.next_wait()
        if wait is None:
            cause = RateLimitedError(
                f"{len(throttled)} rows still throttled ({THROTTLED}) after "
                f"{backoff.attempts} sends that got no row through",
                request=write.name,
            )
            raise _stopped(write, result, [*throttled, *queue], cause)
        log.warning(
            "%s: %d of %d rows throttled by Tokopedia inside a 200 answer; sending them again "
            "in %.1f s",
            write.name,
            len(throttled),
            len(batch),
            wait,
        )
        transport.budget.pause(write.family, wait)
        queue.extendleft(reversed(throttled))
    return result


def _throttle_backoff(transport: Transport) -> Backoff:
    return Backoff(THROTTLE_TRIES, transport.config.max_retry_seconds)


def _stopped(
    write: BulkWrite, result: BulkResult, unsent: list, cause: TokopediaError
) -> PartialBulkError:
    return PartialBulkError(
        f"{write.name} stopped with {len(unsent)} rows unanswered ({cause}); "
        f"{len(result.succeeded)} rows were applied and {len(result.failed)} refused before "
        "that: record them (error.result) and send the unanswered rows (error.unsent) again",
        result=result,
        unsent=unsent,
        status=cause.status,
        error_code=cause.error_code,
        reason=cause.reason,
        request=cause.request,
    )


def checked_rows(
    rows: Iterable[Mapping[str, Any]], value_key: str, bounds: tuple[int, int], result: BulkResult
) -> list[dict]:
    """The rows fit to send, stripped to their keys and value; the others go to `result.failed`
    at once, so bad rows cost no budget."""
    fit = []
    for row in rows:
        clean = {k: row[k] for k in (*ROW_KEYS, value_key) if row.get(k) is not None}
        problem = row_problem(clean, value_key, *bounds)
        if problem:
            result.failed.append(RowFailure(dict(row), f"not sent: {problem}"))
        else:
            fit.append(clean)
    return fit


def row_problem(row: Mapping[str, Any], value_key: str, low: int, high: int) -> str | None:
    """Why a row cannot be sent, or None."""
    sku, product_id, value = row.get("sku"), row.get("product_id"), row.get(value_key)
    if sku is not None and (not isinstance(sku, str) or not 0 < len(sku) <= MAX_SKU_LENGTH):
        return f"sku must be text of 1 to {MAX_SKU_LENGTH} characters, got {sku!r}"
    if not sku and (
        isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0
    ):
        return f"give a sku or a positive integer product_id, got product_id={product_id!r}"
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{value_key} must be a whole number, got {value!r}"
    if not low <= value <= high:
        return f"{value_key} must be from {low} to {high}, got {value}"
    return None


@dataclass(frozen=True)
class RowAnswer:
    """The rows of a stock or price answer. `succeeded` is None in the older form, which only
    lists the failed rows."""

    failed: list[Mapping[str, Any]]
    succeeded: list[Any] | None


def row_answer(data: Any) -> RowAnswer:
    """Read a stock or price answer's `data`."""
    answer = record(data)
    succeeded = answer.get("succeed_rows_data")
    if succeeded is not None and not isinstance(succeeded, list):
        raise WrongShape(f"succeed_rows_data should be a list, not {kind(succeeded)}")
    return RowAnswer(records(answer.get("failed_rows_data"), "failed_rows_data"), succeeded)


def rows_reader(value_key: str) -> Callable[[list[dict], RowAnswer, BulkResult], list[dict]]:
    """How a stock or price batch's answer is recorded; returns the rows to send again."""

    def read(batch: list[dict], answer: RowAnswer, result: BulkResult) -> list[dict]:
        failed = _match(batch, answer.failed, value_key)
        throttled = [row for row, message in failed.values() if message == THROTTLED]
        result.failed += [
            RowFailure(row, message) for row, message in failed.values() if message != THROTTLED
        ]
        if answer.succeeded is None:
            result.succeeded += [row for i, row in enumerate(batch) if i not in failed]
        else:
            result.succeeded += answer.succeeded
        return throttled

    return read


def _match(
    batch: list[dict], failures: list[Mapping[str, Any]], value_key: str
) -> dict[int, tuple[dict, str]]:
    """{position in the batch: (row sent, message)} for each failed row, in the order sent.

    The answer carries no positions, and may name a row sent by sku by its product_id (or the
    reverse). A failure goes to a row sharing its sku or product_id; else, among the rows none of
    its keys contradicts, to one with the same value: for a throttled row the last such row, since
    Tokopedia grants rows in order and throttles the overflow, for others the first. A failure
    that fits no row is kept by its keys and value (never its message), past the batch's end.
    """
    open_rows = dict(enumerate(batch))
    matched: dict[int, tuple[dict, str]] = {}
    loose = []
    for failure in failures:
        position = _find(open_rows, failure, value_key, by_key=True)
        if position is None:
            loose.append(failure)
        else:
            matched[position] = (open_rows.pop(position), _message(failure))
    throttled_last = [f for f in reversed(loose) if _message(f) == THROTTLED]
    for failure in throttled_last + [f for f in loose if _message(f) != THROTTLED]:
        message = _message(failure)
        position = _find(open_rows, failure, value_key, from_end=message == THROTTLED)
        if position is None:
            matched[len(batch) + len(matched)] = (_as_row(failure, value_key), message)
        else:
            matched[position] = (open_rows.pop(position), message)
    return dict(sorted(matched.items()))


def _find(
    open_rows: dict[int, dict],
    failure: Mapping[str, Any],
    value_key: str,
    *,
    by_key: bool = False,
    from_end: bool = False,
) -> int | None:
    named = {k: str(failure[k]) for k in ROW_KEYS if failure.get(k) not in (None, "")}
    fitting = [
        position
        for position in sorted(open_rows, reverse=from_end)
        if all(
            str(open_rows[position][k]) == v for k, v in named.items() if k in open_rows[position]
        )
    ]
    if by_key:
        return next((p for p in fitting if any(k in open_rows[p] for k in named)), None)
    value = str(failure.get(value_key))
    same_value = (p for p in fitting if str(open_rows[p].get(value_key)) == value)
    return next(same_value, fitting[0] if fitting else None)


def _message(failure: Mapping[str, Any]) -> str:
    return str(lookup(failure, "message", "") or "failed without a message")


def _as_row(failure: Mapping[str, Any], value_key: str) -> dict:
    row = {k: failure[k] for k in (*ROW_KEYS, value_key) if failure.get(k) not in (None, "")}
    if str(row.get("product_id", "")).isdigit():
        row["product_id"] = int(row["product_id"])
    return row
