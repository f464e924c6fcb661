"""Counting days (pure): the date a member gives, how many days since, and the milestones
ahead (24 hours; 30, 60 and 90 days; 6 and 9 months; a year, and each year after).

Days are whole local days in the member's zone: from 14 March to 15 March is one day,
whatever the clocks did in between. Months and years are calendar ones: six months from
31 August is the last day of February, and a year from 29 February is 28 February.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.delivery.dates import RELATIVE, parse_day
from bot.platform.textfold import fold

DAY_MILESTONES = (30, 60, 90)
MONTH_MILESTONES = (6, 9)


@dataclass(frozen=True)
class Milestone:
    unit: str  # "hours" (the first 24), "days", "months" or "years"
    amount: int
    on: date


def parse_start(text: str, today: date) -> date | None:
    """A date as /reflection takes one ("2025-03-14", "14 March 2025", "14/03/2025",
    "March 14", "yesterday"), with its year; none given, the last such day not after
    today. None for what is not a date, or one that never was (30 February)."""
    words = fold(text).strip().replace(",", " ")
    if words in RELATIVE:
        return today + timedelta(days=RELATIVE[words])
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", words)
    if iso:
        return _real(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    year_at_end = re.search(r"[-/. ](\d{4})$", words)
    found = parse_day(words, today)
    if found is None:
        return None
    month, day = found
    if year_at_end is not None:
        return _real(int(year_at_end.group(1)), month, day)
    this_year = _real(today.year, month, day)
    if this_year is not None and this_year <= today:
        return this_year
    for year in range(today.year - 1, today.year - 9, -1):  # 29 February: the last one
        earlier = _real(year, month, day)
        if earlier is not None:
            return earlier
    return None


def _real(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def days_since(start: date, today: date) -> int:
    return (today - start).days


def add_months(start: date, months: int) -> date:
    """The same day so many calendar months on, or that month's last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def milestones(start: date) -> list[Milestone]:
    """The milestones of the first year, in order; then each year's, from next_milestone."""
    found = [Milestone("hours", 24, start + timedelta(days=1))]
    found += [Milestone("days", n, start + timedelta(days=n)) for n in DAY_MILESTONES]
    found += [Milestone("months", n, add_months(start, n)) for n in MONTH_MILESTONES]
    found.append(Milestone("years", 1, add_months(start, 12)))
    return found


def next_milestone(start: date, today: date) -> Milestone:
    """The first milestone after today."""
    for milestone in milestones(start):
        if milestone.on > today:
            return milestone
    years = max(2, (today.year - start.year))
    while True:
        on = add_months(start, 12 * years)
        if on > today:
            return Milestone("years", years, on)
        years += 1


def milestone_on(start: date, day: date) -> Milestone | None:
    """The milestone that falls on day, if one does."""
    for milestone in milestones(start):
        if milestone.on == day:
            return milestone
    years = day.year - start.year
    if years >= 2 and add_months(start, 12 * years) == day:
        return Milestone("years", years, day)
    return None
