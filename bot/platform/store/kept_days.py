"""What counting days keeps, only when a member asks it to (kept_days): the date they count
from, sealed, under their pseudonym. (Milestone messages are a delivery like the daily
reflection: a subscription of their own.)

Only this table is read or written here. The date is never stored in clear: it is sealed
as a chat id is (bot.platform.privacy.Keyring.seal_date), so the table says only that a
member keeps a date, never which. /days forget, /forget and blocking the bot delete it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.platform.privacy import Pseudonym, SealedDate
from bot.platform.store.schema import epoch
from bot.platform.store.tables import Tables

# Kept while used: each /days and each milestone sent renews it.
KEPT_DAYS_LIFETIME = timedelta(days=400)


@dataclass(frozen=True)
class KeptDays:
    member: Pseudonym
    sealed_start: SealedDate


class KeptDaysStore(Protocol):
    async def keep_days(self, kept: KeptDays, now: datetime) -> None: ...
    async def kept_days(self, member: Pseudonym, now: datetime) -> KeptDays | None: ...
    async def forget_days(self, member: Pseudonym) -> int: ...


class KeptDaysTables(Tables):
    async def keep_days(self, kept: KeptDays, now: datetime) -> None:
        """Keep (or overwrite: the old date is not kept anywhere) and renew."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO kept_days (pseudonym, sealed_start, expires_at) "
                "VALUES ($1, $2, $3) ON CONFLICT (pseudonym) DO UPDATE SET "
                "sealed_start = excluded.sealed_start, expires_at = excluded.expires_at",
                kept.member,
                kept.sealed_start,
                epoch(now + KEPT_DAYS_LIFETIME),
            )
        await self._db.erased()  # the date it overwrote

    async def kept_days(self, member: Pseudonym, now: datetime) -> KeptDays | None:
        row = await self._db.fetchrow(
            "SELECT sealed_start FROM kept_days WHERE pseudonym = $1 AND expires_at > $2",
            member,
            epoch(now),
        )
        if row is None:
            return None
        return KeptDays(member, SealedDate(str(row[0])))

    async def forget_days(self, member: Pseudonym) -> int:
        async with self._db.transaction():
            removed = await self._db.execute("DELETE FROM kept_days WHERE pseudonym = $1", member)
        await self._db.erased()
        return removed
