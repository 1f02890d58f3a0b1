"""Bulk writes (stock, price, product status): batches within the budget, per-row results read
from the 200 answer, rows throttled inside a 200 sent again rather than dropped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tokopedia_sync.client.envelope import lookup
from tokopedia_sync.client.transport import Call, Transport

log = logging.getLogger(__name__)

THROTTLED = "ERR_TOO_MANY_REQUEST"
MAX_SKU_LENGTH = 50


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

    def merge(self, other: BulkResult) -> None:
        self.succeeded += other.succeeded
        self.failed += other.failed
        self.requests += other.requests
        self.throttled_rows += other.throttled_rows


def row_key(row: Mapping[str, Any]) -> tuple[str, object]:
    """How Tokopedia identifies a row: its sku when it has one (sku wins), else its product_id."""
    sku = row.get("sku")
    return ("sku", sku) if sku else ("product_id", row.get("product_id"))


def row_problem(row: Mapping[str, Any], value_key: str, low: int, high: int) -> str | None:
    """Why a row cannot be sent, or None. Checked before sending, so bad rows cost no budget."""
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


def send_rows(
    transport: Transport,
    rows: Iterable[Mapping[str, Any]],
    *,
    value_key: str,
    bounds: tuple[int, int],
    make_call: Callable[[list[dict]], Call],
    batch_size: int,
    max_rounds: int,
) -> BulkResult:
    """Send `rows` in batches; rows answered ERR_TOO_MANY_REQUEST go again, up to `max_rounds`."""
    result = BulkResult()
    pending: list[dict] = []
    for row in rows:
        clean = {k: row[k] for k in ("sku", "product_id", value_key) if row.get(k) is not None}
        problem = row_problem(clean, value_key, *bounds)
        if problem:
            result.failed.append(RowFailure(dict(row), f"not sent: {problem}"))
        else:
            pending.append(clean)
    for round_number in range(1, max_rounds + 1):
        throttled: list[dict] = []
        for start in range(0, len(pending), batch_size):
            batch = pending[start : start + batch_size]
            data = transport.send(make_call(batch)) or {}
            result.requests += 1
            throttled += _read_batch(batch, data, result)
        if not throttled:
            return result
        result.throttled_rows += len(throttled)
        log.warning(
            "%d rows throttled by Tokopedia inside a 200 answer; sending them again (round %d)",
            len(throttled),
            round_number + 1,
        )
        pending = throttled
    result.failed += [
        RowFailure(row, f"{THROTTLED}: still throttled after {max_rounds} rounds")
        for row in pending
    ]
    return result


def _read_batch(batch: list[dict], data: Mapping[str, Any], result: BulkResult) -> list[dict]:
    """Record a batch's answer; returns the rows to send again."""
    unmatched = list(batch)
    throttled = []
    for failure in data.get("failed_rows_data") or []:
        row = _take_matching(unmatched, failure)
        message = str(lookup(failure, "message", "") or "failed without a message")
        if message == THROTTLED:
            throttled.append(row)
        else:
            result.failed.append(RowFailure(row, message))
    reported = data.get("succeed_rows_data")
    if isinstance(reported, list):
        result.succeeded += reported
    else:
        # The older answer form only counts successes: the rows that did not fail succeeded.
        result.succeeded += unmatched
    return throttled


def _take_matching(unmatched: list[dict], failure: Mapping[str, Any]) -> dict:
    """The sent row a failed row stands for (the API returns no index)."""
    failure_sku, failure_id = failure.get("sku"), failure.get("product_id")
    for index, row in enumerate(unmatched):
        kind, value = row_key(row)
        if (kind == "sku" and value == failure_sku) or (
            kind == "product_id" and value == failure_id
        ):
            return unmatched.pop(index)
    return dict(failure)
