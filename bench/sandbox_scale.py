"""How the sandbox holds up at shop scale: 100,000 orders and 20,000 products in one shop.

Starts the sandbox as a separate process, then measures from the client side over HTTP with one
keep-alive session: seeding time, server memory, latency of order-list pages and of product-info
pages in the shop's own order and in every sorted order, and the time to read the full ground
truth. Prints each figure next to its target and exits
non-zero if a target is missed.

Run: .venv/bin/python bench/sandbox_scale.py   (or: make bench-sandbox)
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass

import psutil
import requests

from tokopedia_sync.sandbox.process import SandboxProcess

ORDERS = 100_000
PRODUCTS = 20_000
HISTORY_DAYS = 60
SHOP_ID = 479573
FS_ID = 13004
CLIENT_ID, CLIENT_SECRET = "bench-client", "bench-secret"
ORDER_PAGES, ORDERS_PER_PAGE = 300, 100
PRODUCT_PAGES, PRODUCTS_PER_PAGE = 200, 50
SORTS = {
    2: "last update",
    3: "most sold",
    4: "least sold",
    5: "highest price",
    6: "lowest price",
    7: "name A-Z",
    8: "name Z-A",
    9: "lowest stock",
    10: "highest stock",
}
WARM_UP = 10
DAY = 86_400

RSS_TARGET_MB = 1024
P95_TARGET_MS = 20.0

CHANGED_PAGES = 10
"""Pages per sort read right after a change, when the sandbox must sort the shop again."""

SEEDED = re.compile(r"^seeded (\d+) orders and (\d+) products .* in ([0-9.]+)s")


@dataclass
class Figure:
    name: str
    value: str
    target: str
    met: bool | None
    """None for a figure reported without a target."""

    @property
    def verdict(self) -> str:
        if self.met is None:
            return ""
        return "ok" if self.met else "MISSED"


def seeding_seconds(sandbox: SandboxProcess) -> tuple[int, int, float]:
    """(orders, products, seconds) from the sandbox's "seeded ..." start-up line."""
    for line in sandbox.output:
        found = SEEDED.match(line)
        if found:
            return int(found[1]), int(found[2]), float(found[3])
    raise RuntimeError("the sandbox printed no 'seeded ...' line:\n" + "\n".join(sandbox.output))


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def login(http: requests.Session, base_url: str) -> None:
    response = http.post(
        f"{base_url}/accounts/token",
        params={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    response.raise_for_status()
    http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


@dataclass
class Timings:
    """Client-side milliseconds per request (body read in full), answers other than 200, and
    rows returned, so that a fast run of empty pages cannot pass for a fast run."""

    latencies: list[float]
    failures: int
    rows: int

    def time_page(self, http: requests.Session, url: str, params: dict) -> None:
        """Read one page, adding its latency and rows (or a failure)."""
        started = time.perf_counter()
        response = http.get(url, params=params, timeout=30)
        body = response.content
        self.latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code == 200:
            self.rows += len(json.loads(body)["data"])
        else:
            self.failures += 1


def timed_pages(http: requests.Session, url: str, queries: list[dict]) -> Timings:
    for params in queries[:WARM_UP]:
        http.get(url, params=params, timeout=30).raise_for_status()
    timings = Timings([], 0, 0)
    for params in queries:
        timings.time_page(http, url, params)
    return timings


def timed_after_changes(
    http: requests.Session, base_url: str, queries: list[dict], product_ids: list[int]
) -> Timings:
    """Sorted pages each read right after a stock change, so each one rebuilds its sort."""
    stock_update = f"{base_url}/inventory/v1/fs/{FS_ID}/stock/update"
    product_info = f"{base_url}/inventory/v1/fs/{FS_ID}/product/info"
    timings = Timings([], 0, 0)
    for params, product_id in zip(queries, product_ids, strict=True):
        rows = [{"product_id": product_id, "new_stock": len(timings.latencies)}]
        http.post(stock_update, params={"shop_id": SHOP_ID}, json=rows, timeout=30)
        timings.time_page(http, product_info, params)
    return timings


def order_queries(rng: random.Random, now: int) -> list[dict]:
    queries = []
    for _ in range(ORDER_PAGES):
        from_date = rng.randrange(now - HISTORY_DAYS * DAY, now - 3 * DAY)
        queries.append(
            {
                "fs_id": FS_ID,
                "shop_id": SHOP_ID,
                "from_date": from_date,
                "to_date": from_date + 3 * DAY - 1,
                "page": rng.randrange(1, 41),
                "per_page": ORDERS_PER_PAGE,
            }
        )
    return queries


def product_queries(rng: random.Random, sort: int = 1) -> list[dict]:
    last_page = PRODUCTS // PRODUCTS_PER_PAGE
    return [
        {
            "shop_id": SHOP_ID,
            "page": rng.randrange(1, last_page + 1),
            "per_page": PRODUCTS_PER_PAGE,
            "sort": sort,
        }
        for _ in range(PRODUCT_PAGES)
    ]


def latency_figures(label: str, timings: Timings, per_page: int) -> list[Figure]:
    latencies = timings.latencies
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=100, method="inclusive")[94]
    return [
        Figure(
            f"{label}: p50 / p95 / max",
            f"{p50:.1f} / {p95:.1f} / {max(latencies):.1f} ms",
            f"p95 < {P95_TARGET_MS:.0f} ms",
            p95 < P95_TARGET_MS,
        ),
        Figure(
            f"{label}: rows per page, answers not 200",
            f"{timings.rows / len(latencies):.1f}, {timings.failures}",
            f"{per_page}, 0",
            timings.failures == 0 and timings.rows == per_page * len(latencies),
        ),
    ]


def print_table(figures: list[Figure]) -> None:
    widths = [max(len(getattr(f, col)) for f in figures) for col in ("name", "value", "target")]
    header = ("figure", "value", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    rows = [header, *((f.name, f.value, f.target, f.verdict) for f in figures)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, *row[3:]]).rstrip())


