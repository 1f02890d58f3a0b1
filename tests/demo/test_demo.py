"""The README's demo command on this machine: the stack comes up, the tables fill within
minutes, the UI shows the shop's DAGs and the Tokopedia connection form, and Ctrl-C stops it
all. Screenshots land in artifacts/screenshots/."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
import requests

pytestmark = pytest.mark.slow

FILL_TIMEOUT = 300
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DAGS = ("tokopedia_demo_orders", "tokopedia_demo_products", "tokopedia_demo_inventory")


def staged(demo) -> tuple[set[int], set[int], datetime | None, datetime | None]:
    """Order ids, product ids, and the window end and start of the last successful orders run."""
    try:
        with psycopg.connect(demo.staging_url) as conn:
            orders = {row[0] for row in conn.execute("SELECT order_id FROM tokopedia.orders")}
            products = {
                row[0]
                for row in conn.execute(
                    "SELECT product_id FROM tokopedia.products WHERE deleted_at IS NULL"
                )
            }
            run = conn.execute(
                "SELECT window_end, started_at FROM tokopedia.sync_runs "
                "WHERE stream = 'orders' AND outcome = 'success' ORDER BY run_id DESC LIMIT 1"
            ).fetchone()
    except psycopg.Error:
        return set(), set(), None, None
    return orders, products, *(run or (None, None))


def test_within_minutes_the_orders_and_products_tables_hold_the_sandboxs_rows(demo):
    deadline = time.monotonic() + FILL_TIMEOUT
    while True:
        orders, products, window_end, started = staged(demo)
        truth_products = {
            p["product_id"]
            for p in requests.get(f"{demo.sandbox_url}/_sandbox/products", timeout=30).json()
            if p["status"] != 0
        }
        if window_end is not None and products == truth_products:
            break
        assert time.monotonic() < deadline, "tables not filled in time:\n" + "\n".join(demo.output)
        time.sleep(5)
    truth = requests.get(
        f"{demo.sandbox_url}/_sandbox/orders", params={"detail": 1}, timeout=60
    ).json()
    paid_before_the_run = {
        o["order_id"]
        for o in truth
        if o["create_time"] <= window_end.timestamp()
        and any(s == 220 and t <= started.timestamp() for s, t in o["history"])
    }
    assert paid_before_the_run <= orders
    assert orders <= {o["order_id"] for o in truth if o["paid"]}
    assert len(orders) >= 2_900


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"the browser test drives Debian's Chromium at {CHROMIUM}: apt-get install chromium"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def signed_in(browser, demo):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    page.goto(f"{demo.airflow_url}/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{demo.airflow_url}/**")
    page.get_by_role("link", name="Dags").first.wait_for()
    return page


def test_the_ui_lists_the_shops_dags_and_a_triggered_run_succeeds(demo, browser, artifacts):
    page = signed_in(browser, demo)
    page.goto(f"{demo.airflow_url}/dags")
    for dag_id in DAGS:
        page.get_by_role("link", name=dag_id, exact=True).wait_for()
    page.screenshot(path=str(artifacts / "dag-list.png"))

    page.goto(f"{demo.airflow_url}/dags/tokopedia_demo_products")
    page.get_by_role("button", name="Trigger").first.click()
    page.get_by_role("dialog").get_by_role("button", name="Trigger").click()
    page.goto(f"{demo.airflow_url}/dags/tokopedia_demo_products/runs")
    manual = page.get_by_role("row").filter(has_text="manual").first
    manual.get_by_text("success").wait_for(timeout=180_000)
    page.screenshot(path=str(artifacts / "triggered-run.png"))


def test_the_connection_form_of_type_tokopedia_shows_its_fields(demo, browser, artifacts):
    page = signed_in(browser, demo)
    page.goto(f"{demo.airflow_url}/connections")
    page.get_by_role("button", name="Add Connection").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("combobox").last.click()
    page.keyboard.type("Tokopedia")
    page.keyboard.press("Enter")
    for label in ("API base URL", "Client ID", "Client Secret"):
        dialog.get_by_text(label, exact=True).wait_for()
    page.screenshot(path=str(artifacts / "tokopedia-connection-form.png"), full_page=True)

    dialog.get_by_text("Extra Fields", exact=True).click()
    for label in ("FS ID", "Shop ID", "Webhook Secret", "Auth base URL"):
        dialog.get_by_text(label, exact=True).wait_for()
    page.screenshot(path=str(artifacts / "tokopedia-connection-extra-fields.png"), full_page=True)


def test_ctrl_c_stops_every_process_the_demo_started(demo):
    demo.stop()

    assert demo.process.returncode is not None
    assert demo.leftovers() == []
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{demo.airflow_url}/api/v2/version", timeout=5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{demo.sandbox_url}/_sandbox/health", timeout=5)
