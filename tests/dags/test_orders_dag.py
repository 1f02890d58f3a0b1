"""The orders DAG, run for real against the sandbox, compared with the sandbox's ground truth."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tests.client.conftest import sandbox_config
from tests.conftest import ROOT, SHOP_ID, SYNC_START
from tests.dags.conftest import next_quarter_hour
from tokopedia_sync.client import TokopediaClient
from tokopedia_sync.sync.orders import REJECTED_REREADS

DAG_ID = "tokopedia_uji_orders"
ORDER_LIST = "/v2/order/list"
# start_date is a Jakarta date: the first sync reaches back to midnight there (UTC+7).
START = (
    datetime(SYNC_START.year, SYNC_START.month, SYNC_START.day, tzinfo=UTC) - timedelta(hours=7)
).timestamp()


def expected_orders(sandbox, until: float) -> dict[int, dict]:
    """Orders the sync must hold: the shop's paid orders created since the configured start."""
    return {
        o["order_id"]: o
        for o in sandbox.control.orders(SHOP_ID)
        if o["paid"] and START <= o["create_time"] <= until
    }


def loaded_orders(staging) -> dict[int, tuple]:
    rows = staging.rows(
        "SELECT order_id, status_code, total_amount, product_total, shipping_cost, "
        "insurance_cost, voucher_amount, item_count, shop_id FROM tokopedia.orders"
    )
    return {row[0]: row[1:] for row in rows}


def assert_matches_truth(sandbox, staging) -> None:
    until = staging.value("SELECT max(window_end) FROM tokopedia.sync_runs").timestamp()
    truth = expected_orders(sandbox, until)
    loaded = loaded_orders(staging)
    assert set(loaded) == set(truth)
    for order_id, (
        status,
        total,
        products,
        shipping,
        insurance,
        voucher,
        items,
        shop,
    ) in loaded.items():
        expected = truth[order_id]
        assert status == expected["status"], f"order {order_id}"
        assert total == Decimal(expected["ttl_amount"])
        assert products == Decimal(expected["ttl_product_price"])
        assert (shipping, insurance, voucher) == (
            Decimal(expected["shipping_cost"]),
            Decimal(expected["insurance_cost"]),
            Decimal(expected["voucher_amount"]),
        )
        assert items == expected["item_count"]
        assert shop == SHOP_ID
    lines = staging.value("SELECT count(*) FROM tokopedia.order_items")
    assert lines == sum(truth[o]["item_count"] for o in truth)


def snapshot(staging) -> list[tuple]:
    return (
        staging.rows(
            "SELECT order_id, status_code, raw::text, changed_at FROM tokopedia.orders ORDER BY 1"
        )
        + staging.rows("SELECT * FROM tokopedia.order_items ORDER BY 1, 2")
        + staging.rows("SELECT * FROM tokopedia.order_status_history ORDER BY 1, 2")
    )


class TestFirstRun:
    def test_backfills_every_paid_order_since_the_start_with_amounts_and_items(
        self, sandbox, staging, run_dag
    ):
        run_dag(DAG_ID)

        assert_matches_truth(sandbox, staging)
        outcome, inserted, pages = staging.rows(
            "SELECT outcome, rows_inserted, pages FROM tokopedia.sync_runs"
        )[0]
        assert outcome == "success"
        assert inserted == len(loaded_orders(staging))
        assert pages >= 9
        assert staging.value("SELECT count(*) FROM tokopedia.order_status_history") == inserted

    def test_business_dates_are_jakarta_dates_of_the_utc_creation_time(self, staging, run_dag):
        run_dag(DAG_ID)

        wrong = staging.value(
            "SELECT count(*) FROM tokopedia.orders "
            "WHERE created_date_jakarta <> (created_at AT TIME ZONE 'Asia/Jakarta')::date"
        )
        assert wrong == 0


