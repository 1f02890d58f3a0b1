"""The shops file: which shops are synced, with which connections, features and intervals.

Read at DAG parse time, so it stays cheap: a YAML file and plain checks, no network, no database.
Every mistake names the file, the shop and the field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

FEATURES = ("products", "orders", "inventory", "logistics", "shop_info", "webhooks")
DEFAULT_FEATURES = {
    "products": True,
    "orders": True,
    "inventory": True,
    "logistics": False,
    "shop_info": False,
    "webhooks": False,
}
INTERVALS = ("manual", 5, 15, 30, 60)
DEFAULT_INTERVAL = 15
SHOPS_FILE_ENV = "TOKOPEDIA_SHOPS_FILE"
DEFAULT_LOOKBACK_MINUTES = 24 * 60
JAKARTA_OFFSET = timedelta(hours=7)
"""Tokopedia's business day is Jakarta's: UTC+7, with no daylight saving."""
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class ShopsFileError(ValueError):
    """The shops file is missing, unreadable or has a wrong field."""


@dataclass(frozen=True)
class InventorySettings:
    """Guardrails of the stock push of one shop.

    A change is held when it is bigger than every change limit that is set: both by default, so
    that neither small items (big ratios, few units) nor big ones (many units, small ratios) are
    held all the time. None switches a limit off; with both off, no change is too big.
    """

    max_change_units: int | None = 500
    max_change_ratio: float | None = 0.5
    max_items_per_run: int = 2_000
    allow_zero: bool = False
    low_stock_threshold: int = 5
    dry_run: bool = False
    paused: bool = False

    def change_limits(self) -> str | None:
        """The change limits in words ("500 units and 50% of the current stock"), or None."""
        limits = []
        if self.max_change_units is not None:
            limits.append(f"{self.max_change_units:,} units")
        if self.max_change_ratio is not None:
            limits.append(f"{self.max_change_ratio:.0%} of the current stock")
        return " and ".join(limits) or None


@dataclass(frozen=True)
class Shop:
    key: str
    tokopedia_conn_id: str
    interval: int | None
    """Minutes between runs; None means manual (triggered from the UI)."""
    start_date: date
    features: dict[str, bool]
    order_lookback_minutes: int = DEFAULT_LOOKBACK_MINUTES
    open_order_refresh_requests: int = 50
    product_full_scan_hours: int = 24
    inventory: InventorySettings = field(default_factory=InventorySettings)

    def enabled(self, feature: str) -> bool:
        return self.features[feature]

    @property
    def start(self) -> datetime:
        """Midnight UTC of `start_date`: where the DAG's schedule begins."""
        return datetime(
            self.start_date.year, self.start_date.month, self.start_date.day, tzinfo=UTC
        )

    @property
    def backfill_from(self) -> datetime:
        """Midnight in Jakarta of `start_date`: the first business day is read whole."""
        return self.start - JAKARTA_OFFSET


@dataclass(frozen=True)
class ShopsConfig:
    path: Path
    postgres_conn_id: str
    schema: str
    owner: str
    shops: tuple[Shop, ...]

    def shop(self, key: str) -> Shop:
        for shop in self.shops:
            if shop.key == key:
                return shop
        raise KeyError(f"{self.path}: no shop {key!r}")


def shops_file(default: Path) -> Path:
    """$TOKOPEDIA_SHOPS_FILE when set, else `default`."""
    return Path(os.environ.get(SHOPS_FILE_ENV) or default)


def load(path: Path) -> ShopsConfig:
    """Read and check a shops file."""
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise ShopsFileError(
            f"{path}: shops file not found; create it or set {SHOPS_FILE_ENV}"
        ) from None
    except yaml.YAMLError as exc:
        raise ShopsFileError(f"{path}: not valid YAML: {exc}") from None
    return parse(document, path)


def parse(document: Any, path: Path) -> ShopsConfig:
    where = _Where(str(path))
    if not isinstance(document, dict):
        raise where.error("the file must be a mapping with a 'shops' list")
    _no_unknown(where, document, {"postgres_conn_id", "schema", "owner", "shops"})
    shops_doc = document.get("shops")
    if not isinstance(shops_doc, list) or not shops_doc:
        raise where.error("'shops' must be a non-empty list")
    shops = tuple(_shop(where.at_index(i), entry) for i, entry in enumerate(shops_doc))
    keys = [shop.key for shop in shops]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise where.error(f"shop keys must be unique; repeated: {', '.join(duplicates)}")
    return ShopsConfig(
        path=path,
        postgres_conn_id=_text(where, document, "postgres_conn_id", "tokopedia_postgres"),
        schema=_name(where, document, "schema", "tokopedia"),
        owner=_text(where, document, "owner", "data-engineering"),
        shops=shops,
    )


class _Where:
    def __init__(self, path: str, shop: str | None = None) -> None:
        self.path = path
        self.shop = shop

    def at_index(self, index: int) -> _Where:
        return _Where(self.path, f"#{index + 1}")

    def named(self, key: str) -> _Where:
        return _Where(self.path, key)

    def error(self, problem: str, field_name: str | None = None) -> ShopsFileError:
        parts = [self.path]
        if self.shop:
            parts.append(f"shop {self.shop}")
        if field_name:
            parts.append(f"field '{field_name}'")
        return ShopsFileError(": ".join(parts) + f": {problem}")


