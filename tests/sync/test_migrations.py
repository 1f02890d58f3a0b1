"""Versioned migrations: applied once, safely in parallel, additive only, everything commented."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from tests.conftest import at_once
from tokopedia_sync.client import PostgresBudget
from tokopedia_sync.db.migrate import (
    PLACEHOLDER,
    Migration,
    MigrationError,
    available,
    check_additive,
    migrate,
)


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def test_migrating_twice_applies_each_migration_once(staging_url):
    with connect(staging_url) as conn:
        first = migrate(conn, "tokopedia")
        second = migrate(conn, "tokopedia")

    assert first == [m.version for m in available()]
    assert second == []


def test_workers_migrating_at_the_same_time_take_turns(staging_url):
    results = []

    def work():
        with connect(staging_url) as conn:
            results.append(migrate(conn, "staging_a"))

    errors = at_once(work, threads=4)

    assert errors == []
    assert sorted(len(r) for r in results) == [0, 0, 0, len(available())]


def test_every_table_and_column_carries_a_comment(staging_url):
    with connect(staging_url) as conn:
        migrate(conn, "tokopedia")
        budget = PostgresBudget(lambda: connect(staging_url), {"orders": 1}, lambda f: f)
        budget.acquire("orders", 1, max_wait=float("inf"))
        budget.close()
        missing_tables = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'tokopedia' AND c.relkind IN ('r', 'v') "
            "AND obj_description(c.oid, 'pg_class') IS NULL"
        ).fetchall()
        missing_columns = conn.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'tokopedia' AND c.relkind IN ('r', 'v') AND a.attnum > 0 "
            "AND NOT a.attisdropped "
            "AND col_description(c.oid, a.attnum) IS NULL"
        ).fetchall()

    assert missing_tables == []
    assert missing_columns == []


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE __schema__.orders;",
        "ALTER TABLE __schema__.orders DROP COLUMN awb;",
        "TRUNCATE __schema__.products;",
        "ALTER TABLE __schema__.orders RENAME TO old_orders;",
    ],
)
def test_a_migration_that_would_remove_anything_is_refused(sql):
    with pytest.raises(MigrationError, match="may only add"):
        check_additive(Migration(99, "cleanup", sql))


def test_a_key_may_be_replaced_by_dropping_its_constraint_but_not_a_column_with_it():
    check_additive(Migration(97, "new_key", "ALTER TABLE t DROP CONSTRAINT t_pkey;"))

    with pytest.raises(MigrationError, match="contains DROP"):
        check_additive(
            Migration(96, "sly", "ALTER TABLE t DROP CONSTRAINT t_pkey, DROP COLUMN awb;")
        )


def test_words_inside_comments_and_strings_are_not_mistaken_for_statements():
    check_additive(
        Migration(
            98,
            "notes",
            "-- never DROP anything\nCOMMENT ON TABLE t IS 'rows are never dropped or truncated';",
        )
    )


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE __schema__.t DROP CONSTRAINT t_check, ADD CONSTRAINT t_check CHECK (x > 0);",
        "CREATE TRIGGER keep BEFORE TRUNCATE ON __schema__.t "
        "FOR EACH STATEMENT EXECUTE FUNCTION f();",
    ],
)
def test_replacing_a_constraint_and_refusing_truncate_by_trigger_pass(sql):
    check_additive(Migration(97, "guards", sql))


@pytest.mark.parametrize(
    "sql",
    [
        "ALTER TABLE __schema__.t DROP CONSTRAINT c; DROP TABLE __schema__.t;",
        "CREATE TRIGGER keep BEFORE TRUNCATE ON t EXECUTE FUNCTION f(); TRUNCATE t;",
    ],
)
def test_a_harmless_phrase_does_not_let_a_destructive_statement_through(sql):
    with pytest.raises(MigrationError, match="may only add"):
        check_additive(Migration(96, "sneaky", sql))


def test_a_migration_edited_after_it_was_applied_is_refused(staging_url):
    with connect(staging_url) as conn:
        migrate(conn, "tokopedia")
        conn.execute("UPDATE tokopedia.schema_migrations SET checksum = 'edited' WHERE version = 1")

        with pytest.raises(MigrationError, match="changed after it was applied"):
            migrate(conn, "tokopedia")


def as_the_previous_release_left_it(conn, schema: str) -> None:
    """Migrations 1 to 4 applied and recorded, as the release before the history change did."""
    conn.execute(f"CREATE SCHEMA {schema}")
    conn.execute(
        f"CREATE TABLE {schema}.schema_migrations (version integer PRIMARY KEY, "
        "name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
    )
    for migration in available():
        if migration.version <= 4:
            conn.execute(migration.sql.replace(PLACEHOLDER, schema))
            conn.execute(
                f"INSERT INTO {schema}.schema_migrations VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )


def test_the_history_and_rejection_keys_change_keeps_every_row_and_folds_repeated_rejections(
    staging_url,
):
    with connect(staging_url) as conn:
        as_the_previous_release_left_it(conn, "tokopedia")
        conn.execute(
            "INSERT INTO tokopedia.order_status_history VALUES "
            "(1, 220, 'paid', '2026-01-01 10:00Z', 'poll'), "
            "(1, 400, 'accepted', '2026-01-01 11:00Z', 'poll'), "
            "(2, 220, 'paid', '2026-01-02 10:00Z', 'webhook')"
        )
        conn.execute(
            "INSERT INTO tokopedia.rejected_records "
            "(run_id, shop_id, kind, record_id, reason, raw, rejected_at) VALUES "
            "(1, 9, 'order', 7, 'order 7 lacks a status', '{\"v\": 1}', '2026-01-01 10:00Z'), "
            "(2, 9, 'order', 7, 'order 7 lacks a status', '{\"v\": 2}', '2026-01-01 10:15Z'), "
            "(3, 9, 'order', 7, 'order 7 lacks a status', '{\"v\": 3}', '2026-01-01 10:30Z'), "
            "(3, 9, 'order', NULL, 'order None lacks an id', '{\"a\": 1}', '2026-01-01 10:30Z'), "
            "(3, 9, 'order', NULL, 'order None lacks an id', '{\"b\": 1}', '2026-01-01 10:30Z')"
        )

        applied = migrate(conn, "tokopedia")
        conn.execute(
            "INSERT INTO tokopedia.order_status_history "
            "(order_id, status_code, status_name, observed_at, source) "
            "VALUES (1, 220, 'paid', '2026-01-03 10:00Z', 'poll')"
        )
        history = conn.execute(
            "SELECT order_id, status_code, source FROM tokopedia.order_status_history "
            "ORDER BY observed_at"
        ).fetchall()
        rejected = conn.execute(
            "SELECT run_id, record_id, raw::text, times_seen, rejected_at, last_seen_at "
            "FROM tokopedia.rejected_records ORDER BY rejected_id"
        ).fetchall()

    assert 6 in applied
    assert not {1, 2, 3, 4} & set(applied)
    assert history == [(1, 220, "poll"), (1, 400, "poll"), (2, 220, "webhook"), (1, 220, "poll")]
    # The three reads of order 7 are one row: the last record, first and last time, the count.
    assert rejected[0] == (
        3,
        7,
        '{"v": 3}',
        3,
        datetime(2026, 1, 1, 10, 0, tzinfo=UTC),
        datetime(2026, 1, 1, 10, 30, tzinfo=UTC),
    )
    # Records without an id are told apart by their content.
    assert [row[:4] for row in rejected[1:]] == [
        (3, None, '{"a": 1}', 1),
        (3, None, '{"b": 1}', 1),
    ]
