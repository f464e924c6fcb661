"""Which of Telegram's updates are taken (update_claims): each is processed once, by one
instance, however often Telegram sends it.

Telegram sends an update again when its answer did not come in time, and with several
instances behind one webhook the second copy may reach another one. The first to claim an
update processes it; a claim is a lease, so an update whose instance died before it was
done is taken up by whoever Telegram sends it to next. A row holds an update's number and
times, nothing about who sent it, and goes after a day (Telegram stops trying long before).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Protocol

from bot.platform.store.schema import epoch
from bot.platform.store.tables import Tables

CLAIMS_LIFETIME = timedelta(days=1)


class Claim(enum.Enum):
    TAKEN = "taken"  # yours to process: finish it when done
    DONE = "done"  # processed already: answer that it arrived
    BUSY = "busy"  # another instance is on it now: ask Telegram to send it again later


class UpdateClaimsStore(Protocol):
    async def claim_update(self, update_id: int, now: datetime, lease: timedelta) -> Claim: ...
    async def finish_update(self, update_id: int, now: datetime) -> None: ...


class UpdateClaimsTables(Tables):
    async def claim_update(self, update_id: int, now: datetime, lease: timedelta) -> Claim:
        """Take the update unless it is done, or held by a lease that has not run out."""
        async with self._db.transaction():
            taken = await self._db.execute(
                "INSERT INTO update_claims (update_id, done, lease_until, expires_at) "
                "VALUES ($1, 0, $2, $3) ON CONFLICT (update_id) DO UPDATE "
                "SET lease_until = excluded.lease_until, expires_at = excluded.expires_at "
                "WHERE update_claims.done = 0 AND update_claims.lease_until <= $4",
                update_id,
                epoch(now + lease),
                epoch(now + CLAIMS_LIFETIME),
                epoch(now),
            )
            if taken:
                return Claim.TAKEN
            row = await self._db.fetchrow(
                "SELECT done FROM update_claims WHERE update_id = $1", update_id
            )
        return Claim.DONE if row is not None and row[0] else Claim.BUSY

    async def finish_update(self, update_id: int, now: datetime) -> None:
        await self._db.execute(
            "UPDATE update_claims SET done = 1, lease_until = $2 WHERE update_id = $1",
            update_id,
            epoch(now),
        )
