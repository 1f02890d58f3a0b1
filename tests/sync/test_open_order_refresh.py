"""Re-reading unfinished orders within the request cap, in a shop with far more of them than one
run may read: each run sends exactly its cap, and the next run goes on from the page where the
last one stopped until every status is current."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

import psycopg
import pytest

from tests.client.conftest import sandbox_config
from tests.conftest import CLIENT_ID, CLIENT_SECRET, FS_ID, SHOP_ID
from tokopedia_sync.client import TokopediaClient
from tokopedia_sync.sandbox.process import SandboxProcess
from tokopedia_sync.shops import DEFAULT_FEATURES, Shop
from tokopedia_sync.sync import runner

ORDER_LIST = "/v2/order/list"
CAP = 5
HISTORY_DAYS = 6
PER_PAGE = 100


@pytest.fixture(scope="module")
def busy_shop():
    """A shop with about 500 orders a day: a 3-day window holds some fifteen pages."""
    options = (
        "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--fs-id", str(FS_ID),
        "--shop", f"{SHOP_ID}:Toko Ramai", "--orders", "3000",
        "--history-days", str(HISTORY_DAYS), "--products", "40", "--seed", "7",
        "--order-rate", "0", "--advance-rate", "0",
    )  # fmt: skip
    with SandboxProcess(*options) as server:
        yield server


SHOP = Shop(
    key="ramai",
    tokopedia_conn_id="unused",
    interval=15,
    start_date=date.today() - timedelta(days=HISTORY_DAYS + 1),
    features=dict(DEFAULT_FEATURES),
    order_lookback_minutes=60,
    open_order_refresh_requests=CAP,
)


def sync(sandbox, url: str) -> None:
    with (
        TokopediaClient(sandbox_config(sandbox)) as client,
        psycopg.connect(url, autocommit=True) as conn,
        runner.ledgered_run(client, conn, "tokopedia", SHOP, "orders") as run,
    ):
        runner.sync_orders(run, None)


def refresh_requests(sandbox, since: int, before: int) -> list[dict]:
    """The order-list requests of a run that read windows older than its range (`before`)."""
    found = []
    for entry in sandbox.control.requests(since=since, path_prefix=ORDER_LIST)["requests"]:
        query = {k: int(v[0]) for k, v in parse_qs(entry["query"]).items() if k != "status"}
        if query["from_date"] < before:
            found.append(query)
    return found


def listed(truth: list[dict], request: dict) -> list[dict]:
    """What the sandbox answered `request`: paid orders of the window, oldest first, one page."""
    window = sorted(
        (
            o
            for o in truth
            if o["paid"] and request["from_date"] <= o["create_time"] <= request["to_date"]
        ),
        key=lambda o: (o["create_time"], o["order_id"]),
    )
    start = (request["page"] - 1) * request["per_page"]
    return window[start : start + request["per_page"]]


def state(url: str) -> tuple[datetime | None, datetime]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT s.refresh_cursor, r.window_start FROM tokopedia.sync_state s "
            "JOIN tokopedia.sync_runs r ON r.run_id = s.last_run_id WHERE s.stream = 'orders'"
        ).fetchone()


def first_unfinished_from(url: str, cursor: datetime) -> datetime:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT min(created_at) FROM tokopedia.orders WHERE NOT is_final AND created_at >= %s",
            (cursor,),
        ).fetchone()[0]


def test_each_run_reads_its_cap_and_the_next_goes_on_from_the_page_it_stopped_at(
    busy_shop, staging_url
):
    sync(busy_shop, staging_url)
    busy_shop.control.tick(advances=400, shop_id=SHOP_ID)
    truth = busy_shop.control.orders(SHOP_ID)

    cursors, stopped_inside_a_window, runs = [], 0, 0
    while True:
        resume_at = first_unfinished_from(staging_url, cursors[-1]) if cursors else None
        since = busy_shop.control.last_seq()
        sync(busy_shop, staging_url)
        runs += 1
        cursor, range_start = state(staging_url)
        sent = refresh_requests(busy_shop, since, int(range_start.timestamp()))
        if cursor is None:
            assert len(sent) <= CAP
            break
        assert len(sent) == CAP
        # The cursor is the create time of the last order of the last page read ...
        last_page = listed(truth, sent[-1])
        stopped_inside_a_window += len(last_page) == PER_PAGE
        assert cursor == datetime.fromtimestamp(last_page[-1]["create_time"], UTC)
        # ... and this run began there: at the first unfinished order from that second on.
        if resume_at is not None:
            assert (sent[0]["from_date"], sent[0]["page"]) == (int(resume_at.timestamp()), 1)
        cursors.append(cursor)
        assert runs < 20, "the re-read never came round"

    assert len(cursors) >= 2, "the shop must have more unfinished orders than one run may read"
    assert stopped_inside_a_window
    with psycopg.connect(staging_url) as conn:
        loaded = dict(conn.execute("SELECT order_id, status_code FROM tokopedia.orders"))
    assert loaded == {o["order_id"]: o["status"] for o in truth if o["paid"]}
