"""The few places SQLite and PostgreSQL differ, checked without either database."""

from bot.platform.store.dialects import schema_for
from bot.platform.store.schema import MIGRATIONS, statements
from bot.platform.store.sqlite import numbered_for_sqlite

SCRIPT = """
CREATE TABLE t (a INTEGER NOT NULL, b TEXT);
ALTER TABLE t SET (fillfactor = 90);  -- postgres only
PRAGMA something;  -- sqlite only
"""


def test_a_line_marked_for_one_database_is_dropped_for_the_other() -> None:
    assert statements(schema_for("sqlite", SCRIPT)) == [
        "CREATE TABLE t (a INTEGER NOT NULL, b TEXT)",
        "PRAGMA something",
    ]
    assert statements(schema_for("postgres", SCRIPT)) == [
        "CREATE TABLE t (a BIGINT NOT NULL, b TEXT)",
        "ALTER TABLE t SET (fillfactor = 90)",
    ]


def test_the_shipped_migrations_leave_no_marker_behind() -> None:
    for dialect in ("sqlite", "postgres"):
        for script in MIGRATIONS:
            assert " only" not in schema_for(dialect, script)  # type: ignore[arg-type]


def test_the_autovacuum_migration_is_postgres_s_alone() -> None:
    autovacuum = MIGRATIONS[7]
    assert statements(schema_for("sqlite", autovacuum)) == []
    assert len(statements(schema_for("postgres", autovacuum))) == 11


def test_numbered_placeholders_become_sqlite_s() -> None:
    assert numbered_for_sqlite("a = $1 AND b = $12 OR c = $1") == "a = ?1 AND b = ?12 OR c = ?1"
