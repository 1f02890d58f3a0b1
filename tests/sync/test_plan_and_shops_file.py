"""Pure logic of the sync: which range a run reads, and the shops file's checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tokopedia_sync import shops
from tokopedia_sync.sync.orders import plan
from tokopedia_sync.sync.products import needs_full_scan

START = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 12, 7, tzinfo=UTC)
HOUR = timedelta(hours=1)


class TestOrdersPlan:
    def test_the_first_run_reaches_back_to_the_configured_start(self):
        reading = plan(None, START, (NOW - 15 * timedelta(minutes=1), NOW), HOUR, NOW)

        assert (reading.start, reading.end) == (START, NOW)

    def test_a_scheduled_run_reads_from_the_watermark_less_the_lookback(self):
        interval = (
            datetime(2026, 12, 3, 11, 45, tzinfo=UTC),
            datetime(2026, 12, 3, 12, 0, tzinfo=UTC),
        )

        reading = plan(interval[0], START, interval, HOUR, NOW)

        assert (reading.start, reading.end) == (interval[0] - HOUR, interval[1])

    def test_missed_runs_leave_no_gap(self):
        watermark = NOW - timedelta(days=2)
        interval = (NOW - timedelta(minutes=15), NOW)

        assert plan(watermark, START, interval, HOUR, NOW).start == watermark - HOUR

    def test_a_backfill_of_an_old_interval_reads_that_interval(self):
        interval = (datetime(2026, 11, 5, tzinfo=UTC), datetime(2026, 11, 5, 0, 15, tzinfo=UTC))

        reading = plan(NOW, START, interval, HOUR, NOW)

        assert (reading.start, reading.end) == (interval[0] - HOUR, interval[1])

    def test_never_before_the_configured_start_and_never_past_now(self):
        interval = (START - timedelta(days=3), NOW + timedelta(days=1))

        reading = plan(None, START, interval, HOUR, NOW)

        assert (reading.start, reading.end) == (START, NOW)

    def test_a_manual_run_without_an_interval_reads_up_to_now(self):
        assert plan(NOW - HOUR, START, (NOW, NOW), HOUR, NOW).end == NOW


def test_a_full_product_scan_is_due_first_and_then_every_few_hours():
    assert needs_full_scan(None, 24, NOW)
    assert not needs_full_scan(NOW - timedelta(hours=23), 24, NOW)
    assert needs_full_scan(NOW - timedelta(hours=24), 24, NOW)


class TestShopsFile:
    def test_the_start_date_is_a_jakarta_date_read_from_its_midnight(self, tmp_path):
        path = tmp_path / "shops.yaml"
        path.write_text("shops:\n  - key: toko\n    start_date: 2026-11-01\n")

        (shop,) = shops.load(path).shops

        assert shop.backfill_from == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
        assert shop.start == datetime(2026, 11, 1, tzinfo=UTC)
        assert shop.order_lookback_minutes == 24 * 60

    def test_defaults_follow_the_product_spec(self, tmp_path):
        path = tmp_path / "shops.yaml"
        path.write_text("shops:\n  - key: toko\n    start_date: 2026-11-01\n")

        config = shops.load(path)

        (shop,) = config.shops
        assert config.postgres_conn_id == "tokopedia_postgres"
        assert config.schema == "tokopedia"
        assert shop.interval == 15
        assert shop.tokopedia_conn_id == "tokopedia_toko"
        assert shop.start_date == date(2026, 11, 1)
        assert shop.features == {
            "products": True,
            "orders": True,
            "inventory": True,
            "logistics": False,
            "shop_info": False,
            "webhooks": False,
        }

    @pytest.mark.parametrize("interval", ["manual", 5, 15, 30, 60])
    def test_every_interval_of_the_spec_is_accepted(self, tmp_path, interval):
        path = tmp_path / "shops.yaml"
        path.write_text(
            f"shops:\n  - key: toko\n    interval: {interval}\n    start_date: 2026-11-01\n"
        )

        shop = shops.load(path).shops[0]

        assert shop.interval == (None if interval == "manual" else interval)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("shops:\n  - key: Toko A\n    start_date: 2026-11-01\n", "field 'key'"),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n"
                "  - key: a\n    start_date: 2026-11-01\n",
                "repeated: a",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n    interval: true\n",
                "field 'interval'",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n    interval: 15.0\n",
                "field 'interval': must be one of manual, 5, 15, 30, 60 (minutes), got 15.0",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n    interval: '15'\n",
                "field 'interval'",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n"
                "    order_lookback_minutes: 60.0\n",
                "field 'order_lookback_minutes': must be a whole number",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n"
                "    product_full_scan_hours: true\n",
                "field 'product_full_scan_hours': must be a whole number",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n"
                "    inventory: {max_change_ratio: true}\n",
                "field 'inventory.max_change_ratio'",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n    colour: red\n",
                "unknown field(s) colour",
            ),
            (
                "schema: Tokopedia-Staging\nshops:\n  - key: a\n    start_date: 2026-11-01\n",
                "field 'schema'",
            ),
            (
                "shops:\n  - key: a\n    start_date: 2026-11-01\n"
                "    inventory: {max_change_units: 0}\n",
                "inventory.max_change_units",
            ),
            ("shops:\n  - key: a\n", "field 'start_date'"),
            ("- a list\n", "must be a mapping"),
        ],
    )
    def test_mistakes_name_the_file_the_shop_and_the_field(self, tmp_path, text, message):
        path = tmp_path / "shops.yaml"
        path.write_text(text)

        with pytest.raises(shops.ShopsFileError) as raised:
            shops.load(path)

        assert str(path) in str(raised.value)
        assert message in str(raised.value)

    @pytest.mark.parametrize(
        ("inventory", "units", "ratio"),
        [
            ("{}", 500, 0.5),
            ("{max_change_units: null}", None, 0.5),
            ("{max_change_ratio: null}", 500, None),
            ("{max_change_units: ~, max_change_ratio: ~}", None, None),
        ],
    )
    def test_either_change_limit_is_switched_off_with_null(self, tmp_path, inventory, units, ratio):
        path = tmp_path / "shops.yaml"
        path.write_text(
            f"shops:\n  - key: a\n    start_date: 2026-11-01\n    inventory: {inventory}\n"
        )

        settings = shops.load(path).shops[0].inventory

        assert (settings.max_change_units, settings.max_change_ratio) == (units, ratio)

    def test_a_missing_file_says_how_to_point_at_one(self):
        with pytest.raises(shops.ShopsFileError, match="TOKOPEDIA_SHOPS_FILE"):
            shops.load(Path("/nowhere/shops.yaml"))

    def test_the_shipped_shops_file_is_valid(self):
        config = shops.load(Path(__file__).resolve().parents[2] / "config" / "shops.yaml")

        assert [shop.key for shop in config.shops] == ["demo"]
