"""SQLite: the Database on one file, and SqliteStore, the store kept in it.

Here lives what is SQLite's own: opening the file, its PRAGMAs, the transaction (BEGIN
IMMEDIATE), rewriting $n placeholders as ?n, the WAL checkpoint after rows are erased,
the check that the file is still the one opened, and SQLite's errors in words an operator
can act on. The tables and queries are DatabaseStore's, shared with PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import aiosqlite

from bot.platform.store.database import Row
from bot.platform.store.database_store import DatabaseStore
from bot.platform.store.interface import StoreError

DATABASE_FILE_NAME = "porchlight.sqlite3"

_Result = TypeVar("_Result")
_PLACEHOLDER = re.compile(r"\$(\d+)")


@lru_cache(maxsize=512)
def numbered_for_sqlite(query: str) -> str:
    """$1 as SQLite writes it, ?1: the same numbered parameter, so a value used twice is
    passed once, as on PostgreSQL. (No query here holds a $ inside a string.)"""
    return _PLACEHOLDER.sub(r"?\1", query)


class SqliteDatabase:
    """One SQLite file in WAL mode, secure_delete on, through one connection."""

    dialect: Literal["sqlite"] = "sqlite"

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._connection = connection
        self.path = path
        opened = path.stat()
        self._identity = (opened.st_dev, opened.st_ino)
        # One connection serves every task: a statement from one must never land inside
        # another's transaction, so each waits for the lock unless it holds it already.
        self._lock = asyncio.Lock()
        self._in_transaction: ContextVar[bool] = ContextVar("in_sqlite_transaction", default=False)

    @classmethod
    async def open(cls, path: Path) -> SqliteDatabase:
        try:
            connection = await aiosqlite.connect(path, isolation_level=None, timeout=2.0)
        except sqlite3.Error as error:
            raise StoreError(_explain(error, path)) from None
        database = cls(connection, path)
        try:
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA secure_delete=ON")
            await connection.execute("PRAGMA foreign_keys=ON")
            async with connection.execute("PRAGMA quick_check") as cursor:
                row = await cursor.fetchone()
        except sqlite3.Error as error:
            await connection.close()
            raise StoreError(_explain(error, path)) from None
        if row is None or row[0] != "ok":
            await connection.close()
            raise StoreError(f"the database {path} is damaged; {_RESTORE_HINT}")
        return database

    @property
    def described(self) -> str:
        return f"SQLite file {self.path}"

    async def execute(self, query: str, *values: object) -> int:
        async def run() -> int:
            cursor = await self._connection.execute(numbered_for_sqlite(query), values)
            return max(cursor.rowcount, 0)

        return await self._serialised(run)

    async def fetch(self, query: str, *values: object) -> list[Row]:
        async def run() -> list[Row]:
            async with self._connection.execute(numbered_for_sqlite(query), values) as cursor:
                return list(await cursor.fetchall())

        return await self._serialised(run)

    async def fetchrow(self, query: str, *values: object) -> Row | None:
        async def run() -> Row | None:
            async with self._connection.execute(numbered_for_sqlite(query), values) as cursor:
                return await cursor.fetchone()

        return await self._serialised(run)

    async def _serialised(self, run: Callable[[], Awaitable[_Result]]) -> _Result:
        try:
            if self._in_transaction.get():
                return await run()
            async with self._lock:
                return await run()
        except sqlite3.Error as error:
            raise StoreError(_explain(error, self.path)) from None
        except ValueError:  # aiosqlite: the connection is closed
            raise StoreError(f"the database {self.path} is closed") from None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        async with self._lock:
            self._still_the_file_we_opened()
            marker = self._in_transaction.set(True)
            try:
                await self._control("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    # The body's own error is the one to tell; a failed rollback ends
                    # the transaction anyway.
                    with suppress(StoreError):
                        await self._control("ROLLBACK")
                    raise
                await self._control("COMMIT")
            finally:
                self._in_transaction.reset(marker)

    async def _control(self, statement: str) -> None:
        try:
            await self._connection.execute(statement)
        except sqlite3.Error as error:
            raise StoreError(_explain(error, self.path)) from None
        except ValueError:  # aiosqlite: the connection is closed
            raise StoreError(f"the database {self.path} is closed") from None

    async def erased(self) -> None:
        """Fold the WAL into the database and truncate it, so erased rows leave no copy."""
        await self.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self._connection.close()

    def _still_the_file_we_opened(self) -> None:
        """A database deleted or replaced under the running bot would take writes into a
        file nobody will read again: refuse them instead, and say why."""
        try:
            found = self.path.stat()
        except OSError:
            found = None
        if found is None or (found.st_dev, found.st_ino) != self._identity:
            raise StoreError(
                f"the database {self.path} was removed or replaced while the bot ran; "
                "stop the bot and restore it from a backup"
            )


class SqliteStore(DatabaseStore):
    """The store in one SQLite file: the embedded default, in the data folder."""

    def __init__(self, database: SqliteDatabase) -> None:
        super().__init__(database)
        self.path = database.path

    @classmethod
    async def open(cls, path: Path, check_value: str) -> SqliteStore:
        """Open (creating if needed) the file and check it belongs to this secret."""
        return await cls(await SqliteDatabase.open(path)).prepared(check_value)


_RESTORE_HINT = "restore it from a backup, or move it aside to start afresh"


def _explain(error: sqlite3.Error, path: Path) -> str:
    """Turn SQLite's error into one line an operator can act on."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another program; stop it and start again"
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is read-only; give Porchlight write access to the folder"
    if "unable to open" in text:
        return f"the database {path} cannot be opened; check the folder exists and is writable"
    if "full" in text:
        return f"the disk holding {path} is full; free some space and start again"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"the database {path} is damaged; {_RESTORE_HINT}"
    return f"the database {path} cannot be used ({type(error).__name__})"
