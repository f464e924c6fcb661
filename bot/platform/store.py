"""The store: the only module that speaks SQL.

Its API takes keyed pseudonyms and sealed ids, never raw Telegram ids. Every row about a
member expires; one purge deletes what has expired. Every change runs in a transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

import aiosqlite

from bot.platform import inventory
from bot.platform.privacy import Pseudonym, SealedId

DATABASE_FILE_NAME = "porchlight.sqlite3"
GROUP_SETTINGS_LIFETIME = timedelta(days=365)
COUNTS_LIFETIME = timedelta(days=90)
ZONE_LIFETIME = timedelta(days=180)
# A subscription lives while it is delivered; one that has not been for this long has
# lost its chat somehow, and goes.
SUBSCRIPTION_LIFETIME = timedelta(days=60)
LISTENER_LIFETIME = timedelta(days=180)
BLOCK_LIFETIME = timedelta(days=30)
# No peer chat or shift outlives twelve hours; an hour more covers a restart.
PEER_SESSION_LIFETIME = timedelta(hours=13)
DISCREET_LIFETIME = timedelta(days=180)
# A meeting's record outlives any real meeting; one never ended is wiped with it.
MEETING_LIFETIME = timedelta(hours=12)


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


# Each entry moves the schema one version on; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE group_settings (
        pseudonym TEXT PRIMARY KEY,
        crisis_posts INTEGER NOT NULL DEFAULT 1,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX group_settings_expiry ON group_settings (expires_at);
    CREATE TABLE daily_counts (
        day TEXT NOT NULL,
        name TEXT NOT NULL,
        count INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (day, name)
    );
    CREATE INDEX daily_counts_expiry ON daily_counts (expires_at);
    """,
    """
    CREATE TABLE chat_preferences (
        pseudonym TEXT PRIMARY KEY,
        zone TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX chat_preferences_expiry ON chat_preferences (expires_at);
    CREATE TABLE subscriptions (
        pseudonym TEXT NOT NULL,
        kind TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        sealed_chat TEXT NOT NULL,
        minute INTEGER NOT NULL,
        zone TEXT NOT NULL,
        last_delivered TEXT,
        next_due_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, kind, thread_id)
    );
    CREATE INDEX subscriptions_due ON subscriptions (next_due_at);
    CREATE INDEX subscriptions_expiry ON subscriptions (expires_at);
    """,
    """
    CREATE TABLE listeners (
        pseudonym TEXT PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL,
        guide_accepted INTEGER NOT NULL,
        sealed_chat TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX listeners_expiry ON listeners (expires_at);
    CREATE TABLE blocks (
        blocker TEXT NOT NULL,
        blocked TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (blocker, blocked)
    );
    CREATE INDEX blocks_expiry ON blocks (expires_at);
    CREATE TABLE peer_sessions (
        pseudonym TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        sealed_chat TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX peer_sessions_expiry ON peer_sessions (expires_at);
    CREATE TABLE discreet_chats (
        pseudonym TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX discreet_chats_expiry ON discreet_chats (expires_at);
    """,
    """
    CREATE TABLE meetings (
        pseudonym TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        sealed_chat TEXT NOT NULL,
        format_id TEXT NOT NULL,
        chair TEXT NOT NULL,
        timer_minutes INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, thread_id)
    );
    CREATE INDEX meetings_expiry ON meetings (expires_at);
    CREATE TABLE meeting_chairs (
        pseudonym TEXT NOT NULL,
        member TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, member)
    );
    CREATE INDEX meeting_chairs_expiry ON meeting_chairs (expires_at);
    CREATE TABLE etiquette_settings (
        pseudonym TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        strictness TEXT NOT NULL,
        scope TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, thread_id)
    );
    CREATE INDEX etiquette_settings_expiry ON etiquette_settings (expires_at);
    """,
    """
    ALTER TABLE subscriptions ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
    """,
    # Who started a meeting was stored and never read; a chair is allowed in one topic.
    """
    ALTER TABLE meetings DROP COLUMN chair;
    CREATE TABLE meeting_chairs_by_topic (
        pseudonym TEXT NOT NULL,
        thread_id INTEGER NOT NULL,
        member TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (pseudonym, thread_id, member)
    );
    INSERT INTO meeting_chairs_by_topic (pseudonym, thread_id, member, expires_at)
        SELECT pseudonym, 0, member, expires_at FROM meeting_chairs;
    DROP TABLE meeting_chairs;
    ALTER TABLE meeting_chairs_by_topic RENAME TO meeting_chairs;
    CREATE INDEX meeting_chairs_expiry ON meeting_chairs (expires_at);
    CREATE INDEX meeting_chairs_member ON meeting_chairs (member);
    """,
    """
    ALTER TABLE subscriptions ADD COLUMN planned_at INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN refusals INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE subscriptions ADD COLUMN refused_since INTEGER;
    CREATE INDEX subscriptions_planned ON subscriptions (planned_at);
    """,
)


