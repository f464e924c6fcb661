"""A check-in's answers and what may be counted of them (pure, no Telegram).

A check-in is two taps: how the member is right now, then what would help. Only coarse
counts leave memory (a mood bucket, a choice, the hour of day in UTC), never with
anything that could tell one member from another.
"""

from __future__ import annotations

from datetime import datetime

# Five steps from "really struggling" to "doing well", then "having a craving".
MOODS = ("struggling", "rough", "getting_by", "okay", "well", "craving")
HELPS = ("peer", "read", "just", "crisis")
# Moods for which a peer is offered first and a reading second.
HEAVY_MOODS = frozenset({"struggling", "rough", "craving"})


def is_mood(value: str) -> bool:
    return value in MOODS


def is_help(value: str) -> bool:
    return value in HELPS


def mood_counter(mood: str) -> str:
    return f"checkin_{mood}"


def help_counter(choice: str) -> str:
    return f"checkin_help_{choice}"


def hour_counter(now: datetime) -> str:
    """The hour of day in UTC, in four-hour bands: enough to staff the night, no more."""
    start = now.hour - now.hour % 4
    return f"checkin_hours_{start:02d}"


def wait_counter(seconds: float) -> str:
    for limit, name in ((60, "under_1m"), (300, "under_5m"), (900, "under_15m")):
        if seconds < limit:
            return f"peer_wait_{name}"
    return "peer_wait_15m_plus"
