"""The stock push: make Tokopedia show the stock the ERP wrote in `stock_targets`, safely.

Plan: read the targets, reject bad ones with the reason, compare the rest with Tokopedia's stock
(the products staging table, refreshed from Tokopedia for the candidates when stale), keep only
the rows that differ, and hold those a guardrail trips. The plan is written to `stock_push_plan`.

Apply: send the planned rows with the set-stock endpoint in batches, record every row and
Tokopedia's answer in the append-only `stock_push_log`, and update the staging tables, so that a
second run finds nothing left to send.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tokopedia_sync.client.inventory import MAX_ROWS, MAX_STOCK
from tokopedia_sync.shops import InventorySettings
from tokopedia_sync.sync.loader import ProductLoader
from tokopedia_sync.sync.rows import BadRecord, product_rows
from tokopedia_sync.sync.stream import StreamSync

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run

log = logging.getLogger(__name__)

STREAM = "inventory"
LOOKUP_LIMIT = 500
"""At most this many targets naming products the staging table does not know are looked up."""
APPLY_CHUNK = MAX_ROWS
"""Rows per set-stock call; each call's answer is logged before the next is sent."""


@dataclass
class Line:
    """One target on its way through the plan."""

    target_id: int
    product_id: int | None
    sku: str | None
    warehouse_id: int | None
    target: Decimal | None
    requested_at: datetime
    stock_before: int | None = None
    action: str | None = None
    reason: str | None = None

    def decide(self, action: str, reason: str | None = None) -> None:
        self.action, self.reason = action, reason


@dataclass(frozen=True)
class Catalogue:
    """What the staging tables know of the shop's products."""

    by_id: dict[int, tuple[str | None, bool, bool]]
    """product_id: (sku, has variants, deleted)."""
    by_sku: dict[str, int]
    stock: dict[tuple[int, int], int]
    """(product_id, warehouse_id): units."""


def bad_value(target: Decimal | None) -> str | None:
    """Why a target value cannot be sent, or None."""
    if target is None:
        return "target_stock is empty"
    if target != target.to_integral_value():
        return f"target_stock {target} is not a whole number"
    if target < 0:
        return f"target_stock {target} is negative"
    if target > MAX_STOCK:
        return f"target_stock {target} is above {MAX_STOCK:,}, the most Tokopedia accepts"
    return None


def guardrail(line: Line, settings: InventorySettings) -> str | None:
    """Which guardrail a differing line trips, or None."""
    before, target = line.stock_before or 0, int(line.target or 0)
    change = abs(target - before)
    if target == 0 and before > 0 and not settings.allow_zero:
        return f"would drop stock from {before} to 0; set allow_zero to permit"
    if change > settings.max_change_units and change / max(before, 1) > settings.max_change_ratio:
        return (
            f"change of {change} units ({change / max(before, 1):.0%}) exceeds the limits of "
            f"{settings.max_change_units} units and {settings.max_change_ratio:.0%}"
        )
    return None


