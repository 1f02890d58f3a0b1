"""`tokopedia-sandbox`: serve a seeded, local stand-in for Tokopedia's Open API."""

from __future__ import annotations

import argparse
import json
import logging
import math
import socket
import sys
import time

import uvicorn

from tokopedia_sync.sandbox.app import Sandbox, create_app
from tokopedia_sync.sandbox.settings import (
    FAULT_KINDS,
    FaultRates,
    SandboxSettings,
    ShopSpec,
    parse_budgets,
)

DEFAULTS = SandboxSettings()

DESCRIPTION = """\
Serve a local Tokopedia Open API over HTTP: OAuth tokens, orders, products, stock, shop,
logistics and webhooks, with Tokopedia's envelopes, error codes, rate-limit headers and 429s.
Data is seeded from --seed, so the same options give the same shops, products and orders.
Point a Tokopedia connection at it with the printed api_base_url and auth_base_url.

Ground truth and controls live under /_sandbox/ (outside the API):
  GET  /_sandbox/orders, /_sandbox/orders/{id}, /_sandbox/products   true state
  GET  /_sandbox/requests?since=N                                   every request received
  GET|PATCH /_sandbox/settings    budgets, faults, rates, token TTL, limits at run time
  POST /_sandbox/tick {"new_orders": n, "advances": m}              make business happen now
  POST /_sandbox/faults {"faults": ["5xx", "drop"], "path_prefix": "/v2/order"}
  POST /_sandbox/tokens/revoke, POST /_sandbox/reset, GET /_sandbox/webhooks/deliveries
"""


def _shop(text: str) -> ShopSpec:
    shop_id, _, rest = text.partition(":")
    name, _, warehouses = rest.partition(":")
    try:
        spec = ShopSpec(int(shop_id), name or f"Toko {shop_id}", int(warehouses or 1))
    except ValueError:
        spec = None
    if spec is None or spec.shop_id < 1 or spec.warehouses < 1:
        raise argparse.ArgumentTypeError(
            f"bad shop {text!r}: write ID[:NAME[:WAREHOUSES]] with a positive ID and at least "
            "one warehouse, e.g. 479573:Toko Sandbox:2"
        )
    return spec


def _whole(low: int, high: int | None = None):
    """An argparse type: a whole number from `low` (to `high`)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            bounds = f"of at least {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number {bounds}")
        return value

    return parse


def _rate(text: str) -> float:
    """An argparse type: a finite number, not negative."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number of at least 0")
    return value


