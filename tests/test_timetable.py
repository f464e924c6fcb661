"""The arithmetic of scheduled meetings (pure): days as admins type them, starts in a
group's zone across daylight saving, and what the tick owes around each start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.schedule import local_instant
from bot.meetings.timetable import (
    EVERY_DAY,
    LATE_OPEN,
    NOTICE_BEFORE,
    WEEKDAYS,
    WEEKEND,
    Action,
    Stage,
    next_start,
    parse_days,
    replanned,
    starts_between,
    step,
    weekdays_of,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("daily", EVERY_DAY),
        ("Diario", EVERY_DAY),
        ("weekdays", WEEKDAYS),
        ("laborables", WEEKDAYS),
        ("weekends", WEEKEND),
        ("mon,wed,fri", 0b0010101),
        ("Mon, Wed, Fri", 0b0010101),
        ("sat", 0b0100000),
        ("sunday", 0b1000000),
        ("mon-fri", WEEKDAYS),
        ("fri-mon", 0b1110001),
        ("lun,mié,vie", 0b0010101),
        ("sáb", 0b0100000),
        ("tue/thu", 0b0001010),
    ],
)
def test_days_as_admins_type_them(typed: str, days: int) -> None:
    assert parse_days(typed) == days


@pytest.mark.parametrize("typed", ["", "someday", "mo", "mon,xyz", "21:00", "-"])
def test_what_is_not_days(typed: str) -> None:
    assert parse_days(typed) is None


def test_weekdays_of_counts_from_monday() -> None:
    assert weekdays_of(0b0010101) == [0, 2, 4]


def test_a_start_keeps_its_local_time_in_winter_and_summer() -> None:
    winter = next_start(EVERY_DAY, 21 * 60, LONDON, after=datetime(2027, 1, 4, 12, tzinfo=UTC))
    summer = next_start(EVERY_DAY, 21 * 60, LONDON, after=datetime(2027, 7, 5, 12, tzinfo=UTC))
    assert winter == datetime(2027, 1, 4, 21, tzinfo=UTC)
    assert summer == datetime(2027, 7, 5, 20, tzinfo=UTC)


def test_the_week_the_clocks_go_forward_and_back() -> None:
    # London: 28 March 2027 01:00 GMT becomes 02:00 BST; 31 October 02:00 BST becomes 01:00.
    spring = starts_between(
        EVERY_DAY,
        9 * 60,
        LONDON,
        datetime(2027, 3, 26, tzinfo=UTC),
        datetime(2027, 3, 30, tzinfo=UTC),
    )
    assert [s.hour for s in spring] == [9, 9, 8, 8]  # UTC: the meeting stays at 09:00 local
    gap = next_start(0b1000000, 60 + 30, LONDON, after=datetime(2027, 3, 27, tzinfo=UTC))
    assert gap == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # 01:30 does not exist: 02:00 BST
    twice = next_start(0b1000000, 60 + 30, LONDON, after=datetime(2027, 10, 30, tzinfo=UTC))
    assert twice == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # the first 01:30 (BST)


def test_only_the_days_named() -> None:
    found = starts_between(
        0b0010101,
        19 * 60,
        NEW_YORK,
        datetime(2027, 1, 4, tzinfo=UTC),  # a Monday
        datetime(2027, 1, 11, tzinfo=UTC),
    )
    assert [s.astimezone(NEW_YORK).strftime("%a %H:%M") for s in found] == [
        "Mon 19:00",
        "Wed 19:00",
        "Fri 19:00",
    ]


def _walk(start: datetime, stage: Stage, now: datetime) -> tuple[Action | None, Stage, datetime]:
    decided = step(EVERY_DAY, 21 * 60, LONDON, HOUR, start=start, stage=stage, now=now)
    return decided.action, decided.stage, decided.next_at


def test_notice_open_and_close_in_order() -> None:
    start = datetime(2027, 1, 4, 21, tzinfo=UTC)
    first = replanned(EVERY_DAY, 21 * 60, LONDON, now=datetime(2027, 1, 4, 12, tzinfo=UTC))
    assert (first.start, first.stage, first.next_at) == (
        start,
        Stage.WAITING,
        start - NOTICE_BEFORE,
    )
    assert _walk(start, Stage.WAITING, start - NOTICE_BEFORE - timedelta(seconds=1))[0] is None
    assert _walk(start, Stage.WAITING, start - NOTICE_BEFORE) == (
        Action.NOTICE,
        Stage.NOTICED,
        start,
    )
    assert _walk(start, Stage.NOTICED, start) == (Action.OPEN, Stage.OPEN, start + HOUR)
    assert _walk(start, Stage.OPEN, start + 30 * timedelta(minutes=1))[0] is None
    closed = step(EVERY_DAY, 21 * 60, LONDON, HOUR, start=start, stage=Stage.OPEN, now=start + HOUR)
    assert closed.action is Action.CLOSE
    assert closed.start == start + timedelta(days=1)
    assert closed.stage is Stage.WAITING
    assert closed.next_at == start + timedelta(days=1) - NOTICE_BEFORE


def test_a_bot_that_was_down() -> None:
    start = datetime(2027, 1, 4, 21, tzinfo=UTC)
    tomorrow = start + timedelta(days=1)
    # Back during the notice's quarter hour: the notice, then the open as usual.
    assert _walk(start, Stage.WAITING, start - timedelta(minutes=5))[0] is Action.NOTICE
    # Back a little late: no notice (it has started), opened late.
    assert _walk(start, Stage.WAITING, start + timedelta(minutes=10))[0] is Action.OPEN
    # Too late to open: left to the members, and the next start is tracked.
    late = step(
        EVERY_DAY, 21 * 60, LONDON, HOUR, start=start, stage=Stage.NOTICED, now=start + LATE_OPEN
    )
    assert (late.action, late.start) == (None, tomorrow)
    # Down through the whole meeting it did not open: nothing owed, no close.
    missed = step(
        EVERY_DAY, 21 * 60, LONDON, HOUR, start=start, stage=Stage.WAITING, now=start + 2 * HOUR
    )
    assert (missed.action, missed.start) == (None, tomorrow)
    # Down through the end of one it opened: closed once, late.
    owed = step(
        EVERY_DAY, 21 * 60, LONDON, HOUR, start=start, stage=Stage.OPEN, now=start + 3 * HOUR
    )
    assert (owed.action, owed.start) == (Action.CLOSE, tomorrow)
    # Down for days: the next start from now, never one per missed day.
    days_later = start + timedelta(days=3, hours=2)
    gone = step(EVERY_DAY, 21 * 60, LONDON, HOUR, start=start, stage=Stage.OPEN, now=days_later)
    assert (gone.action, gone.start) == (Action.CLOSE, start + timedelta(days=4))


def test_the_quick_way_agrees_with_the_full_rule_all_year() -> None:
    """starts_between takes a shortcut where a zone's clocks do not change: over a year of
    six-hour windows in zones with and without daylight saving, it finds exactly the
    starts the full rule (local_instant, day by day) finds."""
    zones = [
        ZoneInfo(name)
        for name in (
            "Europe/London",
            "America/New_York",
            "Australia/Sydney",
            "Asia/Kolkata",
            "Pacific/Chatham",
            "America/Sao_Paulo",
        )
    ]
    window = timedelta(hours=6)
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    while moment < datetime(2028, 1, 1, tzinfo=UTC):
        for zone in zones:
            for minute in (0, 90, 150, 21 * 60 + 45):
                found = starts_between(EVERY_DAY, minute, zone, moment, moment + window)
                day = moment.astimezone(zone).date() - timedelta(days=1)
                expected = []
                for offset in range(3):
                    at = local_instant(day + timedelta(days=offset), minute, zone)
                    if moment <= at < moment + window:
                        expected.append(at)
                assert found == expected, (zone, minute, moment)
        moment += timedelta(hours=5, minutes=17)