def _no_unknown(where: _Where, mapping: dict, known: set[str], prefix: str = "") -> None:
    unknown = sorted(set(mapping) - known)
    if unknown:
        raise where.error(
            f"unknown field(s) {', '.join(prefix + u for u in unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )


def _text(where: _Where, mapping: dict, name: str, default: str | None = None) -> str:
    value = mapping.get(name, default)
    if not isinstance(value, str) or not value.strip():
        raise where.error("must be non-empty text", name)
    return value.strip()


def _name(where: _Where, mapping: dict, name: str, default: str) -> str:
    value = _text(where, mapping, name, default)
    if not _NAME.match(value):
        raise where.error(
            f"{value!r} must be lowercase letters, digits and _ (starting with a letter)", name
        )
    return value


def _whole(
    where: _Where, mapping: dict, name: str, default: int, low: int, high: int, prefix: str = ""
) -> int:
    value = mapping.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise where.error(
            f"must be a whole number from {low} to {high}, got {value!r}", prefix + name
        )
    return value


def _flag(where: _Where, mapping: dict, name: str, default: bool, prefix: str = "") -> bool:
    value = mapping.get(name, default)
    if not isinstance(value, bool):
        raise where.error(f"must be true or false, got {value!r}", prefix + name)
    return value


def _shop(where: _Where, entry: Any) -> Shop:
    if not isinstance(entry, dict):
        raise where.error("each shop must be a mapping")
    key = _name(where, entry, "key", "")
    where = where.named(key)
    _no_unknown(
        where,
        entry,
        {
            "key",
            "tokopedia_conn_id",
            "interval",
            "start_date",
            "features",
            "order_lookback_minutes",
            "open_order_refresh_requests",
            "product_full_scan_hours",
            "inventory",
        },
    )
    interval = entry.get("interval", DEFAULT_INTERVAL)
    # `in` alone would take 15.0 (and True for 1): minutes are whole numbers, or "manual".
    if interval != "manual" and (type(interval) is not int or interval not in INTERVALS):
        raise where.error(
            f"must be one of {', '.join(map(str, INTERVALS))} (minutes), got {interval!r}",
            "interval",
        )
    start = entry.get("start_date")
    if isinstance(start, str):
        try:
            start = date.fromisoformat(start)
        except ValueError:
            raise where.error(
                f"must be a date like 2026-01-31, got {start!r}", "start_date"
            ) from None
    if not isinstance(start, date) or isinstance(start, datetime):
        raise where.error(f"must be a date like 2026-01-31, got {start!r}", "start_date")
    features_doc = entry.get("features", {})
    if not isinstance(features_doc, dict):
        raise where.error("must be a mapping of feature: true/false", "features")
    _no_unknown(where, features_doc, set(FEATURES), prefix="features.")
    features = {
        name: _flag(where, features_doc, name, DEFAULT_FEATURES[name], "features.")
        for name in FEATURES
    }
    return Shop(
        key=key,
        tokopedia_conn_id=_text(where, entry, "tokopedia_conn_id", f"tokopedia_{key}"),
        interval=None if interval == "manual" else interval,
        start_date=start,
        features=features,
        order_lookback_minutes=_whole(
            where, entry, "order_lookback_minutes", DEFAULT_LOOKBACK_MINUTES, 0, 7 * 24 * 60
        ),
        open_order_refresh_requests=_whole(
            where, entry, "open_order_refresh_requests", 50, 0, 10_000
        ),
        product_full_scan_hours=_whole(where, entry, "product_full_scan_hours", 24, 0, 24 * 30),
        inventory=_inventory(where, entry.get("inventory", {})),
    )


def _inventory(where: _Where, doc: Any) -> InventorySettings:
    if not isinstance(doc, dict):
        raise where.error("must be a mapping of guardrail settings", "inventory")
    d = InventorySettings()
    _no_unknown(where, doc, set(InventorySettings.__dataclass_fields__), prefix="inventory.")
    ratio = doc.get("max_change_ratio", d.max_change_ratio)
    if ratio is not None and (
        isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 100
    ):
        raise where.error(
            f"must be a number above 0, or null for no relative limit, got {ratio!r}",
            "inventory.max_change_ratio",
        )
    units = doc.get("max_change_units", d.max_change_units)
    if units is not None and (
        isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= 999_999
    ):
        raise where.error(
            f"must be a whole number from 1 to 999999, or null for no absolute limit, "
            f"got {units!r}",
            "inventory.max_change_units",
        )
    return InventorySettings(
        max_change_units=units,
        max_change_ratio=None if ratio is None else float(ratio),
        max_items_per_run=_whole(
            where, doc, "max_items_per_run", d.max_items_per_run, 1, 1_000_000, "inventory."
        ),
        allow_zero=_flag(where, doc, "allow_zero", d.allow_zero, "inventory."),
        low_stock_threshold=_whole(
            where, doc, "low_stock_threshold", d.low_stock_threshold, 0, 999_999, "inventory."
        ),
        dry_run=_flag(where, doc, "dry_run", d.dry_run, "inventory."),
        paused=_flag(where, doc, "paused", d.paused, "inventory."),
    )
