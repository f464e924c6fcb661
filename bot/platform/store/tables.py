"""What each capability's SQLite methods are written against: the open connection, one
transaction at a time, and a checkpoint after rows are erased.

SqliteStore (sqlite.py) provides all three, and is made of the capabilities' parts. Nothing
else here: no tables, no queries.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import aiosqlite


class SqliteTables:
    """The base of each capability's part of SqliteStore."""

    _db: aiosqlite.Connection

    def _transaction(self) -> AbstractAsyncContextManager[None]:
        """Everything inside runs as one transaction, whole or not at all."""
        raise NotImplementedError  # SqliteStore provides it

    async def _checkpoint(self) -> None:
        """Leave no copy of erased rows behind (in the write-ahead log)."""
        raise NotImplementedError  # SqliteStore provides it
