"""What the store's queries are written against, whatever database runs them.

Every query is written once, with PostgreSQL's numbered placeholders ($1, $2, …), which
SQLite also understands once each becomes ?1, ?2 (sqlite.py does that). What the two
databases say differently lives in dialects.py, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol

Dialect = Literal["sqlite", "postgres"]


class Row(Protocol):
    """A row as either driver returns it: its values by position, in the query's order."""

    def __getitem__(self, index: int, /) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...


class Database(Protocol):
    """One database, reached through statements that run alone or in a transaction."""

    @property
    def dialect(self) -> Dialect: ...

    @property
    def described(self) -> str:
        """Where the database is, for the operator's messages; never a password."""
        ...

    async def execute(self, query: str, *values: object) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def fetch(self, query: str, *values: object) -> list[Row]: ...

    async def fetchrow(self, query: str, *values: object) -> Row | None: ...

    def transaction(self) -> AbstractAsyncContextManager[None]:
        """Everything inside runs as one transaction, whole or not at all; statements
        from other tasks wait or run beside it, never inside it."""
        ...

    async def erased(self) -> None:
        """Rows were deleted: leave as few copies of them behind as this database can."""
        ...

    async def close(self) -> None: ...