def _faults(text: str) -> FaultRates:
    try:
        return FaultRates.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _budgets(text: str) -> dict[str, int | None]:
    try:
        return parse_budgets(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tokopedia-sandbox",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default=DEFAULTS.host, help="address to listen on (default %(default)s)")
    add(
        "--port",
        type=_whole(0, 65_535),
        default=DEFAULTS.port,
        help="port; 0 picks a free one (default %(default)s)",
    )
    add("--client-id", default=DEFAULTS.client_id, help="accepted client_id (default %(default)s)")
    add(
        "--client-secret",
        default=DEFAULTS.client_secret,
        help="accepted client_secret (default %(default)s)",
    )
    add(
        "--fs-id",
        type=_whole(1),
        default=DEFAULTS.fs_id,
        help="the app's fs_id (default %(default)s)",
    )
    add(
        "--shop",
        dest="shops",
        action="append",
        type=_shop,
        metavar="ID[:NAME[:WAREHOUSES]]",
        help="a shop linked to the fs_id; repeat for several "
        "(default 479573:Toko Sandbox:2). Any other shop_id answers 403 RBAC_MDLW_001",
    )
    add(
        "--orders",
        type=_whole(0),
        default=DEFAULTS.orders_per_shop,
        help="orders seeded per shop (default %(default)s)",
    )
    add(
        "--products",
        type=_whole(0),
        default=DEFAULTS.products_per_shop,
        help="products per shop (default %(default)s)",
    )
    add(
        "--history-days",
        type=_whole(1),
        default=DEFAULTS.history_days,
        help="seeded orders span this many days back (default %(default)s)",
    )
    add(
        "--seed",
        type=int,
        default=DEFAULTS.seed,
        help="random seed of the data (default %(default)s)",
    )
    add(
        "--token-ttl",
        type=_whole(1),
        default=DEFAULTS.token_ttl,
        help="access token lifetime in seconds (default %(default)s)",
    )
    add(
        "--order-rate",
        type=_rate,
        default=DEFAULTS.new_orders_per_minute,
        help="new orders per minute per shop (default %(default)s)",
    )
    add(
        "--advance-rate",
        type=_rate,
        default=DEFAULTS.advances_per_minute,
        help="status changes per minute per shop (default %(default)s)",
    )
    add(
        "--budgets",
        type=_budgets,
        default=dict(DEFAULTS.budgets),
        help="per-minute budgets, e.g. orders=400,shop=off, or off for none "
        "(default products=100,orders=200,inventory=150,shop=50,webhooks=100)",
    )
    add(
        "--faults",
        type=_faults,
        default=FaultRates(),
        help="share of requests that fail, e.g. 5xx=0.05,drop=0.01; "
        f"kinds: {', '.join(FAULT_KINDS)}",
    )
    add(
        "--fault-seed",
        type=int,
        default=DEFAULTS.fault_seed,
        help="seed of the fault draws (default %(default)s)",
    )
    add(
        "--slow-seconds",
        type=_rate,
        default=DEFAULTS.slow_seconds,
        help="delay of a 'slow' fault (default %(default)s)",
    )
    add(
        "--max-window-orders",
        type=int,
        default=DEFAULTS.max_window_orders,
        help="an order list window holding more orders answers 500 ORD_API_009 "
        "(default %(default)s: no limit)",
    )
    add(
        "--request-log-size",
        type=_whole(1),
        default=DEFAULTS.request_log_size,
        help="requests kept in the log (default %(default)s)",
    )
    return parser


class _QuietDrops(logging.Filter):
    """Injected dropped connections are on purpose; keep them out of the server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    shop_ids = [shop.shop_id for shop in args.shops or ()]
    repeated = sorted({shop_id for shop_id in shop_ids if shop_ids.count(shop_id) > 1})
    if repeated:
        parser.error(f"--shop {repeated[0]} is given twice; give each shop its own ID")
    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((args.host, args.port))
    except OSError as exc:
        print(
            f"tokopedia-sandbox: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 2
    settings = SandboxSettings(
        host=args.host,
        port=listener.getsockname()[1],
        client_id=args.client_id,
        client_secret=args.client_secret,
        fs_id=args.fs_id,
        shops=tuple(args.shops) if args.shops else DEFAULTS.shops,
        orders_per_shop=args.orders,
        products_per_shop=args.products,
        history_days=args.history_days,
        seed=args.seed,
        token_ttl=args.token_ttl,
        new_orders_per_minute=args.order_rate,
        advances_per_minute=args.advance_rate,
        budgets=args.budgets,
        faults=args.faults,
        fault_seed=args.fault_seed,
        slow_seconds=args.slow_seconds,
        max_window_orders=args.max_window_orders,
        request_log_size=args.request_log_size,
    )
    started = time.perf_counter()
    sandbox = Sandbox(settings)
    seeded = time.perf_counter() - started
    print(f"Tokopedia sandbox listening on {settings.base_url}", flush=True)
    print(
        f"seeded {len(sandbox.state.orders)} orders and {len(sandbox.state.products)} products "
        f"in {len(sandbox.state.shops)} shop(s) in {seeded:.1f}s; settings:",
        flush=True,
    )
    print(json.dumps(settings.describe(), indent=2), flush=True)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    # Uvicorn closes idle connections after 5 s; a pooled client that sends at that moment has
    # its request reset. Keep them open as long as common HTTP servers do.
    config = uvicorn.Config(
        create_app(sandbox),
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_keep_alive=75,
    )
    uvicorn.Server(config).run(sockets=[listener])
    return 0


if __name__ == "__main__":
    sys.exit(main())
