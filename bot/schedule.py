"""When a daily delivery is due: local minutes to UTC instants, across daylight saving (pure).

A subscription is a minute of the local day in a zone. Its next delivery is the first
local day after the last one delivered at that minute. A minute that does not exist that
day (clocks jump forward) is delivered at the next minute that does; a minute that
happens twice (clocks go back) is delivered once, at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A delivery missed (the bot was down) is still sent if it is less late than this.
CATCH_UP = timedelta(hours=6)
MINUTES_IN_DAY = 24 * 60


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


def is_too_late(due: datetime, now: datetime) -> bool:
    """Past the catch-up window: skip this one and send nothing."""
    return now - due > CATCH_UP


def parse_clock(text: str) -> int | None:
    """'07:30', '7:30', '7.30', '0730' or '7' -> minutes after midnight; None if not a time."""
    cleaned = text.strip().lower().replace(".", ":").replace("h", ":")
    if cleaned.isdigit() and len(cleaned) in (3, 4):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    elif cleaned.isdigit() and len(cleaned) <= 2:
        cleaned = f"{cleaned}:00"
    hours, sep, minutes = cleaned.partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    hour, minute = int(hours), int(minutes)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