@dataclass(frozen=True)
class ListenerRecord:
    who: Pseudonym
    ref: str  # a short random reference: what moderators' buttons carry, never the id
    status: str  # one of LISTENER_STATUSES
    guide_accepted: bool
    sealed_chat: SealedId  # empty once suspended: nothing more is ever sent


@dataclass(frozen=True)
class PeerSession:
    """Someone waiting for, offering or in a peer chat: after a restart they are told."""

    who: Pseudonym
    role: str
    sealed_chat: SealedId


LISTENER_STATUSES = ("pending", "approved", "declined", "suspended")


@dataclass(frozen=True)
class MeetingRecord:
    """What a restart needs of a running meeting: never its queue, shares or who came."""

    group: Pseudonym
    thread_id: int | None
    sealed_chat: SealedId
    format_id: str
    timer_minutes: int
    started_at: datetime


@dataclass(frozen=True)
class EtiquetteSettings:
    action: str = "remind"  # off, remind or delete
    strictness: str = "standard"  # gentle, standard or strict
    scope: str = "meetings"  # meetings, or always


# thread_id 0 stands for "no topic" (SQLite treats NULLs in a primary key as distinct).
NO_THREAD = 0


class StoreError(Exception):
    """The database cannot be used; the message says why in one line for the operator."""


