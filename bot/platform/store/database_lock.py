"""One bot per PostgreSQL database, as datalock.py keeps one bot per data folder: two
processes on one token fight over updates and deliver twice. The exception is webhook
instances with REDIS_URL, built to run side by side: they hold the lock shared.

The lock is a PostgreSQL session advisory lock, held on a connection of its own for as
long as the bot runs; the server lets it go when that connection ends, however the bot
ends. A bot that runs alone (polling, or a webhook without REDIS_URL) holds it exclusive,
so it starts neither beside another such bot nor beside instances side by side; those
hold it shared, so any number of them start together, but none beside a lone one.
PgBouncer in transaction mode cannot hold a session's lock: behind it, point the bot
straight at the server, or make sure the rule is kept by hand.
"""

from __future__ import annotations

import asyncpg

from bot.platform.store.interface import StoreError
from bot.platform.store.postgres import DRIVER_ERRORS, described_postgres, explain_postgres

# Any number nothing else on the server uses: "porchbot" in ASCII.
ONE_BOT_LOCK = 0x706F726368626F74


_ANOTHER = (
    "another Porchlight is already running on {described}; stop it first "
    "(two bots on one token answer twice)"
)
_ALONE = (
    "another Porchlight is already running on {described}, alone (polling, or a webhook "
    "without REDIS_URL); stop it first: only webhook instances with REDIS_URL run side by side"
)
_SIDE_BY_SIDE = (
    "Porchlight is already running on {described} as instances side by side (webhooks with "
    "REDIS_URL); this one would run alone (polling, or without REDIS_URL): stop them first, "
    "or run it as they run"
)


async def _try(connection: asyncpg.Connection, function: str) -> bool:
    """One of PostgreSQL's advisory-lock functions, named by us, on the one-bot lock."""
    return bool(await connection.fetchval(f"SELECT {function}($1)", ONE_BOT_LOCK))


class DatabaseBusy(StoreError):
    """Another Porchlight holds this database."""


class DatabaseLock:
    """Held from acquire() until release(), or until the bot's process ends."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection: asyncpg.Connection | None = connection

    @classmethod
    async def acquire(cls, url: str, *, beside_others: bool = False) -> DatabaseLock:
        """Exclusive for a bot that runs alone; shared (beside_others) for webhook
        instances with REDIS_URL. Raises DatabaseBusy, saying who is in the way."""
        described = described_postgres(url)
        try:
            connection = await asyncpg.connect(url, timeout=10, statement_cache_size=0)
        except DRIVER_ERRORS as error:
            raise StoreError(explain_postgres(error, described)) from None
        try:
            if beside_others:
                taken = await _try(connection, "pg_try_advisory_lock_shared")
                in_the_way = "" if taken else _ALONE.format(described=described)
            else:
                taken = await _try(connection, "pg_try_advisory_lock")
                # Whether the holders are instances side by side: they would let this
                # connection share the lock too.
                side_by_side = not taken and await _try(connection, "pg_try_advisory_lock_shared")
                in_the_way = (
                    ""
                    if taken
                    else (_SIDE_BY_SIDE if side_by_side else _ANOTHER).format(described=described)
                )
        except DRIVER_ERRORS as error:
            await connection.close()
            raise StoreError(explain_postgres(error, described)) from None
        if in_the_way:
            await connection.close()
            raise DatabaseBusy(in_the_way)
        return cls(connection)

    async def release(self) -> None:
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        # Closing the connection ends the session, and with it the lock.
        await connection.close()
