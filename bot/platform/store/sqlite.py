"""SqliteStore: the Store on one SQLite file, made of each capability's part.

Here lives what is SQLite's own: opening the file, its PRAGMAs, migrating by user_version,
the transaction (BEGIN IMMEDIATE), the WAL checkpoint, the check that the file is still
the one opened, the schema as SQLite reports it (for the audit tests), and what spans every
table the inventory lists (/forget, a group's new id, the purge). A capability's own
queries live in its module, not here.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiosqlite

from bot.platform import inventory
from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store.counts import SqliteCounts
from bot.platform.store.delivery import SqliteDelivery
from bot.platform.store.groups import SqliteGroupSettings
from bot.platform.store.interface import StoreError
from bot.platform.store.meetings import SqliteMeetings
from bot.platform.store.peers import SqlitePeers
from bot.platform.store.schema import MIGRATIONS, epoch, statements

DATABASE_FILE_NAME = "porchlight.sqlite3"


class SqliteStore(SqliteGroupSettings, SqliteCounts, SqliteDelivery, SqlitePeers, SqliteMeetings):
    """The store on one SQLite file, WAL journal, secure_delete on."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        opened = path.stat()
        self._identity = (opened.st_dev, opened.st_ino)
        # aiosqlite runs statements in order on one thread, but two coroutines could still
        # interleave statements inside one transaction; this lock keeps them whole.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, data_dir: Path, check_value: str) -> SqliteStore:
        """Open (creating if needed) the database and check it belongs to this secret."""
        path = data_dir / DATABASE_FILE_NAME
        try:
            connection = await aiosqlite.connect(path, isolation_level=None, timeout=2.0)
        except sqlite3.Error as error:
            raise StoreError(_explain(error, path)) from None
        store = cls(connection, path)
        try:
            await store._prepare(check_value)
        except sqlite3.Error as error:
            await connection.close()
            raise StoreError(_explain(error, path)) from None
        except StoreError:
            await connection.close()
            raise
        return store

    async def _prepare(self, check_value: str) -> None:
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA secure_delete=ON")
        await self._db.execute("PRAGMA foreign_keys=ON")
        async with self._db.execute("PRAGMA quick_check") as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] != "ok":
            raise StoreError(f"the database {self.path} is damaged; {_RESTORE_HINT}")
        await self._migrate()
        async with self._transaction():
            async with self._db.execute(
                "SELECT value FROM meta WHERE key = 'secret_check'"
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:
                await self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('secret_check', ?)", (check_value,)
                )
            elif found[0] != check_value:
                raise StoreError(
                    f"the database {self.path} was made with a different secret: restore the "
                    "original (PORCHLIGHT_SECRET_FILE, PORCHLIGHT_SECRET or the data folder's "
                    "secret file)"
                )

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the database {self.path} is from a newer Porchlight (schema {version}); "
                "upgrade Porchlight to use it"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self._transaction():
                for statement in statements(script):
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {number}")

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        async with self._lock:
            self._still_the_file_we_opened()
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def close(self) -> None:
        await self._db.close()

    async def healthy(self, now: datetime) -> bool:
        """Whether a row can be written and read back, in the file the bot opened."""
        stamp = str(epoch(now))
        try:
            async with self._transaction():
                await self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('health', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (stamp,),
                )
            async with self._db.execute("SELECT value FROM meta WHERE key = 'health'") as cursor:
                row = await cursor.fetchone()
        except (sqlite3.Error, ValueError, StoreError):  # ValueError: the connection is closed
            return False
        return row is not None and row[0] == stamp

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

    async def table_names(self) -> list[str]:
        async with self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ) as cursor:
            return [str(row[0]) async for row in cursor]

    async def column_names(self, table: str) -> list[str]:
        async with self._db.execute("SELECT name FROM pragma_table_info(?)", (table,)) as cursor:
            return [str(row[0]) async for row in cursor]

    async def forget(self, member: Pseudonym) -> int:
        """Erase every row keyed by this pseudonym, in every table the inventory lists,
        except what protects others from this member (see inventory.forget_keeps)."""
        erased = 0
        async with self._transaction():
            for entry in inventory.TABLES:
                if entry.pseudonym_column is None:
                    continue
                keeps = "" if entry.forget_keeps is None else f" AND NOT ({entry.forget_keeps})"
                if entry.forget_keeps is not None and entry.sealed_column is not None:
                    # What is kept keeps no way to reach the member.
                    await self._db.execute(
                        f"UPDATE {entry.name} SET {entry.sealed_column} = '' "  # noqa: S608 - names from the inventory
                        f"WHERE {entry.pseudonym_column} = ? AND ({entry.forget_keeps})",
                        (member,),
                    )
                cursor = await self._db.execute(
                    f"DELETE FROM {entry.name} WHERE {entry.pseudonym_column} = ?{keeps}",  # noqa: S608 - names from the inventory
                    (member,),
                )
                erased += cursor.rowcount
                if entry.member_column is not None:
                    cursor = await self._db.execute(
                        f"DELETE FROM {entry.name} WHERE {entry.member_column} = ?",  # noqa: S608 - names from the inventory
                        (member,),
                    )
                    erased += cursor.rowcount
        await self._checkpoint()
        return erased

    async def move_chat(self, old: Pseudonym, new: Pseudonym, sealed: SealedId) -> int:
        """A group became a supergroup and got a new id: its rows follow it, and sealed ids
        are sealed anew for the new chat."""
        moved = 0
        async with self._transaction():
            for entry in inventory.TABLES:
                if entry.pseudonym_column is None:
                    continue
                column = entry.pseudonym_column
                sets, values = f"{column} = ?", [str(new)]
                if entry.sealed_column is not None:
                    sets += f", {entry.sealed_column} = ?"
                    values.append(str(sealed))
                cursor = await self._db.execute(
                    f"UPDATE OR REPLACE {entry.name} SET {sets} WHERE {column} = ?",  # noqa: S608 - names from the inventory
                    (*values, old),
                )
                moved += cursor.rowcount
        return moved

    async def purge_expired(self, now: datetime) -> int:
        erased = 0
        async with self._transaction():
            for entry in inventory.TABLES:
                if not entry.expires:
                    continue
                cursor = await self._db.execute(
                    f"DELETE FROM {entry.name} WHERE expires_at <= ?",  # noqa: S608 - names from the inventory
                    (epoch(now),),
                )
                erased += cursor.rowcount
        if erased:
            await self._checkpoint()
        return erased

    async def _checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it, so erased rows leave no copy."""
        async with self._lock:
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


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
