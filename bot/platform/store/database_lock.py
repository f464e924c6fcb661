"""One bot per PostgreSQL database, as datalock.py keeps one bot per data folder: two
processes on one token fight over updates and deliver twice.

The lock is a PostgreSQL session advisory lock, held on a connection of its own for as
long as the bot runs; the server lets it go when that connection ends, however the bot
ends. PgBouncer in transaction mode cannot hold a session's lock: behind it, point the
bot straight at the server, or make sure only one bot runs.
"""

from __future__ import annotations

import asyncpg

from bot.platform.store.interface import StoreError
from bot.platform.store.postgres import DRIVER_ERRORS, described_postgres, explain_postgres

# Any number nothing else on the server uses: "porchbot" in ASCII.
ONE_BOT_LOCK = 0x706F726368626F74


class DatabaseBusy(StoreError):
    """Another Porchlight holds this database."""


class DatabaseLock:
    """Held from acquire() until release(), or until the bot's process ends."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection: asyncpg.Connection | None = connection

    @classmethod
    async def acquire(cls, url: str) -> DatabaseLock:
        described = described_postgres(url)
        try:
            connection = await asyncpg.connect(url, timeout=10, statement_cache_size=0)
        except DRIVER_ERRORS as error:
            raise StoreError(explain_postgres(error, described)) from None
        try:
            taken = await connection.fetchval("SELECT pg_try_advisory_lock($1)", ONE_BOT_LOCK)
        except DRIVER_ERRORS as error:
            await connection.close()
            raise StoreError(explain_postgres(error, described)) from None
        if not taken:
            await connection.close()
            raise DatabaseBusy(
                f"another Porchlight is already running on {described}; stop it first "
                "(two bots on one token answer twice)"
            )
        return cls(connection)

    async def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        # Closing the connection ends the session, and with it the lock.
        await connection.close()
