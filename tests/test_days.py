"""Counting days (pure): the dates members type, leap years, calendar months, and the
milestones ahead and on a day."""

from __future__ import annotations

from datetime import date

import pytest

from bot.days.count import (
    add_months,
    days_since,
    milestone_on,
    milestones,
    next_milestone,
    parse_start,
)

TODAY = date(2025, 12, 2)


@pytest.mark.parametrize(
    "typed",
    [
        "2025-03-14",
        "14 March 2025",
        "14/03/2025",
        "14.03.2025",
        "March 14, 2025",
        "14 de marzo de 2025",
        "march 14",
    ],
)
def test_the_forms_reflection_takes_with_a_year(typed: str) -> None:
    assert parse_start(typed, TODAY) == date(2025, 3, 14)
    assert days_since(date(2025, 3, 14), TODAY) == 263


def test_without_a_year_the_last_such_day() -> None:
    assert parse_start("25 Dec", TODAY) == date(2024, 12, 25)  # this year's has not come
    assert parse_start("1 Dec", TODAY) == date(2025, 12, 1)
    assert parse_start("today", TODAY) == TODAY
    assert parse_start("ayer", TODAY) == date(2025, 12, 1)
    assert parse_start("29 Feb", TODAY) == date(2024, 2, 29)  # the last leap day


@pytest.mark.parametrize(
    "typed", ["", "someday", "30 Feb 2025", "29 Feb 2025", "2025-13-01", "31/04/2025"]
)
def test_what_is_not_a_date(typed: str) -> None:
    assert parse_start(typed, TODAY) is None


def test_calendar_months_and_leap_years() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
    assert days_since(date(2024, 2, 28), date(2024, 3, 1)) == 2  # through 29 February


def test_the_milestones_in_order() -> None:
    start = date(2025, 3, 14)
    found = [(m.unit, m.amount, m.on) for m in milestones(start)]
    assert found == [
        ("hours", 24, date(2025, 3, 15)),
        ("days", 30, date(2025, 4, 13)),
        ("days", 60, date(2025, 5, 13)),
        ("days", 90, date(2025, 6, 12)),
        ("months", 6, date(2025, 9, 14)),
        ("months", 9, date(2025, 12, 14)),
        ("years", 1, date(2026, 3, 14)),
    ]
    assert next_milestone(start, TODAY).on == date(2025, 12, 14)
    assert next_milestone(start, date(2025, 3, 14)).unit == "hours"
    assert next_milestone(start, date(2026, 3, 14)) == next_milestone(start, date(2026, 3, 20))
    assert (
        next_milestone(start, date(2026, 3, 14)).amount,
        next_milestone(start, date(2026, 3, 14)).on,
    ) == (2, date(2027, 3, 14))


def test_a_milestone_falls_on_its_day_only() -> None:
    start = date(2024, 2, 29)
    assert milestone_on(start, date(2024, 3, 1)).unit == "hours"  # type: ignore[union-attr]
    assert milestone_on(start, date(2025, 2, 28)).amount == 1  # type: ignore[union-attr]
    assert milestone_on(start, date(2028, 2, 29)).amount == 4  # type: ignore[union-attr]
    assert milestone_on(start, date(2027, 2, 28)).amount == 3  # type: ignore[union-attr]
    assert milestone_on(start, date(2025, 3, 1)) is None
    every_day = [milestone_on(start, date.fromordinal(start.toordinal() + n)) for n in range(800)]
    assert sum(m is not None for m in every_day) == 8  # 24 h, 30/60/90 d, 6/9 m, 1 and 2 years
