"""Time zones: a short picker by region and city, typed IANA names, close suggestions."""

from __future__ import annotations

import difflib
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


def zone_info(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def city_name(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")
