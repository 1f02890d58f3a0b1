"""Versioned migrations: applied once, safely in parallel, additive only, everything commented."""

from __future__ import annotations

import threading

import psycopg
import pytest

from tokopedia_sync.client import PostgresBudget
from tokopedia_sync.db.migrate import Migration, MigrationError, available, check_additive, migrate


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def test_migrating_twice_applies_each_migration_once(staging_url):
    with connect(staging_url) as conn:
        first = migrate(conn, "tokopedia")
        second = migrate(conn, "tokopedia")

    assert first == [m.version for m in available()]
    assert second == []


def test_workers_migrating_at_the_same_time_take_turns(staging_url):
    results, errors = [], []

    def work():
        try:
            with connect(staging_url) as conn:
                results.append(migrate(conn, "staging_a"))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

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
            "AND NOT a.attisdropped AND c.relname <> 'schema_migrations' "
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
