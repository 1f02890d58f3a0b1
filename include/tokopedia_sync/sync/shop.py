"""Shop profile, showcases and couriers: small snapshots, upserted row by row, unchanged rows
left alone, showcases that disappear marked deleted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from tokopedia_sync.client.envelope import lookup
from tokopedia_sync.sync.loader import Written
from tokopedia_sync.sync.rows import raw_json
from tokopedia_sync.sync.runner import Run


def upsert(
    conn: Any,
    table: str,
    key: Sequence[str],
    columns: Sequence[str],
    rows: Iterable[tuple],
    *,
    revives_deleted: bool = False,
) -> Written:
    """Insert or update `rows`; a row equal to what is stored is not rewritten. With
    `revives_deleted`, a row marked deleted that comes back is unmarked."""
    names = ", ".join(columns)
    values = ", ".join(["%s"] * len(columns))
    others = [c for c in columns if c not in key]
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in others)
    current = ", ".join(f"t.{c}" for c in others)
    incoming = ", ".join(f"EXCLUDED.{c}" for c in others)
    extra = ", deleted_at = NULL" if revives_deleted else ""
    changed_when = f"({current}) IS DISTINCT FROM ({incoming})"
    if revives_deleted:
        changed_when += " OR t.deleted_at IS NOT NULL"
    statement = (
        f"INSERT INTO {table} AS t ({names}) VALUES ({values}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {assignments}, changed_at = now(){extra} "
        f"WHERE {changed_when} RETURNING (xmax = 0)"
    )
    written = Written()
    with conn.transaction():
        for row in rows:
            outcome = conn.execute(statement, row).fetchone()
            if outcome is None:
                written.unchanged += 1
            elif outcome[0]:
                written.inserted += 1
            else:
                written.updated += 1
    return written


def _count(run: Run, written: Written) -> None:
    run.counters.inserted += written.inserted
    run.counters.updated += written.updated
    run.counters.unchanged += written.unchanged


def sync_shop_info(run: Run) -> None:
    """The shop's profile and its showcases."""
    s = run.schema
    shop = run.client.shop.info()
    run.counters.pages += 1
    warehouses = shop.get("warehouses") or []
    default = next(
        (w.get("warehouse_id") for w in warehouses if w.get("is_default") in (1, True, "1")),
        None,
    )
    created = shop.get("date_shop_created")
    row = (
        run.shop_id,
        str(lookup(shop, "shop_name", "")),
        shop.get("domain"),
        shop.get("shop_url"),
        bool(shop["is_open"]) if shop.get("is_open") is not None else None,
        shop.get("status"),
        date.fromisoformat(created) if created else None,
        [int(w["warehouse_id"]) for w in warehouses if w.get("warehouse_id") is not None],
        default,
        raw_json(shop),
    )
    columns = (
        "shop_id",
        "shop_name",
        "domain",
        "shop_url",
        "is_open",
        "status",
        "created_date",
        "warehouse_ids",
        "default_warehouse_id",
        "raw",
    )
    _count(run, upsert(run.conn, f"{s}.shops", ("shop_id",), columns, [row]))
    showcases = run.client.shop.showcases()
    run.counters.pages += 1
    rows = [
        (
            int(case["id"]),
            run.shop_id,
            str(lookup(case, "name", "")),
            case.get("alias"),
            case.get("product_count"),
            case.get("is_highlighted"),
            raw_json(case),
        )
        for case in showcases
    ]
    columns = ("showcase_id", "shop_id", "name", "alias", "product_count", "is_highlighted", "raw")
    written = upsert(
        run.conn, f"{s}.showcases", ("showcase_id",), columns, rows, revives_deleted=True
    )
    _count(run, written)
    with run.conn.transaction():
        run.counters.deleted = run.conn.execute(
            f"UPDATE {s}.showcases SET deleted_at = now(), changed_at = now() "
            "WHERE shop_id = %s AND deleted_at IS NULL AND NOT (showcase_id = ANY(%s))",
            (run.shop_id, [row[0] for row in rows]),
        ).rowcount
    run.progress.note("Shop %r with %d showcases", row[1], len(rows))


def sync_logistics(run: Run) -> None:
    """Tokopedia's courier catalogue and the couriers the shop has switched on."""
    s = run.schema
    couriers = run.client.shop.couriers()
    run.counters.pages += 1
    rows = [
        (
            int(courier["shipper_id"]),
            int(service["service_id"]),
            str(courier.get("shipper_name", "")),
            str(service.get("service_name", "")),
            service.get("service_desc"),
        )
        for courier in couriers
        for service in courier.get("services") or []
    ]
    columns = ("shipper_id", "service_id", "shipper_name", "service_name", "service_description")
    _count(run, upsert(run.conn, f"{s}.couriers", ("shipper_id", "service_id"), columns, rows))
    active = run.client.shop.active_couriers()
    run.counters.pages += 1
    shop_rows = [
        (
            run.shop_id,
            int(lookup(info, "ShipmentID")),
            int(lookup(package, "ShippingProductID")),
            lookup(info, "ShipmentName"),
            lookup(package, "ProductName"),
            lookup(info, "ShipmentAvailable"),
            lookup(package, "IsAvailable"),
        )
        for info in active
        for package in lookup(info, "ShipmentPackages", []) or []
    ]
    columns = (
        "shop_id",
        "shipper_id",
        "service_id",
        "shipper_name",
        "service_name",
        "shipper_available",
        "service_available",
    )
    key = ("shop_id", "shipper_id", "service_id")
    _count(run, upsert(run.conn, f"{s}.shop_couriers", key, columns, shop_rows))
    switched_on = sum(1 for row in shop_rows if row[5] and row[6])
    run.progress.note("%d courier services, %d switched on for the shop", len(rows), switched_on)
