"""When a daily delivery is due: local minutes to UTC instants, across daylight saving (pure).

A subscription is a minute of the local day in a zone, delivered once per local day. A
minute that does not exist that day (clocks jump forward) is delivered at the next minute
that does; a minute that happens twice (clocks go back) is delivered once, at its first.

The wall clock can jump, or the bot can be down for days: `plan` looks at a subscription
at any instant and says what is owed. After a jump forward the latest missed day goes out
once, if it is less than six hours late, never one per missed day; after a jump back,
no local day already delivered goes out again, and delivery resumes at the next local
day's minute instead of waiting for a next delivery planned days ahead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A delivery missed (the bot was down) is still sent if it is less late than this.
CATCH_UP = timedelta(hours=6)
MINUTES_IN_DAY = 24 * 60
# Pauses before trying a refused delivery again, growing; the last one repeats.
RETRY_BACKOFF = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))


@dataclass(frozen=True)
class Plan:
    """What one look at a subscription decides."""

    send: date | None  # the local day to deliver now; None: nothing now
    delivered: date | None  # the last delivered local day, as the clock now reads
    next_due_at: datetime  # when to look again (after the send, if there is one)


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local minute on a local day, as the rules above describe."""
    if not 0 <= minute < MINUTES_IN_DAY:
        raise ValueError(f"minute {minute} is not in a day")
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
    # A wall time in a gap does not survive the round trip through UTC; step forward.
    while wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        wall = (wall.replace(tzinfo=None) + timedelta(minutes=1)).replace(tzinfo=zone)
    return wall.replace(fold=0).astimezone(UTC)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def next_due(minute: int, zone: ZoneInfo, *, after: datetime, delivered: date | None) -> datetime:
    """The next instant to deliver: the first local day, from the day of `after` on, that
    is later than the last delivered day and whose minute is not already past."""
    day = local_day(after, zone)
    if delivered is not None and day <= delivered:
        day = delivered + timedelta(days=1)
    while True:
        due = local_instant(day, minute, zone)
        if due >= after.replace(second=0, microsecond=0):
            return due
        day += timedelta(days=1)


def delivered_as_of(delivered: date | None, now: datetime, zone: ZoneInfo) -> date | None:
    """The last delivered day as the clock now reads. A day later than today means the
    clock went back past it: today then counts as delivered, and no more than today."""
    today = local_day(now, zone)
    return today if delivered is not None and delivered > today else delivered


def owed_day(minute: int, zone: ZoneInfo, *, now: datetime, delivered: date | None) -> date | None:
    """The local day whose delivery is owed at `now`: the latest whose minute has come, if
    it was not delivered yet and is less than CATCH_UP late. Days missed before it are
    not owed: a member gets one late delivery, not a pile of them."""
    day = local_day(now, zone)
    due = local_instant(day, minute, zone)
    if due > now:
        day -= timedelta(days=1)
        due = local_instant(day, minute, zone)
    if now - due > CATCH_UP or (delivered is not None and day <= delivered):
        return None
    return day


def plan(
    minute: int, zone: ZoneInfo, *, now: datetime, due_at: datetime, delivered: date | None
) -> Plan:
    """What to do at `now` with a subscription due at `due_at` that last delivered
    `delivered`. One not yet due is only looked at again when the clock went back: then
    it is planned afresh from now, and nothing is sent."""
    delivered = delivered_as_of(delivered, now, zone)
    if due_at <= now:
        owed = owed_day(minute, zone, now=now, delivered=delivered)
        if owed is not None:
            return Plan(owed, delivered, next_due(minute, zone, after=now, delivered=owed))
    return Plan(None, delivered, next_due(minute, zone, after=now, delivered=delivered))


def retry_at(minute: int, zone: ZoneInfo, *, now: datetime, day: date, refusals: int) -> datetime:
    """When to try again a delivery of `day` refused `refusals` times in a row: after a
    growing pause while that day is still owed, else at the next day's minute."""
    pause = RETRY_BACKOFF[min(max(refusals, 1), len(RETRY_BACKOFF)) - 1]
    again = now + pause
    if again - local_instant(day, minute, zone) <= CATCH_UP:
        return again
    return next_due(minute, zone, after=now, delivered=day)


_MERIDIEM = re.compile(r"^(.*?)\s*([ap])\.?\s*m\.?$")


def parse_clock(text: str) -> int | None:
    """'07:30', '7:30', '7.30', '0730', '7', '19h30', '7am', '7.30 pm', '12 a.m.' -> minutes
    after midnight; None if not a time."""
    cleaned = text.strip().lower()
    half = None
    meridiem = _MERIDIEM.match(cleaned)
    if meridiem is not None:
        cleaned, half = meridiem.group(1), meridiem.group(2)
    cleaned = cleaned.replace(".", ":").replace("h", ":").rstrip(":")
    if cleaned.isdigit() and len(cleaned) in (3, 4):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    elif cleaned.isdigit() and len(cleaned) <= 2:
        cleaned = f"{cleaned}:00"
    hours, sep, minutes = cleaned.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    hour, minute = int(hours), int(minutes)
    if half is not None:  # a 12-hour clock: 12 a.m. is midnight, 12 p.m. noon
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
