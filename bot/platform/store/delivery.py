"""What scheduled deliveries need kept: a chat's time zone (chat_preferences) and its
subscriptions to the daily reflection or a check-in nudge (subscriptions).

Only these two tables are read or written here. A subscription holds the chat's pseudonym
and its sealed id (to deliver to), never the raw chat id. A tick claims the subscriptions
it delivers for a while (a lease and a random claim number), so any number of instances
may tick and each delivery is sent by one of them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store import dialects
from bot.platform.store.schema import NO_THREAD, epoch
from bot.platform.store.tables import Tables

ZONE_LIFETIME = timedelta(days=180)
# A subscription lives while it is delivered; one that has not been for this long has
# lost its chat somehow, and goes.
SUBSCRIPTION_LIFETIME = timedelta(days=60)


@dataclass(frozen=True)
class Subscription:
    chat: Pseudonym
    kind: str
    thread_id: int | None
    sealed_chat: SealedId
    minute: int
    zone: str
    last_delivered: date | None
    next_due_at: datetime
    language: str = "en"  # the catalogue to deliver in (the member's Telegram language)
    refusals: int = 0  # deliveries refused in a row (the bot may not post there just now)
    refused_since: datetime | None = None  # the first of those refusals


class DeliveryStore(Protocol):
    async def get_zone(self, chat: Pseudonym, now: datetime) -> str | None: ...
    async def set_zone(self, chat: Pseudonym, zone: str, now: datetime) -> None: ...
    async def subscribe(self, subscription: Subscription, now: datetime) -> None: ...
    async def subscription(
        self, chat: Pseudonym, kind: str, thread_id: int | None
    ) -> Subscription | None: ...
    async def subscriptions_of(self, chat: Pseudonym) -> list[Subscription]: ...
    async def unsubscribe(self, chat: Pseudonym, kind: str, thread_id: int | None) -> int: ...
    async def claim_due(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[Subscription]: ...
    async def release(self, subscription: Subscription) -> None: ...
    async def release_every_claim(self) -> int: ...
    async def reschedule(
        self,
        subscription: Subscription,
        next_due_at: datetime,
        delivered: date | None,
        now: datetime,
        *,
        sent: bool,
    ) -> None: ...
    async def refused(
        self, subscription: Subscription, retry_at: datetime, now: datetime
    ) -> Subscription: ...


class DeliveryTables(Tables):
    async def get_zone(self, chat: Pseudonym, now: datetime) -> str | None:
        row = await self._db.fetchrow(
            "SELECT zone FROM chat_preferences WHERE pseudonym = $1 AND expires_at > $2",
            chat,
            epoch(now),
        )
        return None if row is None else str(row[0])

    async def set_zone(self, chat: Pseudonym, zone: str, now: datetime) -> None:
        """Set, or touch on use: the preference lives 180 days after it was last used."""
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO chat_preferences (pseudonym, zone, expires_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (pseudonym) DO UPDATE SET zone = excluded.zone, "
                "expires_at = excluded.expires_at",
                chat,
                zone,
                epoch(now + ZONE_LIFETIME),
            )

    async def subscribe(self, subscription: Subscription, now: datetime) -> None:
        sub = subscription
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO subscriptions (pseudonym, kind, thread_id, sealed_chat, minute, "
                "zone, last_delivered, next_due_at, expires_at, language, planned_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                "ON CONFLICT (pseudonym, kind, thread_id) DO UPDATE SET "
                "sealed_chat = excluded.sealed_chat, minute = excluded.minute, "
                "zone = excluded.zone, next_due_at = excluded.next_due_at, "
                "last_delivered = COALESCE(excluded.last_delivered, "
                "subscriptions.last_delivered), "
                "expires_at = excluded.expires_at, "
                "language = excluded.language, planned_at = excluded.planned_at, "
                # Set again by an admin: refusals so far are forgiven, and counted afresh.
                "refusals = 0, refused_since = NULL",
                sub.chat,
                sub.kind,
                sub.thread_id or NO_THREAD,
                sub.sealed_chat,
                sub.minute,
                sub.zone,
                _day(sub.last_delivered),
                epoch(sub.next_due_at),
                epoch(max(now, sub.next_due_at) + SUBSCRIPTION_LIFETIME),
                sub.language,
                epoch(now),
            )

    async def subscription(
        self, chat: Pseudonym, kind: str, thread_id: int | None
    ) -> Subscription | None:
        found = await self._subscriptions(
            "pseudonym = $1 AND kind = $2 AND thread_id = $3", chat, kind, thread_id or NO_THREAD
        )
        return found[0] if found else None

    async def subscriptions_of(self, chat: Pseudonym) -> list[Subscription]:
        return await self._subscriptions("pseudonym = $1", chat)

    async def claim_due(self, now: datetime, limit: int, lease: timedelta) -> list[Subscription]:
        """Take up to limit subscriptions to deliver, for lease: those planned at a time
        after now (the clock went back: they need planning again), then those whose next
        delivery is at or before now, oldest first. Rows another tick holds are passed
        over, so two instances never take one row; a lease whose instance died runs out,
        and the row is taken again."""
        claim = secrets.token_hex(8)
        lock = dialects.skip_rows_others_hold(self._db)
        taken = 0
        async with self._db.transaction():
            # Each its own query on its own index: one with OR would scan every row. (The
            # unary + keeps SQLite from choosing the next_due_at index for the first.)
            for which in (
                "planned_at > $3 AND +next_due_at > $3",
                "next_due_at <= $3 ORDER BY next_due_at",
            ):
                query = (
                    "UPDATE subscriptions SET lease_until = $1, claimed_by = $2 "  # noqa: S608 - fixed clauses
                    "WHERE (pseudonym, kind, thread_id) IN ("
                    "SELECT pseudonym, kind, thread_id FROM subscriptions "
                    f"WHERE lease_until <= $3 AND {which} LIMIT $4{lock})"
                )
                taken += await self._db.execute(
                    query, epoch(now + lease), claim, epoch(now), limit - taken
                )
            claimed = await self._subscriptions("claimed_by = $1", claim)
        return sorted(claimed, key=lambda sub: sub.next_due_at)

    async def release(self, subscription: Subscription) -> None:
        """Let go of a claimed subscription left due (its delivery failed for now), so the
        next tick, on any instance, tries it again without waiting out the lease."""
        sub = subscription
        await self._db.execute(
            "UPDATE subscriptions SET lease_until = 0, claimed_by = NULL "
            "WHERE pseudonym = $1 AND kind = $2 AND thread_id = $3",
            sub.chat,
            sub.kind,
            sub.thread_id or NO_THREAD,
        )

    async def release_every_claim(self) -> int:
        """At the start of the only instance that may tick: every claim there is was left
        by one that died, and its deliveries go out now rather than when it lapses."""
        async with self._db.transaction():
            return await self._db.execute(
                "UPDATE subscriptions SET lease_until = 0, claimed_by = NULL "
                "WHERE claimed_by IS NOT NULL"
            )

    async def _subscriptions(self, where: str, *values: object) -> list[Subscription]:
        columns = (
            "pseudonym, kind, thread_id, sealed_chat, minute, zone, last_delivered, next_due_at, "
            "language, refusals, refused_since"
        )
        query = f"SELECT {columns} FROM subscriptions WHERE {where}"  # noqa: S608 - fixed clauses above
        rows = await self._db.fetch(query, *values)
        return [
            Subscription(
                chat=Pseudonym(row[0]),
                kind=str(row[1]),
                thread_id=int(row[2]) or None,
                sealed_chat=SealedId(row[3]),
                minute=int(row[4]),
                zone=str(row[5]),
                last_delivered=None if row[6] is None else date.fromisoformat(row[6]),
                next_due_at=datetime.fromtimestamp(int(row[7]), UTC),
                language=str(row[8]),
                refusals=int(row[9]),
                refused_since=None if row[10] is None else datetime.fromtimestamp(row[10], UTC),
            )
            for row in rows
        ]

    async def reschedule(
        self,
        subscription: Subscription,
        next_due_at: datetime,
        delivered: date | None,
        now: datetime,
        *,
        sent: bool,
    ) -> None:
        """After a look at the subscription at `now`: a delivery Telegram accepted (sent,
        which ends any run of refusals), or a skip or a new plan (nothing sent)."""
        sub = subscription
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE subscriptions SET next_due_at = $1, expires_at = $2, "
                "last_delivered = $3, planned_at = $4, lease_until = 0, claimed_by = NULL, "
                "refusals = CASE WHEN $5 THEN 0 ELSE refusals END, "
                "refused_since = CASE WHEN $5 THEN NULL ELSE refused_since END "
                "WHERE pseudonym = $6 AND kind = $7 AND thread_id = $8",
                epoch(next_due_at),
                epoch(next_due_at + SUBSCRIPTION_LIFETIME),
                _day(delivered),
                epoch(now),
                sent,
                sub.chat,
                sub.kind,
                sub.thread_id or NO_THREAD,
            )

    async def refused(
        self, subscription: Subscription, retry_at: datetime, now: datetime
    ) -> Subscription:
        """Telegram refused a delivery that may pass: count it, and try again at retry_at.
        Returns the subscription as it now stands."""
        sub = subscription
        since = sub.refused_since or now
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE subscriptions SET next_due_at = $1, expires_at = $2, planned_at = $3, "
                "refusals = $4, refused_since = $5, lease_until = 0, claimed_by = NULL "
                "WHERE pseudonym = $6 AND kind = $7 AND thread_id = $8",
                epoch(retry_at),
                epoch(retry_at + SUBSCRIPTION_LIFETIME),
                epoch(now),
                sub.refusals + 1,
                epoch(since),
                sub.chat,
                sub.kind,
                sub.thread_id or NO_THREAD,
            )
        return replace(sub, next_due_at=retry_at, refusals=sub.refusals + 1, refused_since=since)

    async def unsubscribe(self, chat: Pseudonym, kind: str, thread_id: int | None) -> int:
        """Remove one subscription: one kind, in one topic (or none) of one chat."""
        async with self._db.transaction():
            removed = await self._db.execute(
                "DELETE FROM subscriptions WHERE pseudonym = $1 AND kind = $2 AND thread_id = $3",
                chat,
                kind,
                thread_id or NO_THREAD,
            )
        await self._db.erased()
        return removed


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
