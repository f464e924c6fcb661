"""The operator's daily counts (daily_counts): how many times a thing happened each day.

A count has a name and a day, and nothing else: never an id, a pseudonym or anyone's words.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.platform.store.schema import epoch
from bot.platform.store.tables import SqliteTables

COUNTS_LIFETIME = timedelta(days=90)


class CountsStore(Protocol):
    async def count(self, name: str, now: datetime) -> None: ...
    async def daily_counts(self, since: datetime) -> dict[str, dict[str, int]]: ...


class SqliteCounts(SqliteTables):
    async def count(self, name: str, now: datetime) -> None:
        """Add one to today's (UTC) counter: a number for the operator, with no ids at all."""
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO daily_counts (day, name, count, expires_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (day, name) DO UPDATE SET count = count + 1",
                (now.date().isoformat(), name, epoch(now + COUNTS_LIFETIME)),
            )

    async def daily_counts(self, since: datetime) -> dict[str, dict[str, int]]:
        """{day: {name: count}} from since's day on, oldest first."""
        result: dict[str, dict[str, int]] = {}
        async with self._db.execute(
            "SELECT day, name, count FROM daily_counts WHERE day >= ? ORDER BY day, name",
            (since.date().isoformat(),),
        ) as cursor:
            async for day, name, count in cursor:
                result.setdefault(str(day), {})[str(name)] = int(count)
        return result
