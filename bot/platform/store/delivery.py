"""What scheduled deliveries need kept: a chat's time zone (chat_preferences) and its
subscriptions to the daily reflection or a check-in nudge (subscriptions).

Only these two tables are read or written here. A subscription holds the chat's pseudonym
and its sealed id (to deliver to), never the raw chat id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store.schema import NO_THREAD, epoch
from bot.platform.store.tables import SqliteTables

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
    async def due(self, now: datetime, limit: int) -> list[Subscription]: ...
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


class SqliteDelivery(SqliteTables):
    async def get_zone(self, chat: Pseudonym, now: datetime) -> str | None:
        async with self._db.execute(
            "SELECT zone FROM chat_preferences WHERE pseudonym = ? AND expires_at > ?",
            (chat, epoch(now)),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def set_zone(self, chat: Pseudonym, zone: str, now: datetime) -> None:
        """Set, or touch on use: the preference lives 180 days after it was last used."""
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO chat_preferences (pseudonym, zone, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (pseudonym) DO UPDATE SET zone = excluded.zone, "
                "expires_at = excluded.expires_at",
                (chat, zone, epoch(now + ZONE_LIFETIME)),
            )

    async def subscribe(self, subscription: Subscription, now: datetime) -> None:
        sub = subscription
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO subscriptions (pseudonym, kind, thread_id, sealed_chat, minute, "
                "zone, last_delivered, next_due_at, expires_at, language, planned_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (pseudonym, kind, thread_id) DO UPDATE SET "
                "sealed_chat = excluded.sealed_chat, minute = excluded.minute, "
                "zone = excluded.zone, next_due_at = excluded.next_due_at, "
                "last_delivered = COALESCE(excluded.last_delivered, last_delivered), "
                "expires_at = excluded.expires_at, "
                "language = excluded.language, planned_at = excluded.planned_at, "
                # Set again by an admin: refusals so far are forgiven, and counted afresh.
                "refusals = 0, refused_since = NULL",
                (
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
                ),
            )

    async def subscription(
        self, chat: Pseudonym, kind: str, thread_id: int | None
    ) -> Subscription | None:
        found = await self._subscriptions(
            "pseudonym = ? AND kind = ? AND thread_id = ?", (chat, kind, thread_id or NO_THREAD)
        )
        return found[0] if found else None

    async def subscriptions_of(self, chat: Pseudonym) -> list[Subscription]:
        return await self._subscriptions("pseudonym = ?", (chat,))

    async def due(self, now: datetime, limit: int) -> list[Subscription]:
        """Subscriptions planned at a time after now (the clock went back: they need
        planning again), then those whose next delivery is at or before now, oldest first."""
        # Two queries, each on its own index: one with OR would scan every row. (The unary
        # + keeps SQLite from choosing the next_due_at index for the first.)
        stale = await self._subscriptions(
            "planned_at > ? AND +next_due_at > ? LIMIT ?", (epoch(now), epoch(now), limit)
        )
        due = await self._subscriptions(
            "next_due_at <= ? ORDER BY next_due_at LIMIT ?", (epoch(now), limit - len(stale))
        )
        return stale + due

    async def _subscriptions(self, where: str, values: tuple[object, ...]) -> list[Subscription]:
        columns = (
            "pseudonym, kind, thread_id, sealed_chat, minute, zone, last_delivered, next_due_at, "
            "language, refusals, refused_since"
        )
        query = f"SELECT {columns} FROM subscriptions WHERE {where}"  # noqa: S608 - fixed clauses above
        async with self._db.execute(query, values) as cursor:
            rows = await cursor.fetchall()
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
        async with self._transaction():
            await self._db.execute(
                "UPDATE subscriptions SET next_due_at = ?, expires_at = ?, last_delivered = ?, "
                "planned_at = ?, refusals = CASE WHEN ? THEN 0 ELSE refusals END, "
                "refused_since = CASE WHEN ? THEN NULL ELSE refused_since END "
                "WHERE pseudonym = ? AND kind = ? AND thread_id = ?",
                (
                    epoch(next_due_at),
                    epoch(next_due_at + SUBSCRIPTION_LIFETIME),
                    _day(delivered),
                    epoch(now),
                    sent,
                    sent,
                    sub.chat,
                    sub.kind,
                    sub.thread_id or NO_THREAD,
                ),
            )

    async def refused(
        self, subscription: Subscription, retry_at: datetime, now: datetime
    ) -> Subscription:
        """Telegram refused a delivery that may pass: count it, and try again at retry_at.
        Returns the subscription as it now stands."""
        sub = subscription
        since = sub.refused_since or now
        async with self._transaction():
            await self._db.execute(
                "UPDATE subscriptions SET next_due_at = ?, expires_at = ?, planned_at = ?, "
                "refusals = ?, refused_since = ? "
                "WHERE pseudonym = ? AND kind = ? AND thread_id = ?",
                (
                    epoch(retry_at),
                    epoch(retry_at + SUBSCRIPTION_LIFETIME),
                    epoch(now),
                    sub.refusals + 1,
                    epoch(since),
                    sub.chat,
                    sub.kind,
                    sub.thread_id or NO_THREAD,
                ),
            )
        return replace(sub, next_due_at=retry_at, refusals=sub.refusals + 1, refused_since=since)

    async def unsubscribe(self, chat: Pseudonym, kind: str, thread_id: int | None) -> int:
        """Remove one subscription: one kind, in one topic (or none) of one chat."""
        return await self._delete_subscriptions(
            "pseudonym = ? AND kind = ? AND thread_id = ?", (chat, kind, thread_id or NO_THREAD)
        )

    async def _delete_subscriptions(self, where: str, values: tuple[object, ...]) -> int:
        query = f"DELETE FROM subscriptions WHERE {where}"  # noqa: S608 - fixed clauses above
        async with self._transaction():
            cursor = await self._db.execute(query, values)
            removed = cursor.rowcount
        await self._checkpoint()
        return removed


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
