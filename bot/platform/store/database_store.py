"""DatabaseStore: the Store on any Database, made of each capability's part.

Here lives what spans every table the inventory lists (/forget, a group's new id, the
purge), bringing a database's schema up to date, the check that it belongs to this
secret, and the health check. SqliteStore and PostgresStore open one and hand it over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from bot.platform import inventory
from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store import dialects
from bot.platform.store.counts import CountsTables
from bot.platform.store.database import Database
from bot.platform.store.delivery import DeliveryTables
from bot.platform.store.directory_mark import mark_directory_changed
from bot.platform.store.groups import GroupSettingsTables
from bot.platform.store.interface import StoreError
from bot.platform.store.kept_days import KeptDaysTables
from bot.platform.store.meeting_listings import MeetingListingsTables
from bot.platform.store.meeting_schedules import MeetingSchedulesTables
from bot.platform.store.meetings import MeetingsTables
from bot.platform.store.peers import PeersTables
from bot.platform.store.schema import MIGRATIONS, epoch, statements
from bot.platform.store.updates import UpdateClaimsTables


class DatabaseStore(
    GroupSettingsTables,
    CountsTables,
    DeliveryTables,
    PeersTables,
    MeetingsTables,
    MeetingSchedulesTables,
    MeetingListingsTables,
    KeptDaysTables,
    UpdateClaimsTables,
):
    """Every table, on whichever database it is given."""

    def __init__(self, database: Database) -> None:
        self._db = database

    @property
    def described(self) -> str:
        return self._db.described

    async def prepared(self, check_value: str) -> Self:
        """This store, its schema brought up to date and the database checked to be made
        with this secret; the database closed if either fails."""
        try:
            await self._prepare(check_value)
        except StoreError:
            await self.close()
            raise
        return self

    async def _prepare(self, check_value: str) -> None:
        await self._migrate()
        async with self._db.transaction():
            await dialects.lock_while_starting(self._db)
            found = await self._db.fetchrow("SELECT value FROM meta WHERE key = 'secret_check'")
            if found is None:
                await self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('secret_check', $1)", check_value
                )
            elif found[0] != check_value:
                raise StoreError(
                    f"the database ({self.described}) was made with a different secret: "
                    "restore the original (PORCHLIGHT_SECRET_FILE, PORCHLIGHT_SECRET or the "
                    "data folder's secret file)"
                )

    async def _migrate(self) -> None:
        # One transaction per migration, each re-reading the version under the lock: a bot
        # that waited while another migrated finds the work done.
        for number, script in enumerate(MIGRATIONS, start=1):
            async with self._db.transaction():
                await dialects.lock_while_starting(self._db)
                version = await dialects.schema_version(self._db)
                if version > len(MIGRATIONS):
                    raise StoreError(
                        f"the database ({self.described}) is from a newer Porchlight "
                        f"(schema {version}); upgrade Porchlight to use it"
                    )
                if version >= number:
                    continue
                for statement in statements(dialects.schema_for(self._db.dialect, script)):
                    await self._db.execute(statement)
                await dialects.set_schema_version(self._db, number)

    async def schema_version(self) -> int:
        return await dialects.schema_version(self._db)

    async def close(self) -> None:
        await self._db.close()

    async def healthy(self, now: datetime) -> bool:
        """Whether a row can be written and read back."""
        stamp = str(epoch(now))
        try:
            async with self._db.transaction():
                await self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('health', $1) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    stamp,
                )
            row = await self._db.fetchrow("SELECT value FROM meta WHERE key = 'health'")
        except StoreError:
            return False
        return row is not None and row[0] == stamp

    async def table_names(self) -> list[str]:
        return await dialects.table_names(self._db)

    async def column_names(self, table: str) -> list[str]:
        return await dialects.column_names(self._db, table)

    async def primary_key(self, table: str) -> list[str]:
        return await dialects.primary_key(self._db, table)

    async def rows(self, table: str) -> list[tuple[object, ...]]:
        """Every row of an inventory table, its columns in the inventory's order, in an
        order both databases agree on (their text collations may not): for moving a
        deployment to another database and checking nothing was lost."""
        columns = ", ".join(inventory.table(table).columns)
        found = await self._db.fetch(f"SELECT {columns} FROM {table}")  # noqa: S608 - names from the inventory
        return sorted((tuple(row) for row in found), key=repr)

    async def add_rows(self, rows_by_table: dict[str, list[tuple[object, ...]]]) -> None:
        """Insert rows as rows() gave them, and read them back: all in one transaction,
        so a copy that does not read back the same leaves nothing behind."""
        async with self._db.transaction():
            for table, rows in rows_by_table.items():
                columns = list(inventory.table(table).columns)
                marks = ", ".join(f"${number}" for number in range(1, len(columns) + 1))
                query = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names from the inventory
                for row in rows:
                    await self._db.execute(query, *row)
            for table, rows in rows_by_table.items():
                if await self.rows(table) != sorted(rows, key=repr):
                    raise StoreError(f"{table} reads back differently from {self.described}")
        await dialects.after_bulk_load(self._db, rows_by_table)

    async def forget(self, member: Pseudonym) -> int:
        """Erase every row keyed by this pseudonym, in every table the inventory lists,
        except what protects others from this member (see inventory.forget_keeps)."""
        erased = 0
        async with self._db.transaction():
            for entry in inventory.TABLES:
                if entry.pseudonym_column is None:
                    continue
                keeps = "" if entry.forget_keeps is None else f" AND NOT ({entry.forget_keeps})"
                if entry.forget_keeps is not None and entry.sealed_column is not None:
                    # What is kept keeps no way to reach the member.
                    await self._db.execute(
                        f"UPDATE {entry.name} SET {entry.sealed_column} = '' "  # noqa: S608 - names from the inventory
                        f"WHERE {entry.pseudonym_column} = $1 AND ({entry.forget_keeps})",
                        member,
                    )
                erased += await self._db.execute(
                    f"DELETE FROM {entry.name} WHERE {entry.pseudonym_column} = $1{keeps}",  # noqa: S608 - names from the inventory
                    member,
                )
                if entry.member_column is not None:
                    erased += await self._db.execute(
                        f"DELETE FROM {entry.name} WHERE {entry.member_column} = $1",  # noqa: S608 - names from the inventory
                        member,
                    )
            if erased:  # a group the bot left may have had meetings in the directory
                await mark_directory_changed(self._db)
        await self._db.erased()
        return erased

    async def move_chat(self, old: Pseudonym, new: Pseudonym, sealed: SealedId) -> int:
        """A group became a supergroup and got a new id: its rows follow it, replacing any
        the new id already had under the same key, and sealed ids are sealed anew."""
        moved = 0
        async with self._db.transaction():
            for entry in inventory.TABLES:
                if entry.pseudonym_column is None:
                    continue
                table, column = entry.name, entry.pseudonym_column
                same_key = "".join(
                    f" AND moving.{key} = {table}.{key}"
                    for key in entry.primary_key
                    if key != column
                )
                await self._db.execute(
                    f"DELETE FROM {table} WHERE {column} = $1 AND EXISTS "  # noqa: S608 - names from the inventory
                    f"(SELECT 1 FROM {table} AS moving WHERE moving.{column} = $2{same_key})",
                    new,
                    old,
                )
                sets = f"{column} = $2"
                values: list[object] = [old, new]
                if entry.sealed_column is not None:
                    sets += f", {entry.sealed_column} = $3"
                    values.append(sealed)
                moved += await self._db.execute(
                    f"UPDATE {table} SET {sets} WHERE {column} = $1",  # noqa: S608 - names from the inventory
                    *values,
                )
            if moved:
                await mark_directory_changed(self._db)
        return moved

    async def purge_expired(self, now: datetime) -> int:
        erased = 0
        async with self._db.transaction():
            for entry in inventory.TABLES:
                if not entry.expires:
                    continue
                erased += await self._db.execute(
                    f"DELETE FROM {entry.name} WHERE expires_at <= $1",  # noqa: S608 - names from the inventory
                    epoch(now),
                )
            if erased:
                await mark_directory_changed(self._db)
        if erased:
            await self._db.erased()
        return erased
