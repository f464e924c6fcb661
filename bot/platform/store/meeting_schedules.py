"""What a group's scheduled meetings need kept (meeting_schedules): the days, time, zone,
format and title its admins chose, per topic, and how far the tick has come with the
next start.

Only this table is read or written here. A row holds the group's pseudonym and its sealed
id (to post in it), never the raw chat id, and nothing about any member. The tick claims
the rows it works on for a while (a lease and a random claim number), as deliveries are
claimed, so any number of instances may tick and each start is handled by one of them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store import dialects
from bot.platform.store.directory_mark import mark_directory_changed
from bot.platform.store.schema import NO_THREAD, epoch
from bot.platform.store.tables import Tables

# A schedule lives while its tick looks at it; one not looked at for this long (the bot
# was stopped for months) goes.
SCHEDULE_LIFETIME = timedelta(days=60)


@dataclass(frozen=True)
class MeetingSchedule:
    group: Pseudonym
    thread_id: int | None
    slot: str  # a short random name, unique in its topic
    sealed_chat: SealedId
    days: int  # bits, Monday first (bot.meetings.timetable)
    minute: int  # of the local day
    zone: str
    format_id: str
    title: str  # as the admins wrote it; may be empty
    language: str  # what the bot's notices in the group are written in
    start_at: datetime  # the start the tick is working towards or through
    stage: int  # bot.meetings.timetable.Stage, for start_at
    next_at: datetime  # when the tick looks again


class MeetingScheduleStore(Protocol):
    async def add_schedule(self, schedule: MeetingSchedule, now: datetime) -> None: ...
    async def schedules_of(self, group: Pseudonym) -> list[MeetingSchedule]: ...
    async def remove_schedule(self, group: Pseudonym, thread_id: int | None, slot: str) -> int: ...
    async def claim_due_schedules(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[MeetingSchedule]: ...
    async def schedule_stepped(self, schedule: MeetingSchedule, now: datetime) -> None: ...
    async def release_schedule(self, schedule: MeetingSchedule) -> None: ...


def new_slot() -> str:
    return secrets.token_hex(4)


SCHEDULE_COLUMNS = (
    "pseudonym",
    "thread_id",
    "slot",
    "sealed_chat",
    "days",
    "minute",
    "zone",
    "format_id",
    "title",
    "language",
    "start_at",
    "stage",
    "next_at",
)
_COLUMNS = ", ".join(SCHEDULE_COLUMNS)


class MeetingSchedulesTables(Tables):
    async def add_schedule(self, schedule: MeetingSchedule, now: datetime) -> None:
        """A new schedule, or one planned afresh (the group's zone changed)."""
        s = schedule
        async with self._db.transaction():
            await self._db.execute(
                f"INSERT INTO meeting_schedules ({_COLUMNS}, expires_at) "  # noqa: S608 - fixed columns
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
                "ON CONFLICT (pseudonym, thread_id, slot) DO UPDATE SET "
                "sealed_chat = excluded.sealed_chat, zone = excluded.zone, "
                "start_at = excluded.start_at, stage = excluded.stage, "
                "next_at = excluded.next_at, expires_at = excluded.expires_at",
                s.group,
                s.thread_id or NO_THREAD,
                s.slot,
                s.sealed_chat,
                s.days,
                s.minute,
                s.zone,
                s.format_id,
                s.title,
                s.language,
                epoch(s.start_at),
                s.stage,
                epoch(s.next_at),
                epoch(max(now, s.next_at) + SCHEDULE_LIFETIME),
            )
            await mark_directory_changed(self._db)

    async def schedules_of(self, group: Pseudonym) -> list[MeetingSchedule]:
        """The group's schedules, every topic's, earliest in the day first."""
        found = await self._schedules("pseudonym = $1", group)
        return sorted(found, key=lambda s: (s.minute, s.days, s.slot))

    async def remove_schedule(self, group: Pseudonym, thread_id: int | None, slot: str) -> int:
        async with self._db.transaction():
            removed = await self._db.execute(
                "DELETE FROM meeting_schedules WHERE pseudonym = $1 AND thread_id = $2 "
                "AND slot = $3",
                group,
                thread_id or NO_THREAD,
                slot,
            )
            await mark_directory_changed(self._db)
        await self._db.erased()
        return removed

    async def claim_due_schedules(
        self, now: datetime, limit: int, lease: timedelta
    ) -> list[MeetingSchedule]:
        """Take up to limit schedules whose next look is due, oldest first, for lease.
        Rows another tick holds are passed over; a lease whose instance died runs out."""
        claim = secrets.token_hex(8)
        lock = dialects.skip_rows_others_hold(self._db)
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE meeting_schedules SET lease_until = $1, claimed_by = $2 "  # noqa: S608 - fixed clauses
                "WHERE (pseudonym, thread_id, slot) IN ("
                "SELECT pseudonym, thread_id, slot FROM meeting_schedules "
                f"WHERE lease_until <= $3 AND next_at <= $3 ORDER BY next_at LIMIT $4{lock})",
                epoch(now + lease),
                claim,
                epoch(now),
                limit,
            )
            claimed = await self._schedules("claimed_by = $1", claim)
        return sorted(claimed, key=lambda s: s.next_at)

    async def schedule_stepped(self, schedule: MeetingSchedule, now: datetime) -> None:
        """The tick's look is done: the start, stage and next look it decided, claim let go."""
        s = schedule
        async with self._db.transaction():
            await self._db.execute(
                "UPDATE meeting_schedules SET start_at = $1, stage = $2, next_at = $3, "
                "expires_at = $4, lease_until = 0, claimed_by = NULL "
                "WHERE pseudonym = $5 AND thread_id = $6 AND slot = $7",
                epoch(s.start_at),
                s.stage,
                epoch(s.next_at),
                epoch(max(now, s.next_at) + SCHEDULE_LIFETIME),
                s.group,
                s.thread_id or NO_THREAD,
                s.slot,
            )

    async def release_schedule(self, schedule: MeetingSchedule) -> None:
        """Let go of a claimed schedule left as it was (the look failed for now)."""
        s = schedule
        await self._db.execute(
            "UPDATE meeting_schedules SET lease_until = 0, claimed_by = NULL "
            "WHERE pseudonym = $1 AND thread_id = $2 AND slot = $3",
            s.group,
            s.thread_id or NO_THREAD,
            s.slot,
        )

    async def _schedules(self, where: str, *values: object) -> list[MeetingSchedule]:
        query = f"SELECT {_COLUMNS} FROM meeting_schedules WHERE {where}"  # noqa: S608 - fixed clauses
        rows = await self._db.fetch(query, *values)
        return [schedule_of(tuple(row)) for row in rows]


def schedule_of(row: tuple[Any, ...]) -> MeetingSchedule:
    """A row of SCHEDULE_COLUMNS as a schedule."""
    return MeetingSchedule(
        group=Pseudonym(str(row[0])),
        thread_id=int(row[1]) or None,
        slot=str(row[2]),
        sealed_chat=SealedId(str(row[3])),
        days=int(row[4]),
        minute=int(row[5]),
        zone=str(row[6]),
        format_id=str(row[7]),
        title=str(row[8]),
        language=str(row[9]),
        start_at=datetime.fromtimestamp(int(row[10]), UTC),
        stage=int(row[11]),
        next_at=datetime.fromtimestamp(int(row[12]), UTC),
    )