def main() -> int:
    options = (
        "--client-id", CLIENT_ID,
        "--client-secret", CLIENT_SECRET,
        "--fs-id", str(FS_ID),
        "--shop", f"{SHOP_ID}:Toko Skala:2",
        "--orders", str(ORDERS),
        "--products", str(PRODUCTS),
        "--history-days", str(HISTORY_DAYS),
        "--budgets", "off",
        "--order-rate", "0",
        "--advance-rate", "0",
    )  # fmt: skip
    print(f"starting a sandbox with {ORDERS:,} orders and {PRODUCTS:,} products ...", flush=True)
    with SandboxProcess(*options, startup_timeout=600) as sandbox:
        orders, products, seeded = seeding_seconds(sandbox)
        rss_seeded = rss_mb(sandbox.pid)
        rng = random.Random(2024)
        http = requests.Session()
        login(http, sandbox.base_url)

        order_pages = timed_pages(
            http, f"{sandbox.base_url}/v2/order/list", order_queries(rng, int(time.time()))
        )
        product_info = f"{sandbox.base_url}/inventory/v1/fs/{FS_ID}/product/info"
        product_pages = timed_pages(http, product_info, product_queries(rng))
        sorted_pages = {
            sort: timed_pages(http, product_info, product_queries(rng, sort)) for sort in SORTS
        }
        after_changes = [q for sort in SORTS for q in product_queries(rng, sort)[:CHANGED_PAGES]]
        plain = [p["product_id"] for p in sandbox.control.products() if not p["children"]]
        rebuilt_pages = timed_after_changes(
            http, sandbox.base_url, after_changes, rng.sample(plain, len(after_changes))
        )

        started = time.perf_counter()
        truth_orders = sandbox.control.orders()
        truth_products = sandbox.control.products()
        truth_seconds = time.perf_counter() - started
        rss_end = rss_mb(sandbox.pid)

    figures = [
        Figure(
            "seeded orders / products",
            f"{orders:,} / {products:,}",
            f"{ORDERS:,} / {PRODUCTS:,}",
            (orders, products) == (ORDERS, PRODUCTS),
        ),
        Figure("seeding time", f"{seeded:.1f} s", "", None),
        Figure(
            "server RSS after seeding",
            f"{rss_seeded:.0f} MB",
            f"< {RSS_TARGET_MB} MB",
            rss_seeded < RSS_TARGET_MB,
        ),
        *latency_figures(f"order list, {ORDER_PAGES} pages", order_pages, ORDERS_PER_PAGE),
        *latency_figures(f"product info, {PRODUCT_PAGES} pages", product_pages, PRODUCTS_PER_PAGE),
        *(
            figure
            for sort, timings in sorted_pages.items()
            for figure in latency_figures(
                f"product info sorted by {SORTS[sort]} ({sort}), {PRODUCT_PAGES} pages",
                timings,
                PRODUCTS_PER_PAGE,
            )
        ),
        *latency_figures(
            f"product info sorted, first page after a stock change, {len(after_changes)} pages",
            rebuilt_pages,
            PRODUCTS_PER_PAGE,
        ),
        Figure(
            "full ground truth (orders + products)",
            f"{truth_seconds:.2f} s for {len(truth_orders):,} + {len(truth_products):,} rows",
            "",
            None,
        ),
        Figure(
            "server RSS at the end",
            f"{rss_end:.0f} MB",
            f"< {RSS_TARGET_MB} MB",
            rss_end < RSS_TARGET_MB,
        ),
    ]
    print()
    print_table(figures)
    missed = [figure.name for figure in figures if figure.met is False]
    if missed:
        print(f"\nmissed: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
