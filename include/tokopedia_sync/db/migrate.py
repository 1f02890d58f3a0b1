"""Versioned, additive migrations of the staging schema, applied automatically and safely.

Each `migrations/NNNN_name.sql` is applied once, in order, in one transaction with its record in
`schema_migrations`, under an advisory lock so concurrent workers take turns. A migration that was
changed after it was applied, or that would drop, truncate or rename anything but a constraint,
is refused: the tables are analysts' tables and nothing here ever removes one or its data.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

log = logging.getLogger(__name__)

PLACEHOLDER = "__schema__"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Dropping a constraint removes no data (a key is replaced that way); any other DROP would.
_DESTRUCTIVE = re.compile(r"\b(DROP(?!\s+CONSTRAINT\b)|TRUNCATE|RENAME)\b", re.IGNORECASE)
# A trigger that fires before TRUNCATE is there to refuse one: it protects the data.
_TRUNCATE_TRIGGER = re.compile(r"\bBEFORE\s+TRUNCATE\b", re.IGNORECASE)
# The table that records the migrations cannot be one: it exists before any was applied.
_LEDGER = """
CREATE TABLE IF NOT EXISTS {s}.schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE {s}.schema_migrations IS
    'Schema versions applied to this schema by tokopedia-sync, one row per migration.';
COMMENT ON COLUMN {s}.schema_migrations.version IS 'The number the migration file starts with.';
COMMENT ON COLUMN {s}.schema_migrations.name IS 'The rest of the migration file name.';
COMMENT ON COLUMN {s}.schema_migrations.checksum IS
    'SHA-256 of the file as applied: a file edited afterwards is refused.';
COMMENT ON COLUMN {s}.schema_migrations.applied_at IS 'When the migration was applied.';
"""
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class MigrationError(RuntimeError):
    """A migration cannot be applied safely."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available() -> list[Migration]:
    """The migrations shipped with the package, oldest first."""
    found = []
    for entry in resources.files("tokopedia_sync.db").joinpath("migrations").iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text()))
    found.sort(key=lambda migration: migration.version)
    return found


def _statements_without_comments(sql: str) -> str:
    without_lines = re.sub(r"--[^\n]*", "", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", without_lines)


def check_additive(migration: Migration) -> None:
    statements = _TRUNCATE_TRIGGER.sub("", _statements_without_comments(migration.sql))
    word = _DESTRUCTIVE.search(statements)
    if word:
        raise MigrationError(
            f"migration {migration.version:04d}_{migration.name} contains {word.group(1).upper()}; "
            "migrations may only add to the schema"
        )


def migrate(conn: Any, schema: str) -> list[int]:
    """Bring `schema` up to date on a psycopg connection; returns the versions applied now."""
    if not _SCHEMA_NAME.match(schema):
        raise MigrationError(f"schema {schema!r} must be a plain lowercase name")
    migrations = available()
    for migration in migrations:
        check_additive(migration)
    applied_now = []
    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"tokopedia_sync.migrate.{schema}",)
        )
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        conn.execute(_LEDGER.format(s=schema))
        done = dict(
            conn.execute(f"SELECT version, checksum FROM {schema}.schema_migrations").fetchall()
        )
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} changed after it was "
                        f"applied to schema {schema}; add a new migration instead of editing one"
                    )
                continue
            conn.execute(migration.sql.replace(PLACEHOLDER, schema))
            conn.execute(
                f"INSERT INTO {schema}.schema_migrations (version, name, checksum) "
                "VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            applied_now.append(migration.version)
            log.info(
                "Applied migration %04d_%s to schema %s", migration.version, migration.name, schema
            )
    return applied_now
