"""The operator's daily counts (daily_counts): how many times a thing happened each day.

A count has a name and a day, and nothing else: never an id, a pseudonym or anyone's words.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.platform.store.schema import epoch
from bot.platform.store.tables import Tables

COUNTS_LIFETIME = timedelta(days=90)


class CountsStore(Protocol):
    async def count(self, name: str, now: datetime) -> None: ...
    async def daily_counts(self, since: datetime) -> dict[str, dict[str, int]]: ...


class CountsTables(Tables):
    async def count(self, name: str, now: datetime) -> None:
        """Add one to today's (UTC) counter: a number for the operator, with no ids at all."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO daily_counts (day, name, count, expires_at) VALUES ($1, $2, 1, $3) "
                "ON CONFLICT (day, name) DO UPDATE SET count = daily_counts.count + 1",
                now.date().isoformat(),
                name,
                epoch(now + COUNTS_LIFETIME),
            )

    async def daily_counts(self, since: datetime) -> dict[str, dict[str, int]]:
        """{day: {name: count}} from since's day on, oldest first."""
        result: dict[str, dict[str, int]] = {}
        rows = await self._db.fetch(
            "SELECT day, name, count FROM daily_counts WHERE day >= $1 ORDER BY day, name",
            since.date().isoformat(),
        )
        for day, name, count in rows:
            result.setdefault(str(day), {})[str(name)] = int(count)
        return result
