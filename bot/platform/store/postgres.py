"""PostgreSQL: the Database on a small pool of asyncpg connections, and PostgresStore.

Here lives what is PostgreSQL's own: the pool (sized for a small host), a transaction
holding one connection for every statement inside it, how many rows a statement changed,
turning off asyncpg's prepared-statement cache behind PgBouncer in transaction mode, and
PostgreSQL's errors in words an operator can act on, never with the password.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from typing import Literal, TypeAlias, TypeVar
from urllib.parse import urlsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.platform.store.database import Row
from bot.platform.store.database_store import DatabaseStore
from bot.platform.store.interface import StoreError

# A bot makes a few statements a second at most: a handful of connections is plenty, and
# free plans of hosted PostgreSQL allow twenty or so in all.
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 5
# A statement still running after this long is stuck (a lock, a lost server): fail it.
STATEMENT_TIMEOUT_SECONDS = 30.0
_CONNECT_TIMEOUT_SECONDS = 10.0

_Result = TypeVar("_Result")
# A string: the class is generic only in asyncpg's type stubs.
_Connection: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"
DRIVER_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, asyncio.TimeoutError)


def described_postgres(url: str) -> str:
    """Where the database is, without the user or password: host, port and name."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL at {parts.hostname or 'localhost'}{port}{parts.path or '/'}"


class PostgresDatabase:
    """A PostgreSQL database through an asyncpg pool."""

    dialect: Literal["postgres"] = "postgres"

    def __init__(self, pool: asyncpg.Pool, described: str) -> None:
        self._pool = pool
        self._described = described
        # The connection of the transaction this task is inside, if any.
        self._current: ContextVar[_Connection | None] = ContextVar(
            "postgres_transaction", default=None
        )

    @classmethod
    async def open(cls, url: str, *, prepared_statements: bool = True) -> PostgresDatabase:
        described = described_postgres(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=POOL_MIN_SIZE,
                max_size=POOL_MAX_SIZE,
                command_timeout=STATEMENT_TIMEOUT_SECONDS,
                timeout=_CONNECT_TIMEOUT_SECONDS,
                # PgBouncer in transaction mode hands each transaction any server
                # connection, where a statement prepared on another does not exist.
                statement_cache_size=0 if not prepared_statements else 100,
            )
        except DRIVER_ERRORS as error:
            raise StoreError(explain_postgres(error, described)) from None
        except ValueError:  # asyncpg: the URL itself is malformed
            raise StoreError(f"the DATABASE_URL for {described} cannot be read") from None
        return cls(pool, described)

    @property
    def described(self) -> str:
        return self._described

    async def execute(self, query: str, *values: object) -> int:
        status = await self._run(lambda connection: connection.execute(query, *values))
        # asyncpg answers with the command's tag, such as "DELETE 3" or "INSERT 0 1".
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def fetch(self, query: str, *values: object) -> list[Row]:
        return list(await self._run(lambda connection: connection.fetch(query, *values)))

    async def fetchrow(self, query: str, *values: object) -> Row | None:
        return await self._run(lambda connection: connection.fetchrow(query, *values))

    async def _run(self, statement: Callable[[_Connection], Awaitable[_Result]]) -> _Result:
        current = self._current.get()
        if current is not None:
            return await self._guarded(statement(current))
        async with self._connection() as connection:
            return await self._guarded(statement(connection))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        if self._current.get() is not None:
            raise RuntimeError("a transaction inside a transaction")
        async with self._connection() as connection:
            transaction = connection.transaction()
            await self._guarded(transaction.start())
            marker = self._current.set(connection)
            try:
                yield
            except BaseException:
                # The body's own error is the one to tell; a failed rollback ends the
                # transaction anyway, as the connection goes back to the pool.
                with suppress(StoreError):
                    await self._guarded(transaction.rollback())
                raise
            finally:
                self._current.reset(marker)
            await self._guarded(transaction.commit())

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[_Connection]:
        connection = await self._guarded(self._pool.acquire())
        try:
            yield connection
        finally:
            await self._pool.release(connection)

    async def _guarded(self, step: Awaitable[_Result]) -> _Result:
        """The driver's errors as StoreError, in words for the operator; others as they are."""
        try:
            return await step
        except DRIVER_ERRORS as error:
            raise StoreError(explain_postgres(error, self._described)) from None

    async def erased(self) -> None:
        """Nothing to do at once: PostgreSQL keeps deleted rows until VACUUM, and the
        schema asks autovacuum to come after a few deletions (schema.py)."""

    async def close(self) -> None:
        await self._pool.close()


class PostgresStore(DatabaseStore):
    """The store in a PostgreSQL database, for hosts whose disks do not last."""

    @classmethod
    async def open(
        cls, url: str, check_value: str, *, prepared_statements: bool = True
    ) -> PostgresStore:
        """Connect, bring the schema up to date and check it belongs to this secret."""
        database = await PostgresDatabase.open(url, prepared_statements=prepared_statements)
        return await cls(database).prepared(check_value)


def explain_postgres(error: BaseException, described: str) -> str:
    """Turn the driver's error into one line an operator can act on."""
    if isinstance(
        error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return f"{described} refused the user or password in DATABASE_URL"
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return f"{described} does not exist; create the database first"
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return f"{described} does not let this user create or change tables; grant it that"
    if isinstance(error, asyncpg.TooManyConnectionsError):
        return f"{described} has no connections to spare; close some or raise its limit"
    if isinstance(error, asyncpg.DiskFullError):
        return f"the disk of {described} is full; free some space"
    if isinstance(error, asyncio.TimeoutError):
        return f"{described} did not answer in time; check it is running and reachable"
    if isinstance(error, ConnectionError) and "SSL" in str(error):
        return f"{described} does not offer TLS, which DATABASE_URL's sslmode asks for"
    if isinstance(error, OSError | asyncpg.ConnectionDoesNotExistError):
        return f"{described} cannot be reached; check it is running and DATABASE_URL's host"
    return f"{described} cannot be used ({type(error).__name__})"
