"""Build one DAG per shop and enabled feature from the shops file.

Runs at DAG parse time: it reads the shops file and creates DAG objects, nothing more. No
network, no database, and no import heavier than Airflow's own authoring API.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, task

from tokopedia_sync import tasks
from tokopedia_sync.shops import InventorySettings, Shop, ShopsConfig

DEFAULT_ARGS = {
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}

ORDERS_DOC = """
### Tokopedia orders of shop `{key}`

Reads the orders created since the last run (less a {lookback}-minute lookback, since an order is
only listed once it is paid), cut into the 3-day windows Tokopedia accepts, and loads them into
Postgres. On its first run it reaches back to {start} (midnight in Jakarta), window by window; a
run killed half way continues where the last committed window ended. Then it re-reads orders that
are not finished yet (up to {refresh} requests a run), because Tokopedia's order list only filters
on creation time and would otherwise never show their later status changes. An order Tokopedia
sends malformed is skipped, kept in `{schema}.rejected_records` with the reason, and read again on
later runs until it loads.

Writes `{schema}.orders`, `{schema}.order_items`, `{schema}.order_status_history`,
`{schema}.rejected_records`, `{schema}.sync_state` and `{schema}.sync_runs` (the run ledger). Rows
that did not change are not rewritten. Connection: `{conn}`; budget: shared through `{postgres}`.
"""

PRODUCTS_DOC = """
### Tokopedia products of shop `{key}`

Reads the products changed lately (newest first, stopping at the first page without changes)
and, every {hours} hours, all products: a full scan also marks products gone from Tokopedia as
deleted (`deleted_at`), never removing them. A product Tokopedia sends malformed is skipped and
kept in `{schema}.rejected_records` with the reason; it is not taken for deleted.

Writes `{schema}.products`, `{schema}.product_stock` (per warehouse), `{schema}.rejected_records`,
`{schema}.sync_state` and `{schema}.sync_runs`. Connection: `{conn}`; budget: shared through
`{postgres}`.
"""


INVENTORY_DOC = """
### Tokopedia stock push of shop `{key}`

Makes Tokopedia show the stock the ERP wrote in `{schema}.stock_targets`. It compares each target
with Tokopedia's stock (the products staging table; when its last sync is older than the
interval, every targeted product is read again from Tokopedia first), keeps only the rows that
differ, and writes the plan to `{schema}.stock_push_plan`, with who asked and when. Bad targets
(empty, negative, fractional, above 999,999, unknown items, two rows for one item) are rejected
with the reason and never sent.

Guardrails: {change_rule}; a drop to zero of an item that has stock is held unless `allow_zero`;
at most {limit} items are sent a run, the rest wait for the next; `paused` holds everything.

Then it sends the rest with the set-stock endpoint, one batch of at most 100 rows at a time (each
row one request of the inventory budget), and commits every row with Tokopedia's answer to the
append-only `{schema}.stock_push_log` before the next batch: `sent` when Tokopedia reported it
set, `failed` with its message, `unknown` when the answer did not say (or never came).

One plan per DAG run: a retry, or clearing the run, continues that plan and sends only its rows
not answered yet; clearing a run that applied sends nothing. Trigger with `{{"dry_run": true}}`
to plan without sending. Products under {low} in stock show in `{schema}.low_stock` and are named
right after the task log's summary line.

Writes `{schema}.stock_push_runs`, `{schema}.stock_push_plan`, `{schema}.stock_push_log`, the new
stock into `{schema}.product_stock` and `{schema}.products` (with the products it refreshes from
Tokopedia; a malformed one goes to `{schema}.rejected_records`), `{schema}.shop_settings`,
`{schema}.sync_state` and `{schema}.sync_runs`. Connection: `{conn}`.
"""


SHOP_INFO_DOC = """
### Tokopedia shop info of shop `{key}`

Reads the shop's profile (name, status, warehouses) and its showcases (etalase). A showcase that
disappears is marked `deleted_at`, never removed.

Writes `{schema}.shops`, `{schema}.showcases`, `{schema}.sync_state` and `{schema}.sync_runs`.
Connection: `{conn}`.
"""

LOGISTICS_DOC = """
### Tokopedia logistics of shop `{key}`

Reads Tokopedia's courier catalogue and the couriers and services the shop has switched on.

