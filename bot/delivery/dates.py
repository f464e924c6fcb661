"""Which day a member asked for: '29 Feb', 'Feb 29', '02-29', '31/12', '25.12',
'2026-03-05', '5 March 2026', 'tomorrow' (pure)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.platform.textfold import fold

MONTHS = {
    # English, then Spanish; three letters are enough to recognise a month.
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "ene": 1,
    "abr": 4,
    "ago": 8,
    "dic": 12,
}
RELATIVE = {"today": 0, "hoy": 0, "tomorrow": 1, "manana": 1, "yesterday": -1, "ayer": -1}
# Every day of the year has a reflection, 29 February included: check against a leap year.
_LEAP_YEAR = 2024


def parse_day(text: str, today: date) -> tuple[int, int] | None:
    """(month, day) for what was typed, or None when it is not a day we understand."""
    words = fold(text).strip().replace(",", " ").split()
    if not words:
        return None
    if len(words) == 1 and words[0] in RELATIVE:
        day = today + timedelta(days=RELATIVE[words[0]])
        return day.month, day.day
    joined = " ".join(w for w in words if w != "de")
    found = re.fullmatch(r"\d{4}-(\d{1,2})-(\d{1,2})", joined)  # ISO: the year does not matter
    if found:
        return _checked(int(found.group(1)), int(found.group(2)))
    joined = re.sub(r"(?:[-/. ]\d{4})$", "", joined)  # a year after the day: "5 March 2026"
    found = re.fullmatch(r"(\d{1,2})([-/.])(\d{1,2})", joined)
    if found:
        return _numeric(int(found.group(1)), found.group(2), int(found.group(3)))
    found = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?", joined) or None
    if found:
        return _named(found.group(2), int(found.group(1)))
    found = re.fullmatch(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?", joined)
    if found:
        return _named(found.group(1), int(found.group(2)))
    return None


def _numeric(first: int, separator: str, second: int) -> tuple[int, int] | None:
    """Two numbers: a day over 12 says which is which ("31/12", "12/31"); otherwise a dot
    is day first, as where it is written ("25.12"), and a dash or slash month first, as in
    ISO dates ("02-29")."""
    if first > 12 or (separator == "." and second <= 12):
        return _checked(second, first)
    return _checked(first, second)


def _named(month_name: str, day: int) -> tuple[int, int] | None:
    month = MONTHS.get(month_name[:3])
    return None if month is None else _checked(month, day)


def _checked(month: int, day: int) -> tuple[int, int] | None:
    try:
        date(_LEAP_YEAR, month, day)
    except ValueError:
        return None
    return month, day


def shift(month: int, day: int, days: int) -> tuple[int, int]:
    """The day before or after, walking a leap year so 29 February has neighbours."""
    moved = date(_LEAP_YEAR, month, day) + timedelta(days=days)
    return moved.month, moved.day