class TestLaterRuns:
    def test_new_orders_and_status_changes_of_old_orders_arrive(self, sandbox, staging, run_dag):
        run_dag(DAG_ID)
        sandbox.control.tick(new_orders=15, shop_id=SHOP_ID)
        sandbox.control.tick(advances=80, shop_id=SHOP_ID)

        run_dag(DAG_ID)

        assert_matches_truth(sandbox, staging)
        changed = staging.value(
            "SELECT count(*) FROM tokopedia.order_status_history h "
            "JOIN tokopedia.sync_runs r ON r.run_id = 2 WHERE h.observed_at >= r.started_at"
        )
        assert changed > 0

    def test_running_the_same_interval_again_changes_nothing(self, staging, run_dag):
        logical_date = next_quarter_hour()
        run_dag(DAG_ID, logical_date)
        before = snapshot(staging)

        run_dag(DAG_ID, logical_date)

        assert snapshot(staging) == before
        inserted, updated, unchanged = staging.rows(
            "SELECT rows_inserted, rows_updated, rows_unchanged FROM tokopedia.sync_runs "
            "ORDER BY run_id DESC LIMIT 1"
        )[0]
        assert (inserted, updated) == (0, 0)
        assert unchanged > 0

    def test_a_run_killed_mid_load_and_run_again_ends_equal_to_the_truth(
        self, sandbox, staging, run_dag, connections
    ):
        # Every answer takes 1.5 s, so the run is still loading when it is killed.
        sandbox.control.configure(faults={"slow": 1.0})
        first = sandbox.control.last_seq()
        env = {**os.environ, **connections}
        logical_date = next_quarter_hour().isoformat()
        doomed = subprocess.Popen(
            [sys.executable, "-m", "airflow", "dags", "test", DAG_ID, logical_date],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pages = sandbox.control.requests(since=first, path_prefix=ORDER_LIST)["requests"]
            if len(pages) >= 5:
                break
            time.sleep(0.2)
        os.killpg(doomed.pid, signal.SIGKILL)
        doomed.wait()
        staging.wait_for_other_sessions_to_end()
        partial = staging.value("SELECT count(*) FROM tokopedia.orders")
        sandbox.control.configure(faults={"slow": 0.0})

        run_dag(DAG_ID)

        assert 0 < partial < len(loaded_orders(staging))
        assert_matches_truth(sandbox, staging)
        outcomes = [
            row[0]
            for row in staging.rows("SELECT outcome FROM tokopedia.sync_runs ORDER BY run_id")
        ]
        assert outcomes == ["interrupted", "success"]


def rejected(staging) -> list[tuple]:
    return staging.rows(
        "SELECT record_id, kind, reason, raw->>'order_status', resolved_at, times_seen "
        "FROM tokopedia.rejected_records ORDER BY rejected_id"
    )


class TestMalformedOrders:
    def test_a_malformed_order_is_kept_with_the_reason_read_again_and_loaded(
        self, sandbox, staging, run_dag
    ):
        first = sandbox.control.last_seq()
        sandbox.control.script_faults("bad_record", path_prefix=ORDER_LIST)

        run_dag(DAG_ID)

        ((order_id, kind, reason, status, resolved_at, times_seen),) = rejected(staging)
        assert (kind, status) == ("order", "garbled")
        assert f"order {order_id} lacks a numeric" in reason
        assert resolved_at is not None
        assert times_seen == 1
        garbled = [
            r
            for r in sandbox.control.requests(since=first, path_prefix=ORDER_LIST)["requests"]
            if r["fault"] == "bad_record"
        ]
        assert len(garbled) == 1
        assert order_id in loaded_orders(staging)
        assert_matches_truth(sandbox, staging)
        assert staging.value("SELECT rows_rejected FROM tokopedia.sync_runs") == 1

    def test_orders_that_stay_malformed_are_skipped_and_load_once_they_come_whole(
        self, sandbox, staging, run_dag
    ):
        sandbox.control.configure(faults={"bad_record": 1.0})

        run_dag(DAG_ID)

        skipped = {row[0] for row in rejected(staging)}
        assert 0 < len(skipped) <= REJECTED_REREADS
        assert all(row[4] is None for row in rejected(staging))
        assert not skipped & set(loaded_orders(staging))
        until = staging.value("SELECT max(window_end) FROM tokopedia.sync_runs").timestamp()
        assert set(loaded_orders(staging)) == set(expected_orders(sandbox, until)) - skipped

        sandbox.control.configure(faults={"bad_record": 0.0})
        run_dag(DAG_ID)

        assert all(row[4] is not None for row in rejected(staging))
        assert_matches_truth(sandbox, staging)

    def test_an_order_malformed_on_every_read_keeps_one_row_counting_the_reads(
        self, sandbox, staging, run_dag
    ):
        sandbox.control.configure(faults={"bad_record": 1.0})
        run_dag(DAG_ID)
        seen_by_first_run = {row[0]: row[5] for row in rejected(staging)}

        run_dag(DAG_ID)

        again = rejected(staging)
        assert len(again) == len({(row[0], row[2]) for row in again})
        # The second run reads each of them again (the second it was created in), malformed
        # again: the same row counts the read.
        seen_by_both = {row[0]: row[5] for row in again}
        assert seen_by_first_run
        for order_id, seen in seen_by_first_run.items():
            assert seen_by_both[order_id] > seen, f"order {order_id}"


def test_the_task_log_tells_the_story(sandbox, staging, run_dag, caplog):
    caplog.set_level("INFO", logger="tokopedia_sync")
    sandbox.control.script_faults("5xx", "429", path_prefix=ORDER_LIST)

    run_dag(DAG_ID)

    text = caplog.text
    assert "Reading orders created" in text
    assert " loaded; pages " in text
    assert re.search(r"GET /v2/order/list: Tokopedia failed \(500 [^)]*\); retry \d+ in", text)
    assert re.search(r"GET /v2/order/list: rate limited by Tokopedia \(429\); retry \d+ in", text)
    (summary,) = [r.getMessage() for r in caplog.records if "orders sync done in" in r.getMessage()]
    requests, retries, throttled, waited = staging.rows(
        "SELECT requests, retries, throttled, budget_wait_seconds FROM tokopedia.sync_runs"
    )[0]
    assert (retries, throttled) == (2, 1)
    assert f"requests {requests} of the 200/min orders budget" in summary
    assert f"waited {waited:.1f} s for budget" in summary
    assert "retries 2, throttled (429) 1" in summary


def test_the_task_log_holds_no_buyer_personal_data(sandbox, staging, run_dag, caplog, capfd):
    caplog.set_level("DEBUG")
    sandbox.control.script_faults("5xx", "bad_record", path_prefix=ORDER_LIST)

    run_dag(DAG_ID)

    logged = caplog.text + "".join(capfd.readouterr())
    until = staging.value("SELECT max(window_end) FROM tokopedia.sync_runs")
    with TokopediaClient(sandbox_config(sandbox)) as client:
        read = list(client.orders.list(datetime.fromtimestamp(START, UTC), until))
    personal = set()
    for order in read:
        buyer, recipient = order["buyer"], order["recipient"]
        personal |= {buyer["name"], buyer["phone"], buyer["email"]}
        personal |= {recipient["name"], recipient["phone"], recipient["address"]["address_full"]}
    assert {order["order_id"] for order in read} == set(loaded_orders(staging))
    assert "Skipped a malformed order" in logged
    assert "Tokopedia failed (500" in logged
    assert [value for value in personal if value in logged] == []
