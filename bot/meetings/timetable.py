"""When a group's scheduled meetings happen (pure): the days a schedule names, its starts in
the group's zone across daylight saving, and what the schedule tick owes at a moment.

A schedule is a set of weekdays and a minute of the local day in a zone. Each start is
a local wall time, so a meeting at 21:00 in London is at 21:00 there in winter and in
summer; a start in a gap (clocks jump forward) moves to the first minute after it, one
in an hour that happens twice is at its first (bot.delivery.schedule.local_instant).

Around each start the tick owes at most three things, in order: a notice NOTICE_BEFORE
ahead, the open at the start (if it is less than LATE_OPEN late: a bot that was down
longer leaves that meeting to the members), and the close once the format's length has
passed, for a meeting the bot opened. `step` says which, from what was done so far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum, IntEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.delivery.schedule import MINUTES_IN_DAY, local_instant
from bot.platform.textfold import fold

NOTICE_BEFORE = timedelta(minutes=15)
LATE_OPEN = timedelta(minutes=15)

EVERY_DAY = 0b1111111  # bit 0 is Monday, as date.weekday() counts
WEEKDAYS = 0b0011111
WEEKEND = 0b1100000

# Three letters name a day, in English or Spanish ("mié" and "sáb" fold to these).
_DAY_NAMES = {
    "mon": 0,
    "tue": 1,
    "wed": 2,
    "thu": 3,
    "fri": 4,
    "sat": 5,
    "sun": 6,
    "lun": 0,
    "mar": 1,
    "mie": 2,
    "jue": 3,
    "vie": 4,
    "sab": 5,
    "dom": 6,
}
_SETS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "diario": EVERY_DAY,
    "diaria": EVERY_DAY,
    "weekdays": WEEKDAYS,
    "laborables": WEEKDAYS,
    "weekends": WEEKEND,
    "weekend": WEEKEND,
    "findes": WEEKEND,
}


def parse_days(text: str) -> int | None:
    """'daily', 'weekdays', 'weekends', 'mon,wed,fri', 'sat', 'mon-fri', 'lun,mié' -> the
    days as bits (Monday first); None if it is not days we understand."""
    words = fold(text).strip().lower()
    if words in _SETS:
        return _SETS[words]
    days = 0
    for part in re.split(r"[,;/ ]+", words):
        first, dash, last = part.partition("-")
        start, end = _day_of(first), _day_of(last) if dash else _day_of(first)
        if start is None or end is None:
            return None
        day = start
        while True:  # a range may wrap the week: fri-mon
            days |= 1 << day
            if day == end:
                break
            day = (day + 1) % 7
    return days or None


def _day_of(word: str) -> int | None:
    # "monday", "mondays", "lunes", "wednesday": three letters are enough.
    return _DAY_NAMES.get(word[:3]) if len(word) >= 3 else None


def weekdays_of(days: int) -> list[int]:
    """The days' numbers, Monday (0) first."""
    return [day for day in range(7) if days >> day & 1]


def starts_between(
    days: int, minute: int, zone: ZoneInfo, start: datetime, end: datetime
) -> list[datetime]:
    """Every start (UTC) at or after start and before end, in order."""
    if not 0 < days <= EVERY_DAY or not 0 <= minute < MINUTES_IN_DAY:
        raise ValueError("not a schedule")
    found = []
    # A day either side of the local days the window spans: zones run up to 14 hours
    # ahead of UTC and a start in a gap moves forward.
    day: date = start.astimezone(zone).date() - timedelta(days=1)
    last: date = end.astimezone(zone).date() + timedelta(days=1)
    steady = _steady_offset(zone, start - _MARGIN, end + _MARGIN)
    wall = time(minute // 60, minute % 60)
    while day <= last:
        if days >> day.weekday() & 1:
            if steady is not None:
                at = (datetime.combine(day, wall) - steady).replace(tzinfo=UTC)
            else:
                at = local_instant(day, minute, zone)
            if start <= at < end:
                found.append(at)
        day += timedelta(days=1)
    return found


_MARGIN = timedelta(days=2)


@lru_cache(maxsize=512)  # one look at the directory asks this of the same few zones, often
def _steady_offset(zone: ZoneInfo, start: datetime, end: datetime) -> timedelta | None:
    """The zone's offset from UTC if it is the same at both ends of a span of days: then
    its clocks do not change within it (they change months apart), and a local minute is
    that far from UTC. The directory works out thousands of starts at a time: this keeps
    the full rule (local_instant) for the spans with a change."""
    before, after = start.astimezone(zone).utcoffset(), end.astimezone(zone).utcoffset()
    return before if before == after else None


def next_start(days: int, minute: int, zone: ZoneInfo, *, after: datetime) -> datetime:
    """The first start at or after `after` (a schedule has one at least each week)."""
    window = after + timedelta(days=8)
    return starts_between(days, minute, zone, after, window)[0]


class Stage(IntEnum):
    """How far the schedule's current start has come."""

    WAITING = 0
    NOTICED = 1
    OPEN = 2  # the bot opened it (or found one running): it closes it at the end


class Action(Enum):
    NOTICE = "notice"
    OPEN = "open"
    CLOSE = "close"


@dataclass(frozen=True)
class Step:
    """What one look at a schedule decides: what to do now (if anything), and what the
    schedule then tracks and when to look at it again."""

    action: Action | None
    start: datetime  # the start tracked after the action
    stage: Stage
    next_at: datetime


def waiting_for(start: datetime) -> Step:
    """Nothing done yet for start: look again when its notice is due."""
    return Step(None, start, Stage.WAITING, start - NOTICE_BEFORE)


def step(
    days: int,
    minute: int,
    zone: ZoneInfo,
    length: timedelta,
    *,
    start: datetime,
    stage: Stage,
    now: datetime,
) -> Step:
    """What the tick owes at `now` for a schedule tracking `start` at `stage`."""
    end = start + length
    if now >= end:
        following = waiting_for(next_start(days, minute, zone, after=now))
        if stage is Stage.OPEN:
            return Step(Action.CLOSE, following.start, following.stage, following.next_at)
        return following  # missed while the bot was down
    if stage is Stage.OPEN:
        return Step(None, start, stage, end)
    if now >= start:
        if now - start < LATE_OPEN:
            return Step(Action.OPEN, start, Stage.OPEN, end)
        return waiting_for(next_start(days, minute, zone, after=now))
    if now >= start - NOTICE_BEFORE and stage is Stage.WAITING:
        return Step(Action.NOTICE, start, Stage.NOTICED, start)
    return Step(None, start, stage, start if stage is Stage.NOTICED else start - NOTICE_BEFORE)


def replanned(days: int, minute: int, zone: ZoneInfo, *, now: datetime) -> Step:
    """A new schedule, or one whose zone changed: its next start, nothing done yet."""
    return waiting_for(next_start(days, minute, zone, after=now))
