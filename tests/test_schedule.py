"""Daily-delivery arithmetic, day parsing and time zones (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.dates import parse_day, shift
from bot.delivery.schedule import (
    clock_text,
    local_instant,
    next_due,
    owed_day,
    parse_clock,
)
from bot.delivery.zones import (
    ABBREVIATIONS,
    PICKER,
    all_zones,
    find_zone,
    offset_zone,
    suggest_zone,
    zone_label,
)
from bot.platform.catalog import Catalog
from bot.readings.reflections import load_reflections

BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")
TODAY = date(2026, 11, 22)


def test_a_local_minute_becomes_the_right_instant() -> None:
    assert local_instant(date(2026, 7, 1), 7 * 60, BERLIN) == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)
    assert local_instant(date(2026, 1, 1), 7 * 60, BERLIN) == datetime(2026, 1, 1, 6, 0, tzinfo=UTC)


def test_a_minute_that_does_not_exist_is_delivered_at_the_next_that_does() -> None:
    # Clocks jump from 02:00 to 03:00 in Berlin on 29 March 2026: 02:30 never happens.
    assert local_instant(date(2026, 3, 29), 150, BERLIN) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # Sydney jumps from 02:00 to 03:00 on 4 October 2026.
    assert local_instant(date(2026, 10, 4), 150, SYDNEY) == datetime(2026, 10, 3, 16, 0, tzinfo=UTC)


def test_a_minute_that_happens_twice_is_delivered_once_at_the_first() -> None:
    # Clocks go back from 03:00 to 02:00 in Berlin on 25 October 2026: 02:30 happens twice.
    first = local_instant(date(2026, 10, 25), 150, BERLIN)
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after_first = next_due(
        150, BERLIN, after=first + timedelta(minutes=1), delivered=date(2026, 10, 25)
    )
    assert after_first == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_next_due_is_once_a_local_day() -> None:
    now = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    due = next_due(7 * 60, BERLIN, after=now, delivered=None)
    assert due == datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    assert next_due(7 * 60, BERLIN, after=due, delivered=date(2026, 11, 22)) == due + timedelta(
        days=1
    )
    # Subscribing after today's minute has passed starts tomorrow.
    late = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert next_due(7 * 60, BERLIN, after=late, delivered=None) == due + timedelta(days=1)


def test_the_catch_up_window_is_six_hours() -> None:
    due = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    owed = owed_day(7 * 60, BERLIN, now=due + timedelta(hours=5, minutes=59), delivered=None)
    assert owed == date(2026, 11, 22)
    assert owed_day(7 * 60, BERLIN, now=due + timedelta(hours=6, minutes=1), delivered=None) is None


@pytest.mark.parametrize(
    ("typed", "minute"),
    [
        ("07:30", 450),
        ("7:30", 450),
        ("7.30", 450),
        ("0730", 450),
        ("7", 420),
        ("23:59", 1439),
        ("19h30", 1170),
        ("7am", 420),
        ("7 am", 420),
        ("7.30pm", 1170),
        ("7:30 p.m.", 1170),
        ("12am", 0),
        ("12 pm", 720),
    ],
)
def test_clock_times(typed: str, minute: int) -> None:
    assert parse_clock(typed) == minute
    assert clock_text(minute) == f"{minute // 60:02d}:{minute % 60:02d}"


@pytest.mark.parametrize(
    "typed", ["24:00", "7:3", "noon", "", "12:60", "-1", "13pm", "0am", "pm", "7.5pm"]
)
def test_not_clock_times(typed: str) -> None:
    assert parse_clock(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("29 Feb", (2, 29)),
        ("Feb 29", (2, 29)),
        ("02-29", (2, 29)),
        ("2/29", (2, 29)),
        ("1st January", (1, 1)),
        ("3 de enero", (1, 3)),
        ("Jan. 5", (1, 5)),
        ("tomorrow", (11, 23)),
        ("yesterday", (11, 21)),
        ("today", (11, 22)),
        ("mañana", (11, 23)),
        # A day over 12 says which number is which; a dot is day first.
        ("31/12", (12, 31)),
        ("12/31", (12, 31)),
        ("13-01", (1, 13)),
        ("25.12", (12, 25)),
        ("05.03", (3, 5)),
        ("2026-03-05", (3, 5)),
        ("5 March 2026", (3, 5)),
        ("March 5, 2026", (3, 5)),
        ("5 de marzo de 2026", (3, 5)),
    ],
)
def test_days_members_type(typed: str, expected: tuple[int, int]) -> None:
    assert parse_day(typed, TODAY) == expected


@pytest.mark.parametrize("typed", ["30 Feb", "13-13", "31/02", "hello", "", "feb", "32 jan"])
def test_days_that_do_not_parse(typed: str) -> None:
    assert parse_day(typed, TODAY) is None


def test_neighbouring_days_walk_a_leap_year() -> None:
    assert shift(2, 28, 1) == (2, 29)
    assert shift(3, 1, -1) == (2, 29)
    assert shift(12, 31, 1) == (1, 1)


def test_zones_are_found_and_suggested() -> None:
    assert find_zone("europe/berlin") == "Europe/Berlin"
    assert find_zone("New York") == "America/New_York"
    assert find_zone("Atlantis/Lost") is None
    assert suggest_zone("Europe/Berln") == "Europe/Berlin"
    assert suggest_zone("Sidney") == "Australia/Sydney"
    for cities in PICKER.values():
        for city in cities:
            assert find_zone(city) == city


def test_january_has_a_reflection_every_day() -> None:
    reflections = load_reflections()
    assert [f"01-{d:02d}" for d in range(1, 32)] == sorted(
        k for k in reflections if k.startswith("01-")
    )
    for reflection in reflections.values():
        assert 120 <= len(reflection.body.split()) <= 250
        assert reflection.question.endswith("?")


@pytest.mark.parametrize(
    ("typed", "zone", "exact", "label"),
    [
        ("GMT+2", "Etc/GMT-2", True, "UTC+2"),
        ("utc -3", "Etc/GMT+3", True, "UTC-3"),
        ("UTC\u22125", "Etc/GMT+5", True, "UTC-5"),
        ("+14", "Etc/GMT-14", True, "UTC+14"),
        ("UTC+0", "UTC", True, "UTC"),
        ("UTC+5:30", "Asia/Kolkata", False, "Asia/Kolkata"),
        ("+0545", "Asia/Kathmandu", False, "Asia/Kathmandu"),
    ],
)
def test_offsets_mean_east_of_greenwich_as_people_write_them(
    typed: str, zone: str, exact: bool, label: str
) -> None:
    assert offset_zone(typed) == (zone, exact)
    assert zone_label(zone) == label
    if exact:
        offset = datetime(2027, 7, 1, tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()
        assert offset == timedelta(hours=int(label[3:] or 0))


@pytest.mark.parametrize("typed", ["UTC+5:17", "GMT+15", "Europe/Berlin", "EST", "7pm"])
def test_what_is_no_offset_is_left_to_the_other_readers(typed: str) -> None:
    assert offset_zone(typed) is None


def test_every_abbreviation_leads_to_a_zone_the_picker_can_offer() -> None:
    assert set(ABBREVIATIONS.values()) <= set(all_zones())


def test_every_city_in_the_picker_has_a_name_to_show() -> None:
    catalog = Catalog.load()
    for cities in PICKER.values():
        for city in cities:
            assert catalog.template(f"zone.cities.{city.rsplit('/', 1)[-1]}", "en")