Writes `{schema}.couriers`, `{schema}.shop_couriers`, `{schema}.sync_state` and
`{schema}.sync_runs`. Connection: `{conn}`.
"""


# The tables each DAG writes, declared as its task's outlets; its doc_md names the same.
RUN_TABLES = ("sync_state", "sync_runs")
WRITES = {
    "orders": ("orders", "order_items", "order_status_history", "rejected_records", *RUN_TABLES),
    "products": ("products", "product_stock", "rejected_records", *RUN_TABLES),
    "inventory": (
        "stock_push_runs",
        "stock_push_plan",
        "stock_push_log",
        "product_stock",
        "products",
        "rejected_records",
        "shop_settings",
        *RUN_TABLES,
    ),
    "shop_info": ("shops", "showcases", *RUN_TABLES),
    "logistics": ("couriers", "shop_couriers", *RUN_TABLES),
}


def table_asset(config: ShopsConfig, table: str) -> Asset:
    """A staging table as an Airflow Asset, named after the Postgres connection and schema."""
    return Asset(
        name=f"tokopedia_staging.{config.schema}.{table}",
        uri=f"tokopedia-staging://{config.postgres_conn_id}/{config.schema}/{table}",
    )


def timetable(shop: Shop) -> CronDataIntervalTimetable | None:
    """Every `interval` minutes with a real data interval; None (manual) without one."""
    if shop.interval is None:
        return None
    cron = "0 * * * *" if shop.interval == 60 else f"*/{shop.interval} * * * *"
    return CronDataIntervalTimetable(cron, timezone="UTC")


def outlets(config: ShopsConfig, feature: str) -> list[Asset]:
    """The Assets of the tables the DAG of `feature` writes."""
    return [table_asset(config, table) for table in WRITES[feature]]


def _dag(config: ShopsConfig, shop: Shop, feature: str, doc: str) -> DAG:
    return DAG(
        dag_id=f"tokopedia_{shop.key}_{feature}",
        description=f"Tokopedia {feature} of shop {shop.key} into Postgres",
        schedule=timetable(shop),
        start_date=shop.start,
        catchup=False,
        max_active_runs=1,
        default_args={**DEFAULT_ARGS, "owner": config.owner},
        tags=["tokopedia", f"shop:{shop.key}", feature],
        doc_md=doc,
        dagrun_timeout=timedelta(hours=6),
    )


def orders_dag(config: ShopsConfig, shop: Shop) -> DAG:
    doc = ORDERS_DOC.format(
        key=shop.key,
        lookback=shop.order_lookback_minutes,
        start=shop.start_date.isoformat(),
        refresh=shop.open_order_refresh_requests,
        schema=config.schema,
        conn=shop.tokopedia_conn_id,
        postgres=config.postgres_conn_id,
    )
    with _dag(config, shop, "orders", doc) as dag:
        task(task_id="sync_orders", outlets=outlets(config, "orders"))(tasks.sync_orders)(
            str(config.path), shop.key
        )
    return dag


def products_dag(config: ShopsConfig, shop: Shop) -> DAG:
    doc = PRODUCTS_DOC.format(
        key=shop.key,
        hours=shop.product_full_scan_hours,
        schema=config.schema,
        conn=shop.tokopedia_conn_id,
        postgres=config.postgres_conn_id,
    )
    with _dag(config, shop, "products", doc) as dag:
        task(task_id="sync_products", outlets=outlets(config, "products"))(tasks.sync_products)(
            str(config.path), shop.key
        )
    return dag


def change_rule(settings: InventorySettings) -> str:
    """The change-size guardrail of a shop, in words, for the DAG's documentation."""
    units, ratio = settings.max_change_units, settings.max_change_ratio
    if units is None and ratio is None:
        return "no change is too big (both change limits are off)"
    if ratio is None:
        return f"a change bigger than {units:,} units is held"
    share = f"{ratio:.0%} of the current stock (counted as at least 1)"
    if units is None:
        return f"a change bigger than {share} is held"
    return f"a change is held only when it is bigger than both {units:,} units and {share}"


def inventory_dag(config: ShopsConfig, shop: Shop) -> DAG:
    settings = shop.inventory
    doc = INVENTORY_DOC.format(
        key=shop.key,
        schema=config.schema,
        change_rule=change_rule(settings),
        limit=settings.max_items_per_run,
        low=settings.low_stock_threshold,
        conn=shop.tokopedia_conn_id,
    )
    with _dag(config, shop, "inventory", doc) as dag:
        dag.params["dry_run"] = Param(
            settings.dry_run, type="boolean", description="Plan only; send nothing."
        )
        task(task_id="push_stock", outlets=outlets(config, "inventory"))(tasks.push_stock)(
            str(config.path), shop.key
        )
    return dag


def _snapshot_dag(config: ShopsConfig, shop: Shop, feature: str, doc: str) -> DAG:
    text = doc.format(key=shop.key, schema=config.schema, conn=shop.tokopedia_conn_id)
    with _dag(config, shop, feature, text) as dag:
        task(task_id=f"sync_{feature}", outlets=outlets(config, feature))(
            getattr(tasks, f"sync_{feature}")
        )(str(config.path), shop.key)
    return dag


def shop_info_dag(config: ShopsConfig, shop: Shop) -> DAG:
    return _snapshot_dag(config, shop, "shop_info", SHOP_INFO_DOC)


def logistics_dag(config: ShopsConfig, shop: Shop) -> DAG:
    return _snapshot_dag(config, shop, "logistics", LOGISTICS_DOC)


BUILDERS = {
    "orders": orders_dag,
    "products": products_dag,
    "inventory": inventory_dag,
    "shop_info": shop_info_dag,
    "logistics": logistics_dag,
}


def build_dags(config: ShopsConfig) -> dict[str, DAG]:
    """Every DAG of every shop, by dag_id. A disabled feature makes no DAG."""
    dags = {}
    for shop in config.shops:
        for feature, build in BUILDERS.items():
            if shop.enabled(feature):
                dag = build(config, shop)
                dags[dag.dag_id] = dag
    return dags
