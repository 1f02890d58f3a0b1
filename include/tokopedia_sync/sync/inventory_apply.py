"""The stock push's apply: send the planned rows not answered yet, one batch at a time, and log
every row with Tokopedia's answer before the next batch goes.

A batch is at most 100 rows (one set-stock request). Its rows, what Tokopedia said of each, and
the new stock of the staging tables are committed together before the next batch is sent, so a
kill leaves at most one batch sent and not logged, and a call that fails part way logs the rows
Tokopedia answered before it failed. A row counts as set only when Tokopedia reported
it set; a row the answer leaves out, or whose call failed, is logged 'unknown' and is not counted
as done. Skipping the rows of a plan already answered makes a retry of the same Airflow run
continue where the last try stopped.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from tokopedia_sync.client import BulkResult
from tokopedia_sync.client.errors import PartialBulkError, TokopediaError
from tokopedia_sync.client.inventory import MAX_ROWS
from tokopedia_sync.sync.stream import StreamSync

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run

log = logging.getLogger(__name__)

NOT_IN_ANSWER = "Tokopedia's answer reported this row neither set nor failed"


class Pending(NamedTuple):
    """A planned row not answered yet."""

    target_id: int
    product_id: int
    sku: str | None
    warehouse_id: int
    stock_before: int
    target_stock: Decimal


def outcomes(
    rows: Sequence[Pending], answer: BulkResult, unanswered: str
) -> list[tuple[str, str | None]]:
    """What Tokopedia said of each row: ("sent", None) when it reported the row set, ("failed",
    its message) when it refused it, and ("unknown", `unanswered`) when it said neither."""
    refused = {_product_id(f.row.get("product_id")): f.message for f in answer.failed}
    # Reported rows name `productID`; for the older answer form, which only counts successes,
    # the client passes on the rows sent that did not fail, with their `product_id`.
    succeeded = {
        _product_id(row.get("productID", row.get("product_id"))) for row in answer.succeeded
    }
    said = []
    for row in rows:
        if row.product_id in refused:
            said.append(("failed", refused[row.product_id]))
        elif row.product_id in succeeded:
            said.append(("sent", None))
        else:
            said.append(("unknown", unanswered))
    return said


def _product_id(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class InventoryApply(StreamSync):
    """Sends a plan of the stock push and logs what Tokopedia said of every row."""

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.dag_id = run.dag_id
        self.airflow_run_id = run.airflow_run_id

    def apply(self, plan_run_id: int, dry_run: bool) -> int:
        """Send the rows of the plan of `plan_run_id` that are not answered yet, so that applying
        a plan again (a retry) sends nothing twice. Returns how many rows were sent."""
        pending, outdated = self._pending(plan_run_id)
        if outdated:
            log.warning(
                "%d planned rows not sent: their target changed after the plan was made; the "
                "next run plans them",
                outdated,
            )
        if dry_run:
            self.progress.note("Dry run: would send %d stock changes; sent nothing", len(pending))
            return 0
        by_warehouse: dict[int, list[Pending]] = defaultdict(list)
        for row in pending:
            by_warehouse[row.warehouse_id].append(row)
        # One batch at a time, each no bigger than the client sends in one request.
        size = min(MAX_ROWS, self.client.budget.capacity("inventory") or MAX_ROWS)
        said: Counter[str] = Counter()
        for warehouse_id, rows in by_warehouse.items():
            for start in range(0, len(rows), size):
                said += self._send(plan_run_id, warehouse_id, rows[start : start + size])
        if pending:
            self.progress.note(
                "Sent %d stock changes: %d set, %d refused by Tokopedia, %d without a result",
                len(pending),
                said["sent"],
                said["failed"],
                said["unknown"],
            )
        return len(pending)

    def _pending(self, plan_run_id: int) -> tuple[list[Pending], int]:
        """The plan's rows to send not answered yet, and how many more were left out because
        their target changed after planning (a later run plans them afresh)."""
        s = self.schema
        rows = self.conn.execute(
            f"""
            SELECT plan.target_id, plan.product_id, plan.sku, plan.warehouse_id,
                plan.stock_before, plan.target_stock,
                target.target_stock IS NOT DISTINCT FROM plan.target_stock
                    AND target.requested_at IS NOT DISTINCT FROM plan.requested_at
            FROM {s}.stock_push_plan plan
            LEFT JOIN {s}.stock_targets target USING (target_id)
            WHERE plan.run_id = %(plan)s AND plan.action = 'send'
              AND NOT EXISTS (
                SELECT 1 FROM {s}.stock_push_log done
                WHERE done.plan_run_id = plan.run_id AND done.target_id = plan.target_id
                  AND done.result IN ('sent', 'failed')
              )
            ORDER BY plan.warehouse_id, plan.target_id
            """,
            {"plan": plan_run_id},
        ).fetchall()
        pending = [Pending(*row[:-1]) for row in rows if row[-1]]
        return pending, len(rows) - len(pending)

    def _send(self, plan_run_id: int, warehouse_id: int, rows: list[Pending]) -> Counter[str]:
        """Send one batch and commit what Tokopedia said of each row before returning."""
        sent_at = datetime.now(UTC)
        try:
            answer = self.client.inventory.set_stock(
                [
                    {"product_id": row.product_id, "new_stock": int(row.target_stock)}
                    for row in rows
                ],
                warehouse_id=warehouse_id,
            )
        except TokopediaError as exc:
            # The one place a set-stock call that failed is handled. The rows Tokopedia answered
            # before the failure are logged with its answer; the rest 'unknown' (so a retry sends
            # them again), before the task fails.
            answered = exc.result if isinstance(exc, PartialBulkError) else BulkResult()
            unanswered = (
                f"the set-stock call failed ({type(exc).__name__}: {exc}); Tokopedia did not say "
                "whether it set this row"
            )[:1000]
            self._record(plan_run_id, warehouse_id, rows, sent_at, answered, unanswered)
            raise
        return self._record(plan_run_id, warehouse_id, rows, sent_at, answer, NOT_IN_ANSWER)

    def _record(
        self,
        plan_run_id: int,
        warehouse_id: int,
        rows: list[Pending],
        sent_at: datetime,
        answer: BulkResult,
        unanswered: str,
    ) -> Counter[str]:
        """Log every row of a batch with what Tokopedia said of it, and put the stock of the
        rows it set into the staging tables, in one transaction."""
        s = self.schema
        said = outcomes(rows, answer, unanswered)
        with self.conn.transaction():
            with (
                self.conn.cursor() as cur,
                cur.copy(
                    f"COPY {s}.stock_push_log (run_id, plan_run_id, dag_id, airflow_run_id, "
                    "shop_id, target_id, product_id, sku, warehouse_id, stock_before, "
                    "target_stock, sent_at, result, message) FROM STDIN"
                ) as copy,
            ):
                for row, (result, message) in zip(rows, said, strict=True):
                    copy.write_row(
                        (
                            self.run_id,
                            plan_run_id,
                            self.dag_id,
                            self.airflow_run_id,
                            self.shop_id,
                            row.target_id,
                            row.product_id,
                            row.sku,
                            warehouse_id,
                            row.stock_before,
                            row.target_stock,
                            sent_at,
                            result,
                            message,
                        )
                    )
            landed = [
                (int(row.target_stock), row.product_id)
                for row, (result, _) in zip(rows, said, strict=True)
                if result == "sent"
            ]
            with self.conn.cursor() as cur:
                cur.executemany(
                    f"UPDATE {s}.product_stock SET stock = %s, changed_at = now() "
                    f"WHERE product_id = %s AND warehouse_id = {int(warehouse_id)}",
                    landed,
                )
            self.conn.execute(
                f"UPDATE {s}.products p SET stock = t.total, changed_at = now(), "
                "changed_by_run = %(run)s FROM (SELECT product_id, sum(stock) AS total "
                f"FROM {s}.product_stock WHERE product_id = ANY(%(ids)s) GROUP BY product_id) t "
                "WHERE p.product_id = t.product_id AND p.stock IS DISTINCT FROM t.total",
                {"run": self.run_id, "ids": [product_id for _, product_id in landed]},
            )
        counts = Counter(result for result, _ in said)
        self.counters.updated += counts["sent"]
        self.counters.failed += counts["failed"]
        for row, (result, message) in zip(rows, said, strict=True):
            if result == "failed":
                log.warning(
                    "Tokopedia refused the stock of product %s: %s", row.product_id, message
                )
        if counts["unknown"]:
            log.warning(
                "%d rows of a batch to warehouse %s have no result (%s); logged 'unknown', and "
                "sent again by a retry of this run or planned again by the next one",
                counts["unknown"],
                warehouse_id,
                unanswered,
            )
        return counts
