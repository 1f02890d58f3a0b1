"""Every DAG imports cheaply and carries what a well-kept DAG carries; a broken shops file
fails parsing with a message that names the file, the shop and the field."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

EXPECTED = {
    "tokopedia_uji_orders",
    "tokopedia_uji_products",
    "tokopedia_uji_inventory",
    "tokopedia_kedua_products",
    "tokopedia_kedua_shop_info",
    "tokopedia_kedua_logistics",
}


def test_every_enabled_feature_of_every_shop_is_a_dag_and_disabled_ones_are_not(dagbag):
    tokopedia = {dag_id for dag_id in dagbag.dag_ids if dag_id.startswith("tokopedia_")}

    assert tokopedia == EXPECTED


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_a_dag_has_tags_owner_retries_docs_and_one_run_at_a_time(dagbag, dag_id):
    dag = dagbag.get_dag(dag_id)

    assert "tokopedia" in dag.tags
    assert dag.max_active_runs == 1
    assert not dag.catchup
    assert "Writes `tokopedia." in dag.doc_md
    for task in dag.tasks:
        assert task.owner == "data-engineering"
        assert task.retries >= 1
        assert task.retry_exponential_backoff
        assert task.outlets, "each sync task declares the tables it writes as assets"


def test_scheduled_dags_have_a_data_interval_timetable_and_manual_ones_none(dagbag):
    from airflow.sdk import CronDataIntervalTimetable

    scheduled = dagbag.get_dag("tokopedia_uji_orders")
    manual = dagbag.get_dag("tokopedia_kedua_products")

    assert isinstance(scheduled.timetable, CronDataIntervalTimetable)
    assert scheduled.timetable.expression == "*/15 * * * *"
    assert not isinstance(manual.timetable, CronDataIntervalTimetable)
    assert manual.timetable.can_be_scheduled is False


def tables_the_doc_says_are_written(doc_md: str) -> set[str]:
    (paragraph,) = [p for p in doc_md.split("\n\n") if p.startswith("Writes ")]
    return set(re.findall(r"`tokopedia\.(\w+)`", paragraph))


@pytest.mark.parametrize("dag_id", sorted(EXPECTED))
def test_every_table_the_doc_says_a_dag_writes_is_an_asset_it_declares(dagbag, dag_id):
    dag = dagbag.get_dag(dag_id)
    written = tables_the_doc_says_are_written(dag.doc_md)

    declared = {asset.name for task in dag.tasks for asset in task.outlets}

    assert {"sync_runs", "sync_state"} <= written
    assert declared == {f"tokopedia_staging.tokopedia.{table}" for table in written}


def test_the_orders_dag_declares_its_staging_tables_and_its_bookkeeping(dagbag):
    (task,) = dagbag.get_dag("tokopedia_uji_orders").tasks

    assert {asset.name for asset in task.outlets} == {
        "tokopedia_staging.tokopedia.orders",
        "tokopedia_staging.tokopedia.order_items",
        "tokopedia_staging.tokopedia.order_status_history",
        "tokopedia_staging.tokopedia.rejected_records",
        "tokopedia_staging.tokopedia.sync_state",
        "tokopedia_staging.tokopedia.sync_runs",
    }


def test_parsing_needs_no_network_no_database_and_no_heavy_imports():
    script = textwrap.dedent(
        f"""
        import json, runpy, socket, sys, time

        def refuse(*args, **kwargs):
            raise AssertionError("the DAG file opened a network connection while parsing")

        socket.socket.connect = refuse
        started = time.perf_counter()
        namespace = runpy.run_path({str(ROOT / "dags" / "tokopedia.py")!r})
        print(json.dumps({{
            "seconds": time.perf_counter() - started,
            "dags": sorted(k for k in namespace if k.startswith("tokopedia_")),
            "heavy": [m for m in ("psycopg", "psycopg2", "pandas", "requests",
                      "tokopedia_sync.client", "tokopedia_sync.sync") if m in sys.modules],
        }}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr[-2000:]
    parsed = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(parsed["dags"]) == EXPECTED
    assert parsed["heavy"] == []


@pytest.mark.parametrize(
    ("shops_yaml", "message"),
    [
        (
            "shops:\n  - key: toko_a\n    interval: 10\n    start_date: 2026-01-01\n",
            "shop toko_a: field 'interval': must be one of manual, 5, 15, 30, 60",
        ),
        (
            "shops:\n  - key: toko_a\n    interval: 15.0\n    start_date: 2026-01-01\n",
            "shop toko_a: field 'interval': must be one of manual, 5, 15, 30, 60 (minutes), "
            "got 15.0",
        ),
        (
            "shops:\n  - key: toko_a\n    start_date: 2026-01-01\n"
            "    open_order_refresh_requests: 50.0\n",
            "shop toko_a: field 'open_order_refresh_requests': must be a whole number",
        ),
        (
            "shops:\n  - key: toko_a\n    start_date: yesterday\n",
            "shop toko_a: field 'start_date': must be a date like 2026-01-31",
        ),
        (
            "shops:\n  - key: toko_a\n    start_date: 2026-01-01\n"
            "    features: {orders: yes please}\n",
            "shop toko_a: field 'features.orders': must be true or false",
        ),
        (
            "shops:\n  - key: toko_a\n    start_date: 2026-01-01\n    features: {chat: true}\n",
            "shop toko_a: unknown field(s) features.chat",
        ),
        ("shops: []\n", "'shops' must be a non-empty list"),
        ("shops: [\n", "not valid YAML"),
    ],
)
def test_a_broken_shops_file_fails_parsing_naming_file_shop_and_field(
    airflow_db, monkeypatch, tmp_path, shops_yaml, message
):
    from airflow.dag_processing.dagbag import DagBag

    broken = tmp_path / "shops.yaml"
    broken.write_text(shops_yaml)
    monkeypatch.setenv("TOKOPEDIA_SHOPS_FILE", str(broken))

    bag = DagBag(dag_folder=str(ROOT / "dags"))

    (error,) = bag.import_errors.values()
    assert str(broken) in error
    assert message in error
