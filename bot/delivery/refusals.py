"""What Telegram's refusal of a scheduled message means for the subscription (pure).

Only a chat that blocked the bot, removed it or no longer exists loses its subscription.
Any other refusal (the bot may not post in the group just now, the topic is closed or
gone) may be put right by the group's admins: the delivery is tried again with a growing
pause, the admins are told once, and only after GIVE_UP_AFTER of refusals does it go.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum

# How long refused deliveries are tried again before the subscription goes.
GIVE_UP_AFTER = timedelta(days=3)
# The refusal in a row after which a group's admins are told (the first two may pass).
TELL_ADMINS_AT = 3


class Refusal(Enum):
    GONE = "gone"  # blocked, removed, or the chat no longer exists: the subscription goes
    TOPIC = "topic"  # the forum topic is closed or was deleted
    RIGHTS = "rights"  # the bot may not post there, or another refusal that may pass


# Telegram's words for a chat the bot can never reach again, and for a topic it can't post
# in; a Forbidden (403) is always the former, unless it speaks of rights.
_GONE = ("chat not found", "peer_id_invalid", "chat was deactivated", "user is deactivated")
_TOPIC = ("topic_closed", "topic closed", "topic_deleted", "thread not found")
_RIGHTS = ("rights", "chat_write_forbidden", "chat_restricted", "not allowed")


def classify(description: str, *, forbidden: bool) -> Refusal:
    """Sort a refusal by Telegram's description (the words only, never the chat)."""
    words = description.lower()
    if any(mark in words for mark in _TOPIC):
        return Refusal.TOPIC
    if any(mark in words for mark in _RIGHTS):
        return Refusal.RIGHTS
    if forbidden or any(mark in words for mark in _GONE):
        return Refusal.GONE
    return Refusal.RIGHTS


def gives_up(refused_since: datetime | None, now: datetime) -> bool:
    """Refused for long enough: stop trying and let the subscription go."""
    return refused_since is not None and now - refused_since >= GIVE_UP_AFTER


def tells_admins(refusals: int) -> bool:
    """Whether this refusal in a row is the one the group's admins hear about (once)."""
    return refusals == TELL_ADMINS_AT
