"""What the meeting directory keeps (meeting_listings): the groups whose admins listed their
scheduled meetings, with what they publish about the group: the invite link the bot made
for it, the language, whether newcomers are welcome and whether admins approve each
person who asks to join.

This module writes only meeting_listings; to answer /meetings it reads the listed groups'
meeting_schedules beside it. Nothing here is about any member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store.directory_mark import directory_mark, mark_directory_changed
from bot.platform.store.meeting_schedules import SCHEDULE_COLUMNS, MeetingSchedule, schedule_of
from bot.platform.store.schema import epoch
from bot.platform.store.tables import Tables

# A listing lives while its link is checked; one not checked for this long goes.
LISTING_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class Listing:
    group: Pseudonym
    sealed_chat: SealedId
    invite_link: str
    language: str
    newcomers: bool
    approval: bool  # the link asks the admins to approve each person
    checked_at: datetime


class MeetingListingStore(Protocol):
    async def list_group(self, listing: Listing, now: datetime) -> None: ...
    async def listing(self, group: Pseudonym) -> Listing | None: ...
    async def unlist_group(self, group: Pseudonym) -> int: ...
    async def listed_meetings(self) -> list[tuple[MeetingSchedule, Listing]]: ...
    async def directory_mark(self) -> str | None: ...
    async def claim_listings_to_check(
        self, now: datetime, every: timedelta, limit: int
    ) -> list[Listing]: ...


_LISTING_COLUMNS = "pseudonym, sealed_chat, invite_link, language, newcomers, approval, checked_at"


class MeetingListingsTables(Tables):
    async def list_group(self, listing: Listing, now: datetime) -> None:
        item = listing
        async with self._db.transaction():
            await self._db.execute(
                f"INSERT INTO meeting_listings ({_LISTING_COLUMNS}, expires_at) "  # noqa: S608 - fixed columns
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (pseudonym) DO UPDATE SET "
                "sealed_chat = excluded.sealed_chat, invite_link = excluded.invite_link, "
                "language = excluded.language, newcomers = excluded.newcomers, "
                "approval = excluded.approval, checked_at = excluded.checked_at, "
                "expires_at = excluded.expires_at",
                item.group,
                item.sealed_chat,
                item.invite_link,
                item.language,
                int(item.newcomers),
                int(item.approval),
                epoch(item.checked_at),
                epoch(now + LISTING_LIFETIME),
            )
            await mark_directory_changed(self._db)

    async def listing(self, group: Pseudonym) -> Listing | None:
        rows = await self._db.fetch(
            f"SELECT {_LISTING_COLUMNS} FROM meeting_listings WHERE pseudonym = $1",  # noqa: S608 - fixed columns
            group,
        )
        return _listing_of(tuple(rows[0])) if rows else None

    async def unlist_group(self, group: Pseudonym) -> int:
        async with self._db.transaction():
            removed = await self._db.execute(
                "DELETE FROM meeting_listings WHERE pseudonym = $1", group
            )
            await mark_directory_changed(self._db)
        await self._db.erased()
        return removed

    async def listed_meetings(self) -> list[tuple[MeetingSchedule, Listing]]:
        """Every scheduled meeting of every listed group, with its group's listing."""
        schedule_columns = ", ".join(f"s.{c}" for c in SCHEDULE_COLUMNS)
        listing_columns = ", ".join(f"l.{c.strip()}" for c in _LISTING_COLUMNS.split(","))
        rows = await self._db.fetch(
            f"SELECT {schedule_columns}, {listing_columns} FROM meeting_schedules AS s "  # noqa: S608 - fixed columns
            "JOIN meeting_listings AS l ON l.pseudonym = s.pseudonym"
        )
        width = len(SCHEDULE_COLUMNS)
        return [(schedule_of(tuple(row)[:width]), _listing_of(tuple(row)[width:])) for row in rows]

    async def directory_mark(self) -> str | None:
        """Changed whenever listed_meetings may have (see directory_mark.py)."""
        return await directory_mark(self._db)

    async def claim_listings_to_check(
        self, now: datetime, every: timedelta, limit: int
    ) -> list[Listing]:
        """Up to limit listings not checked for `every`, marked checked now, so another
        instance's tick passes them over; their lives are renewed."""
        async with self._db.transaction():
            rows = await self._db.fetch(
                f"SELECT {_LISTING_COLUMNS} FROM meeting_listings "  # noqa: S608 - fixed columns
                "WHERE checked_at <= $1 ORDER BY checked_at LIMIT $2",
                epoch(now - every),
                limit,
            )
            due = []
            for listing in (_listing_of(tuple(row)) for row in rows):
                taken = await self._db.execute(
                    "UPDATE meeting_listings SET checked_at = $1, expires_at = $2 "
                    "WHERE pseudonym = $3 AND checked_at = $4",
                    epoch(now),
                    epoch(now + LISTING_LIFETIME),
                    listing.group,
                    epoch(listing.checked_at),
                )
                if taken:  # else another instance's tick took it first
                    due.append(listing)
        return due


def _listing_of(row: tuple[Any, ...]) -> Listing:
    return Listing(
        group=Pseudonym(str(row[0])),
        sealed_chat=SealedId(str(row[1])),
        invite_link=str(row[2]),
        language=str(row[3]),
        newcomers=bool(row[4]),
        approval=bool(row[5]),
        checked_at=datetime.fromtimestamp(int(row[6]), UTC),
    )
