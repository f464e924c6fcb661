"""Time zones: a short picker by region and city, typed IANA names, offsets such as
"GMT+2" or "UTC+5:30", common abbreviations, close suggestions."""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# A few cities per region for the buttons; anything else can be typed as an IANA name.
PICKER: dict[str, tuple[str, ...]] = {
    "Americas": (
        "America/Los_Angeles",
        "America/Denver",
        "America/Chicago",
        "America/New_York",
        "America/Halifax",
        "America/Mexico_City",
        "America/Bogota",
        "America/Sao_Paulo",
        "America/Buenos_Aires",
    ),
    "Europe & Africa": (
        "Europe/London",
        "Europe/Dublin",
        "Europe/Lisbon",
        "Europe/Madrid",
        "Europe/Paris",
        "Europe/Berlin",
        "Europe/Amsterdam",
        "Europe/Athens",
        "Africa/Lagos",
        "Africa/Johannesburg",
        "Africa/Nairobi",
    ),
    "Asia & Pacific": (
        "Asia/Dubai",
        "Asia/Kolkata",
        "Asia/Bangkok",
        "Asia/Singapore",
        "Asia/Manila",
        "Asia/Tokyo",
        "Australia/Perth",
        "Australia/Adelaide",
        "Australia/Sydney",
        "Pacific/Auckland",
    ),
}


@lru_cache(maxsize=1)
def _known() -> dict[str, str]:
    """Lower-cased name -> the real IANA name."""
    return {name.lower(): name for name in available_timezones() if "/" in name or name == "UTC"}


@lru_cache(maxsize=1)
def all_zones() -> list[str]:
    """Every known zone in a stable order, so a button can carry a short index."""
    return sorted(_known().values())


def find_zone(text: str) -> str | None:
    """The IANA name a member typed, forgiving case and spaces ('europe/berlin', 'New York')."""
    wanted = text.strip().replace(" ", "_").lower()
    known = _known()
    if wanted in known:
        return known[wanted]
    cities = {name.rsplit("/", 1)[-1].lower(): name for name in known.values()}
    return cities.get(wanted)


def suggest_zone(text: str) -> str | None:
    """The closest IANA name to a mistyped one ('Europe/Berln' -> 'Europe/Berlin')."""
    wanted = text.strip().replace(" ", "_").lower()
    known = _known()
    match = difflib.get_close_matches(wanted, list(known), n=1, cutoff=0.6)
    if match:
        return known[match[0]]
    cities = {name.rsplit("/", 1)[-1].lower(): name for name in known.values()}
    match = difflib.get_close_matches(wanted, list(cities), n=1, cutoff=0.6)
    return cities[match[0]] if match else None


@lru_cache(maxsize=1024)  # ZoneInfo keeps only a few strongly: the directory asks thousands
def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_today(zone: str | None, now: datetime) -> date:
    """Today's date where the zone is (UTC while none is set)."""
    return now.astimezone(zone_info(zone or "UTC")).date()


def city_name(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


# "GMT+2", "utc -3", "UTC+5:30", "+0530", "UTC−3" (a typographic minus): what people mean,
# east of Greenwich positive. (POSIX's Etc/GMT+2 is the other way round: two hours west.)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+\-\u2212])\s*(\d{1,2})(?:[:.h]?(\d{2}))?$")
# Offsets of a whole number of hours have a fixed zone of their own; the others only a city's,
# the one most people on that offset live by.
_CITY_OF_OFFSET = {
    (-1, 9, 30): "Pacific/Marquesas",
    (-1, 3, 30): "America/St_Johns",
    (1, 3, 30): "Asia/Tehran",
    (1, 4, 30): "Asia/Kabul",
    (1, 5, 30): "Asia/Kolkata",
    (1, 5, 45): "Asia/Kathmandu",
    (1, 6, 30): "Asia/Yangon",
    (1, 8, 45): "Australia/Eucla",
    (1, 9, 30): "Australia/Darwin",
    (1, 10, 30): "Australia/Adelaide",
    (1, 12, 45): "Pacific/Chatham",
}
# Abbreviations name no one zone ("IST" is India, Ireland or Israel) and say nothing of
# daylight saving, so each only leads to the city most people who type it mean.
ABBREVIATIONS = {
    "est": "America/New_York",
    "edt": "America/New_York",
    "et": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "ct": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "akst": "America/Anchorage",
    "akdt": "America/Anchorage",
    "hst": "Pacific/Honolulu",
    "ast": "America/Halifax",
    "adt": "America/Halifax",
    "nst": "America/St_Johns",
    "ndt": "America/St_Johns",
    "bst": "Europe/London",
    "wet": "Europe/Lisbon",
    "west": "Europe/Lisbon",
    "cet": "Europe/Paris",
    "cest": "Europe/Paris",
    "eet": "Europe/Athens",
    "eest": "Europe/Athens",
    "msk": "Europe/Moscow",
    "ist": "Asia/Kolkata",
    "pkt": "Asia/Karachi",
    "wib": "Asia/Jakarta",
    "pht": "Asia/Manila",
    "sgt": "Asia/Singapore",
    "hkt": "Asia/Hong_Kong",
    "jst": "Asia/Tokyo",
    "kst": "Asia/Seoul",
    "awst": "Australia/Perth",
    "acst": "Australia/Adelaide",
    "acdt": "Australia/Adelaide",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
    "nzst": "Pacific/Auckland",
    "nzdt": "Pacific/Auckland",
    "art": "America/Argentina/Buenos_Aires",
    "brt": "America/Sao_Paulo",
    "clt": "America/Santiago",
    "cot": "America/Bogota",
    "pet": "America/Lima",
    "sast": "Africa/Johannesburg",
    "cat": "Africa/Maputo",
    "eat": "Africa/Nairobi",
    "wat": "Africa/Lagos",
}


def offset_zone(text: str) -> tuple[str, bool] | None:
    """The zone an offset such as "GMT+2" or "UTC+5:30" means, and whether it is that offset
    exactly (a fixed zone: no daylight saving) or only the usual city on it. None for
    anything that is not an offset, or an offset no zone has."""
    found = _OFFSET.match(text.strip().lower())
    if found is None:
        return None
    sign = -1 if found.group(1) in "-\u2212" else 1
    hours, minutes = int(found.group(2)), int(found.group(3) or 0)
    if minutes == 0 and hours == 0:
        return "UTC", True
    if minutes == 0 and (hours <= 12 if sign < 0 else hours <= 14):
        # POSIX inverts the sign: UTC+2 is Etc/GMT-2.
        return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}", True
    city = _CITY_OF_OFFSET.get((sign, hours, minutes))
    return None if city is None else (city, False)


def zone_label(zone: str) -> str:
    """A zone as people read it: Etc/GMT-2 is "UTC+2"; any other name as it is."""
    fixed = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", zone)
    if fixed is None:
        return zone
    return f"UTC{'-' if fixed.group(1) == '+' else '+'}{fixed.group(2)}"
