"""Moving a deployment from one database to another (python -m bot migrate-data): every
row of every table the inventory lists, copied in one transaction and read back inside it,
so the copy is whole and the same, or nothing is copied.

Both stores must have been opened with the same secret (each checks its own meta row), so
every keyed pseudonym and sealed id still means what it meant.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.platform import inventory
from bot.platform.store.database_store import DatabaseStore
from bot.platform.store.interface import StoreError


@dataclass(frozen=True)
class Moved:
    rows_by_table: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.rows_by_table.values())


# meta is each database's own bookkeeping (its schema version, the secret's check, the
# last health check): written by each store as it opens, never copied.
MOVED_TABLES = tuple(entry.name for entry in inventory.TABLES if entry.name != "meta")


async def move_rows(source: DatabaseStore, destination: DatabaseStore) -> Moved:
    """Copy every row into an empty destination, checked as it lands: all or nothing."""
    for table in MOVED_TABLES:
        if await destination.rows(table):
            raise StoreError(
                f"{destination.described} already holds rows (in {table}): move into an "
                "empty database, so nothing there is mixed with or overwritten by these"
            )
    rows_by_table = {table: await source.rows(table) for table in MOVED_TABLES}
    await destination.add_rows(rows_by_table)
    return Moved({table: len(rows) for table, rows in rows_by_table.items()})
