"""The stock push: make Tokopedia show the stock the ERP wrote in `stock_targets`, safely.

Plan: read the targets, reject bad ones with the reason, compare the rest with Tokopedia's stock
(the products staging table, read again from Tokopedia for every targeted item when stale), keep
only the rows that differ, and hold those a guardrail trips. The plan is written to
`stock_push_plan`, and its making to `stock_push_runs`: one plan per Airflow run, which a retry or
a clear of that run continues instead of planning again.

Apply (tokopedia_sync.sync.inventory_apply) sends the plan and logs Tokopedia's answers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from tokopedia_sync.client.inventory import MAX_STOCK
from tokopedia_sync.shops import InventorySettings
from tokopedia_sync.sync.loader import ProductLoader
from tokopedia_sync.sync.rows import BadRecord, product_rows
from tokopedia_sync.sync.stream import StreamSync

if TYPE_CHECKING:
    from tokopedia_sync.sync.runner import Run

STREAM = "inventory"
LOOKUP_LIMIT = 500
"""At most this many targets naming products the staging table does not know are looked up."""


@dataclass
class Line:
    """One target on its way through the plan."""

    target_id: int
    product_id: int | None
    sku: str | None
    warehouse_id: int | None
    target: Decimal | None
    requested_at: datetime
    requested_by: str | None
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


@dataclass(frozen=True)
class PlanMade:
    """A plan of an earlier try of the same Airflow run."""

    plan_run_id: int
    dry_run: bool
    planned_at: datetime


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
    # Against at least one unit, so that a restock from zero has a ratio too.
    ratio = change / max(before, 1)
    if target == 0 and before > 0 and not settings.allow_zero:
        return f"would drop stock from {before} to 0; set allow_zero to permit"
    # Held only when over every limit that is set: see InventorySettings.
    exceeded = []
    if settings.max_change_units is not None:
        exceeded.append(change > settings.max_change_units)
    if settings.max_change_ratio is not None:
        exceeded.append(ratio > settings.max_change_ratio)
    if exceeded and all(exceeded):
        plural = "s" if len(exceeded) > 1 else ""
        return (
            f"change of {change} units ({ratio:.0%}) exceeds the limit{plural} of "
            f"{settings.change_limits()}"
        )
    return None


class InventoryPush(StreamSync):
    """Plans the stock push of one shop."""

    def __init__(self, run: Run) -> None:
        super().__init__(run)
        self.settings = run.shop.inventory
        self.dag_id = run.dag_id
        self.airflow_run_id = run.airflow_run_id

    # ---- plan ------------------------------------------------------------------------------

    def earlier_plan(self) -> PlanMade | None:
        """The plan an earlier try of this Airflow run made, if any (never outside Airflow)."""
        if self.airflow_run_id is None:
            return None
        row = self.conn.execute(
            f"SELECT plan_run_id, dry_run, planned_at FROM {self.schema}.stock_push_runs "
            "WHERE shop_id = %s AND dag_id = %s AND airflow_run_id = %s",
            (self.shop_id, self.dag_id, self.airflow_run_id),
        ).fetchone()
        return PlanMade(*row) if row else None

    def plan(
        self, shop_key: str, stale_after: timedelta, now: datetime, dry_run: bool
    ) -> list[Line]:
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
                f"SELECT target_id, product_id, sku, warehouse_id, target_stock, requested_at, "
                f"requested_by FROM {s}.stock_targets WHERE shop_id = %s "
                "ORDER BY requested_at, target_id",
                (self.shop_id,),
            )
        ]
        self.progress.start(f"{len(lines):,} stock targets")
        catalogue = self._catalogue()
        unknown = [line for line in lines if self._product_of(line, catalogue) is None]
        if unknown:
            self._look_up(unknown[:LOOKUP_LIMIT])
            catalogue = self._catalogue()
        default_warehouse = self._default_warehouse()
        for line in lines:
            self._resolve(line, catalogue, default_warehouse)
        self._reject_duplicates(lines)
        resolved = [line for line in lines if line.action is None]
        if resolved and self._staging_is_stale(stale_after, now):
            # Every targeted item, not only those that differ: a stale stock equal to the target
            # would hide a change made on Tokopedia since.
            self._refresh([line.product_id for line in resolved])
            catalogue = self._catalogue()
            for line in resolved:
                key = (line.product_id, line.warehouse_id)
                line.stock_before = catalogue.stock.get(key, line.stock_before)
        for line in resolved:
            if line.stock_before == line.target:
                line.action = "skip"
        self._apply_guardrails([line for line in lines if line.action is None])
        planned = [line for line in lines if line.action in ("send", "hold", "reject")]
        self._write_plan(planned, dry_run)
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
        wanted = sorted(set(product_ids))
        self.progress.note(
            "Products staging is older than the interval: reading the %d targeted products "
            "from Tokopedia before comparing",
            len(wanted),
        )
        self._store(self.client.products.by_ids(wanted))

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

    def _default_warehouse(self) -> int | None:
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

    def _write_plan(self, planned: list[Line], dry_run: bool) -> None:
        s = self.schema
        airflow_run = (self.dag_id, self.airflow_run_id)
        with self.conn.transaction():
            # Unique per Airflow run: two tries planning at once cannot both write a plan.
            self.conn.execute(
                f"INSERT INTO {s}.stock_push_runs (plan_run_id, shop_id, dag_id, airflow_run_id, "
                "dry_run) VALUES (%s, %s, %s, %s, %s)",
                (self.run_id, self.shop_id, *airflow_run, dry_run),
            )
            with (
                self.conn.cursor() as cur,
                cur.copy(
                    f"COPY {s}.stock_push_plan (run_id, dag_id, airflow_run_id, shop_id, "
                    "target_id, product_id, sku, warehouse_id, stock_before, target_stock, "
                    "requested_at, requested_by, action, reason) FROM STDIN"
                ) as copy,
            ):
                for line in planned:
                    copy.write_row(
                        (
                            self.run_id,
                            *airflow_run,
                            self.shop_id,
                            line.target_id,
                            line.product_id,
                            line.sku,
                            line.warehouse_id,
                            line.stock_before,
                            line.target,
                            line.requested_at,
                            line.requested_by,
                            line.action,
                            line.reason,
                        )
                    )
            # Rejected and held targets are logged once per reason, not again every run.
            self.conn.execute(
                f"""
                INSERT INTO {s}.stock_push_log (run_id, plan_run_id, dag_id, airflow_run_id,
                    shop_id, target_id, product_id, sku, warehouse_id, stock_before, target_stock,
                    result, message)
                SELECT run_id, run_id, dag_id, airflow_run_id, shop_id, target_id, product_id,
                    sku, warehouse_id, stock_before, target_stock,
                    CASE action WHEN 'reject' THEN 'rejected' ELSE 'held' END, reason
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
