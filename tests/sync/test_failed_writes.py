"""A write Postgres refuses fails the run with a message an engineer can act on, and none of the
buyer data Postgres quotes from the failing row."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

from tests.client.conftest import sandbox_config
from tokopedia_sync.client import TokopediaClient
from tokopedia_sync.db.migrate import migrate
from tokopedia_sync.shops import DEFAULT_FEATURES, Shop
from tokopedia_sync.sync import runner

SHOP = Shop(
    key="uji",
    tokopedia_conn_id="unused",
    interval=15,
    start_date=date.today() - timedelta(days=3),
    features=dict(DEFAULT_FEATURES),
)


def test_a_refused_write_names_table_and_sqlstate_but_quotes_no_row(sandbox, staging_url):
    with psycopg.connect(staging_url, autocommit=True) as conn:
        migrate(conn, "tokopedia")
        # Stands for any write Postgres refuses: a full disk, a constraint an admin added.
        conn.execute(
            "ALTER TABLE tokopedia.orders ADD CONSTRAINT refuse_every_order CHECK (order_id < 0)"
        )

        with (
            TokopediaClient(sandbox_config(sandbox)) as client,
            pytest.raises(runner.StagingWriteError) as failure,
            runner.ledgered_run(client, conn, "tokopedia", SHOP, "orders") as run,
        ):
            runner.sync_orders(run, None)

        outcome, error = conn.execute("SELECT outcome, error FROM tokopedia.sync_runs").fetchone()

    message = str(failure.value)
    assert "SQLSTATE 23514" in message
    assert "table tokopedia.orders" in message
    assert 'violates check constraint "refuse_every_order"' in message
    # What Postgres itself said quotes the whole row, buyer and address included.
    assert "Failing row contains" in str(failure.value.__context__)
    assert "Failing row" not in message
    assert outcome == "failed"
    assert error == f"StagingWriteError: {message}"