class InventoryPush(StreamSync):
    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.settings = run.shop.inventory

    # ---- plan ------------------------------------------------------------------------------

    def plan(self, shop_key: str, stale_after: timedelta, now: datetime) -> list[Line]:
        """Decide what to send; writes the plan and logs rejected and held lines."""
        s = self.schema
        with self.conn.transaction():
            self.conn.execute(
                f"INSERT INTO {s}.shop_settings (shop_id, shop_key, low_stock_threshold) "
                "VALUES (%s, %s, %s) ON CONFLICT (shop_id) DO UPDATE SET shop_key = "
                "EXCLUDED.shop_key, low_stock_threshold = EXCLUDED.low_stock_threshold, "
                "updated_at = now()",
                (self.shop_id, shop_key, self.settings.low_stock_threshold),
            )
        lines = [
            Line(*row)
            for row in self.conn.execute(
                f"SELECT target_id, product_id, sku, warehouse_id, target_stock, requested_at "
                f"FROM {s}.stock_targets WHERE shop_id = %s ORDER BY requested_at, target_id",
                (self.shop_id,),
            )
        ]
        self.progress.start(f"{len(lines):,} stock targets")
        catalogue = self._catalogue()
        unknown = [line for line in lines if self._product_of(line, catalogue) is None]
        if unknown:
            self._look_up(unknown[:LOOKUP_LIMIT])
            catalogue = self._catalogue()
        default_warehouse = self._default_warehouse(catalogue)
        for line in lines:
            self._resolve(line, catalogue, default_warehouse)
        self._reject_duplicates(lines)
        differing = [
            line for line in lines if line.action is None and line.stock_before != line.target
        ]
        if differing and self._staging_is_stale(stale_after, now):
            self._refresh([line.product_id for line in differing])
            catalogue = self._catalogue()
            for line in differing:
                line.stock_before = catalogue.stock.get((line.product_id, line.warehouse_id))
        for line in lines:
            if line.action is None and line.stock_before == line.target:
                line.action = "skip"
        self._apply_guardrails([line for line in lines if line.action is None])
        planned = [line for line in lines if line.action in ("send", "hold", "reject")]
        self._write_plan(planned)
        self.counters.unchanged = sum(1 for line in lines if line.action == "skip")
        self.counters.rejected += sum(1 for line in lines if line.action == "reject")
        self.counters.held = sum(1 for line in lines if line.action == "hold")
        return planned

    def _catalogue(self) -> Catalogue:
        s = self.schema
        by_id, by_sku = {}, {}
        for product_id, sku, children, deleted in self.conn.execute(
            f"SELECT product_id, sku, cardinality(children_ids) > 0, deleted_at IS NOT NULL "
            f"FROM {s}.products WHERE shop_id = %s",
            (self.shop_id,),
        ):
            by_id[product_id] = (sku, children, deleted)
            if sku and not deleted:
                by_sku[sku] = product_id
        stock = {
            (product_id, warehouse_id): units
            for product_id, warehouse_id, units in self.conn.execute(
                f"SELECT ps.product_id, ps.warehouse_id, ps.stock FROM {s}.product_stock ps "
                f"JOIN {s}.products p USING (product_id) WHERE p.shop_id = %s",
                (self.shop_id,),
            )
        }
        return Catalogue(by_id, by_sku, stock)

    @staticmethod
    def _product_of(line: Line, catalogue: Catalogue) -> int | None:
        # As on Tokopedia, the sku wins when a target names both.
        if line.sku:
            return catalogue.by_sku.get(line.sku)
        if line.product_id is not None and line.product_id in catalogue.by_id:
            return line.product_id
        return None

    def _look_up(self, lines: list[Line]) -> None:
        """Ask Tokopedia for products the staging table does not know yet."""
        skus = [line.sku for line in lines if line.sku and "," not in line.sku]
        ids = [line.product_id for line in lines if not line.sku and line.product_id]
        found = self.client.products.by_skus(skus) if skus else []
        found += self.client.products.by_ids(ids) if ids else []
        self._store(found)

    def _refresh(self, product_ids: list[int]) -> None:
        self.progress.note(
            "Refreshing %d products from Tokopedia before comparing", len(product_ids)
        )
        self._store(self.client.products.by_ids(sorted(set(product_ids))))

    def _store(self, found: list[dict]) -> None:
        if not found:
            return
        rows, stocks = [], []
        for product in found:
            try:
                row, lines = product_rows(product)
            except BadRecord as problem:
                self.reject("product", product, problem)
                continue
            if row[1] == self.shop_id:
                rows.append(row)
                stocks.extend(lines)
        ProductLoader(self.conn, self.schema, self.run_id).load(rows, stocks, remember_seen=False)

    def _default_warehouse(self, catalogue: Catalogue) -> int | None:
        warehouses = self.client.shop.info().get("warehouses") or []
        for warehouse in warehouses:
            if warehouse.get("is_default") in (1, True, "1"):
                return int(warehouse["warehouse_id"])
        return int(warehouses[0]["warehouse_id"]) if len(warehouses) == 1 else None

    def _resolve(self, line: Line, catalogue: Catalogue, default_warehouse: int | None) -> None:
        problem = bad_value(line.target)
        if problem:
            line.decide("reject", problem)
            return
        if not line.sku and line.product_id is None:
            line.decide("reject", "the target names neither a product_id nor a sku")
            return
        product_id = self._product_of(line, catalogue)
        if product_id is None:
            what = f"sku {line.sku!r}" if line.sku else f"product_id {line.product_id}"
            line.decide("reject", f"{what} is not a product of this shop on Tokopedia")
            return
        line.product_id = product_id
        _, has_variants, deleted = catalogue.by_id[product_id]
        if deleted:
            line.decide("reject", f"product {product_id} was deleted on Tokopedia")
            return
        if has_variants:
            line.decide(
                "reject", f"product {product_id} has variants: set the stock of each variant"
            )
            return
        if line.warehouse_id is None:
            if default_warehouse is None:
                line.decide("reject", "no warehouse_id and the shop has no default warehouse")
                return
            line.warehouse_id = default_warehouse
        before = catalogue.stock.get((product_id, line.warehouse_id))
        if before is None:
            line.decide(
                "reject", f"product {product_id} has no stock in warehouse {line.warehouse_id}"
            )
            return
        line.stock_before = before

    @staticmethod
    def _reject_duplicates(lines: list[Line]) -> None:
        groups: dict[tuple[int | None, int | None], list[Line]] = defaultdict(list)
        for line in lines:
            if line.action is None:
                groups[(line.product_id, line.warehouse_id)].append(line)
        for (product_id, warehouse_id), group in groups.items():
            if len(group) > 1:
                ids = ", ".join(str(line.target_id) for line in group)
                for line in group:
                    line.decide(
                        "reject",
                        f"{len(group)} targets for product {product_id} in warehouse "
                        f"{warehouse_id} (target ids {ids}); keep one",
                    )

    def _staging_is_stale(self, stale_after: timedelta, now: datetime) -> bool:
        row = self.conn.execute(
            f"SELECT last_success_at FROM {self.schema}.sync_state "
            "WHERE shop_id = %s AND stream = 'products'",
            (self.shop_id,),
        ).fetchone()
        return row is None or row[0] is None or now - row[0] > stale_after

    def _apply_guardrails(self, differing: list[Line]) -> None:
        settings = self.settings
        allowed = 0
        for line in differing:
            if settings.paused:
                line.decide("hold", "the stock push of this shop is paused (inventory.paused)")
            elif (reason := guardrail(line, settings)) is not None:
                line.decide("hold", reason)
            elif allowed >= settings.max_items_per_run:
                line.decide(
                    "hold",
                    f"over the limit of {settings.max_items_per_run} items per run; "
                    "it goes in a later run",
                )
            else:
                line.decide("send")
                allowed += 1

    def _write_plan(self, planned: list[Line]) -> None:
        s = self.schema
        with self.conn.transaction():
            with (
                self.conn.cursor() as cur,
                cur.copy(
                    f"COPY {s}.stock_push_plan (run_id, shop_id, target_id, product_id, sku, "
                    "warehouse_id, stock_before, target_stock, action, reason) FROM STDIN"
                ) as copy,
            ):
                for line in planned:
                    copy.write_row(
                        (
                            self.run_id,
                            self.shop_id,
                            line.target_id,
                            line.product_id,
                            line.sku,
                            line.warehouse_id,
                            line.stock_before,
                            line.target,
                            line.action,
                            line.reason,
                        )
                    )
            # Rejected and held targets are logged once per reason, not again every run.
            self.conn.execute(
                f"""
                INSERT INTO {s}.stock_push_log (run_id, shop_id, target_id, product_id, sku,
                    warehouse_id, stock_before, target_stock, result, message)
                SELECT run_id, shop_id, target_id, product_id, sku, warehouse_id, stock_before,
                    target_stock, CASE action WHEN 'reject' THEN 'rejected' ELSE 'held' END, reason
                FROM {s}.stock_push_plan plan
                WHERE plan.run_id = %(run)s AND plan.action IN ('reject', 'hold')
                  AND NOT EXISTS (
                    SELECT 1 FROM {s}.stock_push_log seen
                    WHERE seen.target_id = plan.target_id AND seen.message = plan.reason
                      AND seen.target_stock IS NOT DISTINCT FROM plan.target_stock
                  )
                """,
                {"run": self.run_id},
            )

    # ---- apply -----------------------------------------------------------------------------

    def apply(self, plan_run_id: int, dry_run: bool) -> int:
        """Send the plan of `plan_run_id`; rows already answered are skipped, so applying a
        plan twice sends nothing twice. Returns how many rows were sent."""
        s = self.schema
        pending = self.conn.execute(
            f"""
            SELECT target_id, product_id, sku, warehouse_id, stock_before, target_stock
            FROM {s}.stock_push_plan plan
            WHERE plan.run_id = %(run)s AND plan.action = 'send'
              AND NOT EXISTS (
                SELECT 1 FROM {s}.stock_push_log done
                WHERE done.run_id = plan.run_id AND done.target_id = plan.target_id
                  AND done.result IN ('sent', 'failed')
              )
            ORDER BY warehouse_id, target_id
            """,
            {"run": plan_run_id},
        ).fetchall()
        if dry_run:
            self.progress.note("Dry run: would send %d stock changes; sent nothing", len(pending))
            return 0
        by_warehouse: dict[int, list[tuple]] = defaultdict(list)
        for row in pending:
            by_warehouse[row[3]].append(row)
        sent = 0
        for warehouse_id, rows in by_warehouse.items():
            for start in range(0, len(rows), APPLY_CHUNK):
                sent += self._send(plan_run_id, warehouse_id, rows[start : start + APPLY_CHUNK])
        return sent

    def _send(self, plan_run_id: int, warehouse_id: int, rows: list[tuple]) -> int:
        s = self.schema
        result = self.client.inventory.set_stock(
            [{"product_id": row[1], "new_stock": int(row[5])} for row in rows],
            warehouse_id=warehouse_id,
        )
        failures = {failure.row.get("product_id"): failure.message for failure in result.failed}
        self.counters.updated += len(rows) - len(failures)
        self.counters.failed += len(failures)
        with self.conn.transaction():
            with (
                self.conn.cursor() as cur,
                cur.copy(
                    f"COPY {s}.stock_push_log (run_id, shop_id, target_id, product_id, sku, "
                    "warehouse_id, stock_before, target_stock, sent_at, result, message) FROM STDIN"
                ) as copy,
            ):
                for target_id, product_id, sku, _, before, target in rows:
                    message = failures.get(product_id)
                    copy.write_row(
                        (
                            plan_run_id,
                            self.shop_id,
                            target_id,
                            product_id,
                            sku,
                            warehouse_id,
                            before,
                            target,
                            datetime.now(UTC),
                            "failed" if message else "sent",
                            message,
                        )
                    )
            landed = [(int(row[5]), row[1]) for row in rows if row[1] not in failures]
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
        for product_id, message in failures.items():
            log.warning("Tokopedia refused the stock of product %s: %s", product_id, message)
        return len(rows)
