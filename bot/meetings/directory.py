"""The meeting directory (pure): which listed meetings someone asking "where is a meeting I
can join soon?" sees, and in what order.

Every listed group's scheduled meetings are worked out afresh for the window asked about
(bot.meetings.timetable), so daylight saving anywhere is what the zones say it is that
day. A meeting "starting now" began up to STARTED_AGO ago or begins within STARTING_IN;
"soon" is within SOON. Meetings in the asker's language come first, then the rest, each
by its start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.delivery.zones import zone_info
from bot.meetings.listed import Listed
from bot.meetings.timetable import starts_between
from bot.platform.store import Listing, MeetingSchedule

STARTED_AGO = timedelta(minutes=15)
STARTING_IN = timedelta(minutes=5)
SOON = timedelta(hours=6)
# When nothing is soon: the next ones, looking this far ahead.
AHEAD = timedelta(days=8)
MAX_SHOWN = 8
NEXT_SHOWN = 3
# A meeting offered beside a check-in or a hard moment: one this soon, in the member's
# language, or none.
OFFER_WITHIN = timedelta(hours=2)


@dataclass(frozen=True)
class Entry:
    """One start of one listed meeting."""

    start: datetime
    schedule: MeetingSchedule
    listing: Listing


@dataclass(frozen=True)
class Found:
    starting_now: list[Entry]
    soon: list[Entry]  # or, for a day asked about, that day's
    later: list[Entry]  # only when nothing is starting now or soon


def starts_in(listed: Listed, start: datetime, end: datetime, language: str | None) -> list[Entry]:
    """Every start of every listed meeting in [start, end), in `language` only if given."""
    found = []
    for schedule, listing in listed:
        if language is not None and listing.language != language:
            continue
        zone = zone_info(schedule.zone)
        for at in starts_between(schedule.days, schedule.minute, zone, start, end):
            found.append(Entry(at, schedule, listing))
    return found


def ordered(entries: list[Entry], preferred: str) -> list[Entry]:
    """The asker's language first, then by start; a group's link once per start time."""
    return sorted(
        entries, key=lambda e: (e.listing.language != preferred, e.start, e.schedule.slot)
    )


def find_soon(listed: Listed, now: datetime, *, preferred: str, language: str | None) -> Found:
    """What /meetings shows: starting now, then soon; with neither, the next ones."""
    window = starts_in(listed, now - STARTED_AGO, now + SOON, language)
    starting_now = [e for e in window if e.start <= now + STARTING_IN]
    soon = [e for e in window if e.start > now + STARTING_IN]
    later: list[Entry] = []
    if not window:
        ahead = starts_in(listed, now + SOON, now + AHEAD, language)
        later = sorted(ahead, key=lambda e: e.start)[:NEXT_SHOWN]
    return Found(
        ordered(starting_now, preferred)[:MAX_SHOWN],
        ordered(soon, preferred)[: max(0, MAX_SHOWN - len(starting_now))],
        later,
    )


def find_on_day(
    listed: Listed, start: datetime, end: datetime, *, preferred: str, language: str | None
) -> Found:
    """/meetings tomorrow: that local day's, from start to end."""
    day = ordered(starts_in(listed, start, end, language), preferred)
    return Found([], day[:MAX_SHOWN], [])


def soonest(listed: Listed, now: datetime, *, language: str) -> Entry | None:
    """The first meeting in `language` starting now or within OFFER_WITHIN, if any."""
    window = starts_in(listed, now - STARTED_AGO, now + OFFER_WITHIN, language)
    return min(window, key=lambda e: (e.start, e.schedule.slot), default=None)
