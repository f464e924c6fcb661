"""What online meetings keep: the meetings running now (meetings), and the members a
group's admins allowed to chair, per topic (meeting_chairs).

Only these two tables are read or written here. Never a meeting's queue, shares or who
came: those live in memory (bot.meetings.queue) and vanish at /meeting end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store.groups import GROUP_SETTINGS_LIFETIME
from bot.platform.store.schema import NO_THREAD, epoch
from bot.platform.store.tables import Tables

# A meeting's record outlives any real meeting; one never ended is wiped with it.
MEETING_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class MeetingRecord:
    """What a restart needs of a running meeting: never its queue, shares or who came."""

    group: Pseudonym
    thread_id: int | None
    sealed_chat: SealedId
    format_id: str
    timer_minutes: int
    started_at: datetime


class MeetingStore(Protocol):
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


class MeetingsTables(Tables):
    async def save_meeting(self, meeting: MeetingRecord, now: datetime) -> None:
        m = meeting
        async with self._db.transaction():
            await self._db.execute(
                "INSERT INTO meetings (pseudonym, thread_id, sealed_chat, format_id, "
                "timer_minutes, started_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                "ON CONFLICT (pseudonym, thread_id) DO UPDATE SET "
                "sealed_chat = excluded.sealed_chat, format_id = excluded.format_id, "
                "timer_minutes = excluded.timer_minutes",
                m.group,
                m.thread_id or NO_THREAD,
                m.sealed_chat,
                m.format_id,
                m.timer_minutes,
                epoch(m.started_at),
                epoch(now + MEETING_LIFETIME),
            )

    async def end_meeting(self, group: Pseudonym, thread_id: int | None) -> int:
        async with self._db.transaction():
            removed = await self._db.execute(
                "DELETE FROM meetings WHERE pseudonym = $1 AND thread_id = $2",
                group,
                thread_id or NO_THREAD,
            )
        await self._db.erased()
        return removed

    async def meetings(self, now: datetime) -> list[MeetingRecord]:
        rows = await self._db.fetch(
            "SELECT pseudonym, thread_id, sealed_chat, format_id, timer_minutes, "
            "started_at FROM meetings WHERE expires_at > $1",
            epoch(now),
        )
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
        async with self._db.transaction():
            if allowed:
                await self._db.execute(
                    "INSERT INTO meeting_chairs (pseudonym, thread_id, member, expires_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (pseudonym, thread_id, member) "
                    "DO UPDATE SET expires_at = excluded.expires_at",
                    group,
                    thread_id or NO_THREAD,
                    member,
                    epoch(now + GROUP_SETTINGS_LIFETIME),
                )
            else:
                await self._db.execute(
                    "DELETE FROM meeting_chairs WHERE pseudonym = $1 AND thread_id = $2 "
                    "AND member = $3",
                    group,
                    thread_id or NO_THREAD,
                    member,
                )

    async def may_chair(
        self, group: Pseudonym, thread_id: int | None, member: Pseudonym, now: datetime
    ) -> bool:
        """Allowed in this topic (or, outside forums, this group) by its admins."""
        row = await self._db.fetchrow(
            "SELECT 1 FROM meeting_chairs WHERE pseudonym = $1 AND thread_id = $2 "
            "AND member = $3 AND expires_at > $4",
            group,
            thread_id or NO_THREAD,
            member,
            epoch(now),
        )
        return row is not None