class Store(Protocol):
    """What the bot needs from storage; a server database can be a second backend."""

    async def close(self) -> None: ...
    async def healthy(self, now: datetime) -> bool: ...
    async def crisis_posts_enabled(self, group: Pseudonym, now: datetime) -> bool: ...
    async def set_crisis_posts(self, group: Pseudonym, enabled: bool, now: datetime) -> None: ...
    async def count(self, name: str, now: datetime) -> None: ...
    async def daily_counts(self, since: datetime) -> dict[str, dict[str, int]]: ...
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
    async def listener(self, who: Pseudonym) -> ListenerRecord | None: ...
    async def listener_by_ref(self, ref: str) -> ListenerRecord | None: ...
    async def save_listener(self, record: ListenerRecord, now: datetime) -> None: ...
    async def block(self, blocker: Pseudonym, blocked: Pseudonym, now: datetime) -> None: ...
    async def blocks(self, now: datetime) -> set[tuple[Pseudonym, Pseudonym]]: ...
    async def set_peer_session(self, session: PeerSession, now: datetime) -> None: ...
    async def end_peer_session(self, who: Pseudonym) -> None: ...
    async def take_peer_sessions(self) -> list[PeerSession]: ...
    async def set_discreet(self, chat: Pseudonym, on: bool, now: datetime) -> None: ...
    async def discreet_chats(self, now: datetime) -> set[Pseudonym]: ...
    async def save_meeting(self, meeting: MeetingRecord, now: datetime) -> None: ...
    async def end_meeting(self, group: Pseudonym, thread_id: int | None) -> int: ...
    async def meetings(self, now: datetime) -> list[MeetingRecord]: ...
    async def allow_chair(
        self,
        group: Pseudonym,
        thread_id: int | None,
        member: Pseudonym,
        allowed: bool,
        now: datetime,
    ) -> None: ...
    async def may_chair(
        self, group: Pseudonym, thread_id: int | None, member: Pseudonym, now: datetime
    ) -> bool: ...
    async def etiquette(self, group: Pseudonym, thread_id: int | None) -> EtiquetteSettings: ...
    async def set_etiquette(
        self, group: Pseudonym, thread_id: int | None, settings: EtiquetteSettings, now: datetime
    ) -> None: ...
    async def forget(self, member: Pseudonym) -> int: ...
    async def move_chat(self, old: Pseudonym, new: Pseudonym, sealed: SealedId) -> int: ...
    async def purge_expired(self, now: datetime) -> int: ...


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class SqliteStore:
    """The store on one SQLite file, WAL journal, secure_delete on."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        opened = path.stat()
        self._identity = (opened.st_dev, opened.st_ino)
        # aiosqlite runs statements in order on one thread, but two coroutines could still
        # interleave statements inside one transaction; this lock keeps them whole.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, data_dir: Path, check_value: str) -> SqliteStore:
        """Open (creating if needed) the database and check it belongs to this secret."""
        path = data_dir / DATABASE_FILE_NAME
        try:
            connection = await aiosqlite.connect(path, isolation_level=None, timeout=2.0)
        except sqlite3.Error as error:
            raise StoreError(_explain(error, path)) from None
        store = cls(connection, path)
        try:
            await store._prepare(check_value)
        except sqlite3.Error as error:
            await connection.close()
            raise StoreError(_explain(error, path)) from None
        except StoreError:
            await connection.close()
            raise
        return store

    async def _prepare(self, check_value: str) -> None:
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA secure_delete=ON")
        await self._db.execute("PRAGMA foreign_keys=ON")
        async with self._db.execute("PRAGMA quick_check") as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] != "ok":
            raise StoreError(f"the database {self.path} is damaged; {_RESTORE_HINT}")
        await self._migrate()
        async with self._transaction():
            async with self._db.execute(
                "SELECT value FROM meta WHERE key = 'secret_check'"
            ) as cursor:
                found = await cursor.fetchone()
            if found is None:
                await self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('secret_check', ?)", (check_value,)
                )
            elif found[0] != check_value:
                raise StoreError(
                    f"the database {self.path} was made with a different secret: restore the "
                    "original (PORCHLIGHT_SECRET_FILE, PORCHLIGHT_SECRET or the data folder's "
                    "secret file)"
                )

    async def _migrate(self) -> None:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"the database {self.path} is from a newer Porchlight (schema {version}); "
                "upgrade Porchlight to use it"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            async with self._transaction():
                for statement in _statements(script):
                    await self._db.execute(statement)
                await self._db.execute(f"PRAGMA user_version = {number}")

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[None]:
        async with self._lock:
            self._still_the_file_we_opened()
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def close(self) -> None:
        await self._db.close()

    async def healthy(self, now: datetime) -> bool:
        """Whether a row can be written and read back, in the file the bot opened."""
        stamp = str(_epoch(now))
        try:
            async with self._transaction():
                await self._db.execute(
                    "INSERT INTO meta (key, value) VALUES ('health', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (stamp,),
                )
            async with self._db.execute("SELECT value FROM meta WHERE key = 'health'") as cursor:
                row = await cursor.fetchone()
        except (sqlite3.Error, ValueError, StoreError):  # ValueError: the connection is closed
            return False
        return row is not None and row[0] == stamp

    def _still_the_file_we_opened(self) -> None:
        """A database deleted or replaced under the running bot would take writes into a
        file nobody will read again: refuse them instead, and say why."""
        try:
            found = self.path.stat()
        except OSError:
            found = None
        if found is None or (found.st_dev, found.st_ino) != self._identity:
            raise StoreError(
                f"the database {self.path} was removed or replaced while the bot ran; "
                "stop the bot and restore it from a backup"
            )

    async def table_names(self) -> list[str]:
        async with self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ) as cursor:
            return [str(row[0]) async for row in cursor]

    async def column_names(self, table: str) -> list[str]:
        async with self._db.execute("SELECT name FROM pragma_table_info(?)", (table,)) as cursor:
            return [str(row[0]) async for row in cursor]

    async def crisis_posts_enabled(self, group: Pseudonym, now: datetime) -> bool:
        """Whether the group wants crisis posts: on unless its admins turned them off."""
        async with self._db.execute(
            "SELECT crisis_posts FROM group_settings WHERE pseudonym = ? AND expires_at > ?",
            (group, _epoch(now)),
        ) as cursor:
            row = await cursor.fetchone()
        return True if row is None else bool(row[0])

    async def set_crisis_posts(self, group: Pseudonym, enabled: bool, now: datetime) -> None:
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO group_settings (pseudonym, crisis_posts, expires_at) "
                "VALUES (?, ?, ?) ON CONFLICT (pseudonym) DO UPDATE SET "
                "crisis_posts = excluded.crisis_posts, expires_at = excluded.expires_at",
                (group, int(enabled), _epoch(now + GROUP_SETTINGS_LIFETIME)),
            )

    async def count(self, name: str, now: datetime) -> None:
        """Add one to today's (UTC) counter: a number for the operator, with no ids at all."""
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO daily_counts (day, name, count, expires_at) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (day, name) DO UPDATE SET count = count + 1",
                (now.date().isoformat(), name, _epoch(now + COUNTS_LIFETIME)),
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

    async def get_zone(self, chat: Pseudonym, now: datetime) -> str | None:
        async with self._db.execute(
            "SELECT zone FROM chat_preferences WHERE pseudonym = ? AND expires_at > ?",
            (chat, _epoch(now)),
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
                (chat, zone, _epoch(now + ZONE_LIFETIME)),
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
                    _epoch(sub.next_due_at),
                    _epoch(max(now, sub.next_due_at) + SUBSCRIPTION_LIFETIME),
                    sub.language,
                    _epoch(now),
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
            "planned_at > ? AND +next_due_at > ? LIMIT ?", (_epoch(now), _epoch(now), limit)
        )
        due = await self._subscriptions(
            "next_due_at <= ? ORDER BY next_due_at LIMIT ?", (_epoch(now), limit - len(stale))
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
                    _epoch(next_due_at),
                    _epoch(next_due_at + SUBSCRIPTION_LIFETIME),
                    _day(delivered),
                    _epoch(now),
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
                    _epoch(retry_at),
                    _epoch(retry_at + SUBSCRIPTION_LIFETIME),
                    _epoch(now),
                    sub.refusals + 1,
                    _epoch(since),
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

    async def listener(self, who: Pseudonym) -> ListenerRecord | None:
        return await self._listener("pseudonym = ?", who)

    async def listener_by_ref(self, ref: str) -> ListenerRecord | None:
        return await self._listener("ref = ?", ref)

    async def _listener(self, where: str, value: str) -> ListenerRecord | None:
        columns = "pseudonym, ref, status, guide_accepted, sealed_chat"
        query = f"SELECT {columns} FROM listeners WHERE {where}"  # noqa: S608 - fixed clauses above
        async with self._db.execute(query, (value,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return ListenerRecord(
            Pseudonym(row[0]), str(row[1]), str(row[2]), bool(row[3]), SealedId(row[4])
        )

    async def save_listener(self, record: ListenerRecord, now: datetime) -> None:
        """Insert or update; a listener's row lives 180 days after its last change."""
        if record.status not in LISTENER_STATUSES:
            raise ValueError(record.status)
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO listeners (pseudonym, ref, status, guide_accepted, sealed_chat, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pseudonym) DO UPDATE SET "
                "status = excluded.status, guide_accepted = excluded.guide_accepted, "
                "sealed_chat = excluded.sealed_chat, expires_at = excluded.expires_at",
                (
                    record.who,
                    record.ref,
                    record.status,
                    int(record.guide_accepted),
                    record.sealed_chat,
                    _epoch(now + LISTENER_LIFETIME),
                ),
            )

    async def block(self, blocker: Pseudonym, blocked: Pseudonym, now: datetime) -> None:
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO blocks (blocker, blocked, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (blocker, blocked) DO UPDATE SET expires_at = excluded.expires_at",
                (blocker, blocked, _epoch(now + BLOCK_LIFETIME)),
            )

    async def blocks(self, now: datetime) -> set[tuple[Pseudonym, Pseudonym]]:
        """Every live block as (blocker, blocked)."""
        async with self._db.execute(
            "SELECT blocker, blocked FROM blocks WHERE expires_at > ?", (_epoch(now),)
        ) as cursor:
            return {(Pseudonym(a), Pseudonym(b)) async for a, b in cursor}

    async def set_peer_session(self, session: PeerSession, now: datetime) -> None:
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO peer_sessions (pseudonym, role, sealed_chat, expires_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (pseudonym) DO UPDATE SET "
                "role = excluded.role, sealed_chat = excluded.sealed_chat, "
                "expires_at = excluded.expires_at",
                (
                    session.who,
                    session.role,
                    session.sealed_chat,
                    _epoch(now + PEER_SESSION_LIFETIME),
                ),
            )

    async def end_peer_session(self, who: Pseudonym) -> None:
        async with self._transaction():
            await self._db.execute("DELETE FROM peer_sessions WHERE pseudonym = ?", (who,))

    async def take_peer_sessions(self) -> list[PeerSession]:
        """Every session a previous run left behind, deleted as it is read (at start)."""
        async with self._transaction():
            async with self._db.execute(
                "SELECT pseudonym, role, sealed_chat FROM peer_sessions"
            ) as cursor:
                rows = await cursor.fetchall()
            await self._db.execute("DELETE FROM peer_sessions")
        await self._checkpoint()
        return [PeerSession(Pseudonym(r[0]), str(r[1]), SealedId(r[2])) for r in rows]

    async def set_discreet(self, chat: Pseudonym, on: bool, now: datetime) -> None:
        async with self._transaction():
            if on:
                await self._db.execute(
                    "INSERT INTO discreet_chats (pseudonym, expires_at) VALUES (?, ?) "
                    "ON CONFLICT (pseudonym) DO UPDATE SET expires_at = excluded.expires_at",
                    (chat, _epoch(now + DISCREET_LIFETIME)),
                )
            else:
                await self._db.execute("DELETE FROM discreet_chats WHERE pseudonym = ?", (chat,))

    async def discreet_chats(self, now: datetime) -> set[Pseudonym]:
        async with self._db.execute(
            "SELECT pseudonym FROM discreet_chats WHERE expires_at > ?", (_epoch(now),)
        ) as cursor:
            return {Pseudonym(row[0]) async for row in cursor}

    async def save_meeting(self, meeting: MeetingRecord, now: datetime) -> None:
        m = meeting
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO meetings (pseudonym, thread_id, sealed_chat, format_id, "
                "timer_minutes, started_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (pseudonym, thread_id) DO UPDATE SET "
                "sealed_chat = excluded.sealed_chat, format_id = excluded.format_id, "
                "timer_minutes = excluded.timer_minutes",
                (
                    m.group,
                    m.thread_id or NO_THREAD,
                    m.sealed_chat,
                    m.format_id,
                    m.timer_minutes,
                    _epoch(m.started_at),
                    _epoch(now + MEETING_LIFETIME),
                ),
            )

    async def end_meeting(self, group: Pseudonym, thread_id: int | None) -> int:
        async with self._transaction():
            cursor = await self._db.execute(
                "DELETE FROM meetings WHERE pseudonym = ? AND thread_id = ?",
                (group, thread_id or NO_THREAD),
            )
            removed = cursor.rowcount
        await self._checkpoint()
        return removed

    async def meetings(self, now: datetime) -> list[MeetingRecord]:
        async with self._db.execute(
            "SELECT pseudonym, thread_id, sealed_chat, format_id, timer_minutes, "
            "started_at FROM meetings WHERE expires_at > ?",
            (_epoch(now),),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            MeetingRecord(
                group=Pseudonym(row[0]),
                thread_id=int(row[1]) or None,
                sealed_chat=SealedId(row[2]),
                format_id=str(row[3]),
                timer_minutes=int(row[4]),
                started_at=datetime.fromtimestamp(int(row[5]), UTC),
            )
            for row in rows
        ]

    async def allow_chair(
        self,
        group: Pseudonym,
        thread_id: int | None,
        member: Pseudonym,
        allowed: bool,
        now: datetime,
    ) -> None:
        async with self._transaction():
            if allowed:
                await self._db.execute(
                    "INSERT INTO meeting_chairs (pseudonym, thread_id, member, expires_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (pseudonym, thread_id, member) "
                    "DO UPDATE SET expires_at = excluded.expires_at",
                    (group, thread_id or NO_THREAD, member, _epoch(now + GROUP_SETTINGS_LIFETIME)),
                )
            else:
                await self._db.execute(
                    "DELETE FROM meeting_chairs WHERE pseudonym = ? AND thread_id = ? "
                    "AND member = ?",
                    (group, thread_id or NO_THREAD, member),
                )

    async def may_chair(
        self, group: Pseudonym, thread_id: int | None, member: Pseudonym, now: datetime
    ) -> bool:
        """Allowed in this topic (or, outside forums, this group) by its admins."""
        async with self._db.execute(
            "SELECT 1 FROM meeting_chairs WHERE pseudonym = ? AND thread_id = ? AND member = ? "
            "AND expires_at > ?",
            (group, thread_id or NO_THREAD, member, _epoch(now)),
        ) as cursor:
            return await cursor.fetchone() is not None

    async def etiquette(self, group: Pseudonym, thread_id: int | None) -> EtiquetteSettings:
        async with self._db.execute(
            "SELECT action, strictness, scope FROM etiquette_settings "
            "WHERE pseudonym = ? AND thread_id = ?",
            (group, thread_id or NO_THREAD),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return EtiquetteSettings()
        return EtiquetteSettings(str(row[0]), str(row[1]), str(row[2]))

    async def set_etiquette(
        self, group: Pseudonym, thread_id: int | None, settings: EtiquetteSettings, now: datetime
    ) -> None:
        async with self._transaction():
            await self._db.execute(
                "INSERT INTO etiquette_settings (pseudonym, thread_id, action, strictness, scope, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pseudonym, thread_id) "
                "DO UPDATE SET action = excluded.action, strictness = excluded.strictness, "
                "scope = excluded.scope, expires_at = excluded.expires_at",
                (
                    group,
                    thread_id or NO_THREAD,
                    settings.action,
                    settings.strictness,
                    settings.scope,
                    _epoch(now + GROUP_SETTINGS_LIFETIME),
                ),
            )

    async def forget(self, member: Pseudonym) -> int:
        """Erase every row keyed by this pseudonym, in every table the inventory lists,
        except what protects others from this member (see inventory.forget_keeps)."""
        erased = 0
        async with self._transaction():
            for entry in inventory.TABLES:
                if entry.pseudonym_column is None:
                    continue
                keeps = "" if entry.forget_keeps is None else f" AND NOT ({entry.forget_keeps})"
                if entry.forget_keeps is not None and entry.sealed_column is not None:
                    # What is kept keeps no way to reach the member.
                    await self._db.execute(
                        f"UPDATE {entry.name} SET {entry.sealed_column} = '' "  # noqa: S608 - names from the inventory
                        f"WHERE {entry.pseudonym_column} = ? AND ({entry.forget_keeps})",
                        (member,),
                    )
                cursor = await self._db.execute(
                    f"DELETE FROM {entry.name} WHERE {entry.pseudonym_column} = ?{keeps}",  # noqa: S608 - names from the inventory
                    (member,),
                )
                erased += cursor.rowcount
                if entry.member_column is not None:
                    cursor = await self._db.execute(
                        f"DELETE FROM {entry.name} WHERE {entry.member_column} = ?",  # noqa: S608 - names from the inventory
                        (member,),
                    )
                    erased += cursor.rowcount
        await self._checkpoint()
        return erased

    async def move_chat(self, old: Pseudonym, new: Pseudonym, sealed: SealedId) -> int:
        """A group became a supergroup and got a new id: its rows follow it, and sealed ids
        are sealed anew for the new chat."""
        moved = 0
        async with self._transaction():
            for entry in inventory.TABLES:
                if entry.pseudonym_column is None:
                    continue
                column = entry.pseudonym_column
                sets, values = f"{column} = ?", [str(new)]
                if entry.sealed_column is not None:
                    sets += f", {entry.sealed_column} = ?"
                    values.append(str(sealed))
                cursor = await self._db.execute(
                    f"UPDATE OR REPLACE {entry.name} SET {sets} WHERE {column} = ?",  # noqa: S608 - names from the inventory
                    (*values, old),
                )
                moved += cursor.rowcount
        return moved

    async def purge_expired(self, now: datetime) -> int:
        erased = 0
        async with self._transaction():
            for entry in inventory.TABLES:
                if not entry.expires:
                    continue
                cursor = await self._db.execute(
                    f"DELETE FROM {entry.name} WHERE expires_at <= ?",  # noqa: S608 - names from the inventory
                    (_epoch(now),),
                )
                erased += cursor.rowcount
        if erased:
            await self._checkpoint()
        return erased

    async def _checkpoint(self) -> None:
        """Fold the WAL into the database and truncate it, so erased rows leave no copy."""
        async with self._lock:
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


_RESTORE_HINT = "restore it from a backup, or move it aside to start afresh"


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _explain(error: sqlite3.Error, path: Path) -> str:
    """Turn SQLite's error into one line an operator can act on."""
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        return f"the database {path} is locked by another program; stop it and start again"
    if "readonly" in text or "read-only" in text:
        return f"the database {path} is read-only; give Porchlight write access to the folder"
    if "unable to open" in text:
        return f"the database {path} cannot be opened; check the folder exists and is writable"
    if "full" in text:
        return f"the disk holding {path} is full; free some space and start again"
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return f"the database {path} is damaged; {_RESTORE_HINT}"
    return f"the database {path} cannot be used ({type(error).__name__})"
