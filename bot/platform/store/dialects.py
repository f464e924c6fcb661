"""The few things SQLite and PostgreSQL say differently, kept together.

Every other query in the store is written once and runs on both. Here: turning a shared
migration into one database's script, where each keeps its schema version, the lock that
keeps two starting bots from setting one database up at once, how rows are claimed, and
how each lists its tables, columns and keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.platform.store.database import Database, Dialect

_ONLY_FOR = re.compile(r"--\s*(sqlite|postgres) only\s*$")
_INTEGER = re.compile(r"\bINTEGER\b")
# Any number will do, as long as nothing else on the server takes the same advisory lock;
# this one spells "porchlt" in ASCII.
STARTING_LOCK = 0x706F7263686C74


def schema_for(dialect: Dialect, script: str) -> str:
    """A shared migration as one database runs it: lines marked for the other dropped, and
    INTEGER made BIGINT on PostgreSQL (SQLite's INTEGER already holds 64 bits)."""
    kept = []
    for line in script.splitlines():
        marked = _ONLY_FOR.search(line)
        if marked is not None:
            if marked.group(1) != dialect:
                continue
            line = line[: marked.start()]
        kept.append(line)
    text = "\n".join(kept)
    return _INTEGER.sub("BIGINT", text) if dialect == "postgres" else text


async def lock_while_starting(database: Database) -> None:
    """Inside a transaction at start: one starting bot migrates the schema or writes the
    secret's check while any other waits. (SQLite's BEGIN IMMEDIATE already shuts every
    other writer out.)"""
    if database.dialect == "postgres":
        await database.execute("SELECT pg_advisory_xact_lock($1)", STARTING_LOCK)


def skip_rows_others_hold(database: Database) -> str:
    """What ends a SELECT that picks rows to claim: on PostgreSQL, lock them, passing over
    rows another transaction holds (two ticks take different rows, and neither waits). On
    SQLite nothing: its BEGIN IMMEDIATE already keeps every other writer out."""
    return " FOR UPDATE SKIP LOCKED" if database.dialect == "postgres" else ""


async def schema_version(database: Database) -> int:
    """How many migrations the database has had; 0 for a new one."""
    if database.dialect == "sqlite":
        row = await database.fetchrow("PRAGMA user_version")
        return int(row[0]) if row else 0
    # PostgreSQL keeps it in meta, which the first migration creates.
    found = await database.fetchrow("SELECT to_regclass('meta')")
    if found is None or found[0] is None:
        return 0
    row = await database.fetchrow("SELECT value FROM meta WHERE key = 'schema_version'")
    return 0 if row is None else int(row[0])


async def set_schema_version(database: Database, version: int) -> None:
    if database.dialect == "sqlite":
        # A PRAGMA takes no parameters; the version is a number we made.
        await database.execute(f"PRAGMA user_version = {int(version)}")
        return
    await database.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', $1) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        str(version),
    )


async def after_bulk_load(database: Database, tables: Iterable[str]) -> None:
    """Many rows just arrived at once: let PostgreSQL's planner know, or until autovacuum
    next analyses the tables it takes the delivery tick's indexed query for a full scan.
    (SQLite plans by its indexes without statistics.)"""
    if database.dialect == "postgres":
        for table in tables:
            await database.execute(f"ANALYZE {table}")


async def table_names(database: Database) -> list[str]:
    """The tables as the database reports them (for the audit tests)."""
    if database.dialect == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    else:
        query = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() ORDER BY table_name"
        )
    return [str(row[0]) for row in await database.fetch(query)]


async def column_names(database: Database, table: str) -> list[str]:
    if database.dialect == "sqlite":
        query = "SELECT name FROM pragma_table_info($1)"
    else:
        query = (
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = $1"
        )
    return [str(row[0]) for row in await database.fetch(query, table)]


async def primary_key(database: Database, table: str) -> list[str]:
    """The primary key's columns, in order (for the inventory's test)."""
    if database.dialect == "sqlite":
        rows = await database.fetch(
            "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk", table
        )
    else:
        rows = await database.fetch(
            "SELECT a.attname FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = to_regclass($1) AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)",
            table,
        )
    return [str(row[0]) for row in rows]
