"""Where tests find a PostgreSQL server, and a fresh, empty place on it for each test.

PORCHLIGHT_TEST_POSTGRES names the server (a postgresql:// URL whose user may create
schemas). Unset, the local default is tried and the PostgreSQL tests are skipped, saying
why, when nothing answers there; set, the server must answer (CI sets it); `off` skips
them. Each test gets its own schema, dropped afterwards, so tests never see each other's
rows.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from tests.servers import Server

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES = Server("PostgreSQL", "PORCHLIGHT_TEST_POSTGRES", LOCAL_POSTGRES)
postgres_server = POSTGRES.url
require_postgres = POSTGRES.require


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """A URL whose tables land in a new, empty schema, dropped when the test ends."""
    async with fresh_schema_at(require_postgres()) as url:
        yield url


@asynccontextmanager
async def fresh_schema_at(server: str) -> AsyncIterator[str]:
    """A new, empty schema on this server (benchmarks use it too), dropped afterwards."""
    schema = f"porchlight_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        # asyncpg passes a URL's unknown parameters to the server as settings.
        joiner = "&" if "?" in server else "?"
        yield f"{server}{joiner}search_path={schema}"
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


async def dump_postgres(url: str) -> bytes:
    """Every row of every table in the URL's schema, as text: what a dump would hold."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() ORDER BY table_name"
        )
        lines = []
        for (table,) in tables:
            rows = await connection.fetch(f'SELECT t::text FROM "{table}" AS t')  # noqa: S608 - names from the server
            lines += [f"{table} {row[0]}" for row in rows]
    finally:
        await connection.close()
    return "\n".join(lines).encode()
