"""What keeping the etiquette holds in memory, beside the meetings, and when it lets go.

A group's (or topic's) settings, cached until an admin changes them; each group's admins
as Telegram last listed them, for ADMINS_FRESH_FOR; and, outside meetings, which members
were reminded of the etiquette, for REMINDED_FOR. (Inside a meeting, who was reminded
lives on the meeting itself, bot.meetings.queue.) All of it lives in the Application's
bot_data, never on disk: the memory tick, /forget and the bot leaving a group let go of
it here, and held() counts it for the memory inventory (bot/platform/inventory.py).

No Telegram I/O and no judging here: the etiquette handler asks Telegram and bot.etiquette
judges; this module only remembers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.platform.store import EtiquetteSettings
from bot.plumbing.types import Place
from bot.services import services_of

# Admin lists are fetched from Telegram at most this often per chat, to tell the people
# running a meeting from the members in it without a call for every message.
ADMINS_FRESH_FOR = timedelta(minutes=5)
# Outside meetings, a member is reminded of the etiquette once a day at most.
REMINDED_FOR = timedelta(days=1)
_SETTINGS = "porchlight.etiquette_settings"
_ADMINS = "porchlight.admin_ids"
_OUTSIDE = "porchlight.reminded_outside_meetings"


def cached_settings(bot_data: dict[Any, Any], place: Place) -> EtiquetteSettings | None:
    """The settings here, if they were read (or changed) since the bot started."""
    found: EtiquetteSettings | None = bot_data.setdefault(_SETTINGS, {}).get(place)
    return found


def cache_settings(bot_data: dict[Any, Any], place: Place, settings: EtiquetteSettings) -> None:
    bot_data.setdefault(_SETTINGS, {})[place] = settings


def fresh_admins(bot_data: dict[Any, Any], chat_id: int, now: datetime) -> set[int] | None:
    """The group's admins as last listed, unless that was more than ADMINS_FRESH_FOR ago."""
    fetched = bot_data.setdefault(_ADMINS, {}).get(chat_id)
    if fetched is None or now - fetched[0] > ADMINS_FRESH_FOR:
        return None
    admins: set[int] = fetched[1]
    return admins


def remember_admins(
    bot_data: dict[Any, Any], chat_id: int, admin_ids: set[int], now: datetime
) -> None:
    bot_data.setdefault(_ADMINS, {})[chat_id] = (now, admin_ids)


def first_reminder_outside(
    bot_data: dict[Any, Any], place: Place, seen: str, user_id: int, now: datetime
) -> bool:
    """Outside meetings: True the first time this member is reminded of this kind of
    thing (seen) here, which is remembered; False while they were, within REMINDED_FOR."""
    outside = bot_data.setdefault(_OUTSIDE, {})
    reminded: dict[int, datetime] = outside.setdefault((place, seen), {})
    if user_id in reminded:
        return False
    reminded[user_id] = now
    return True


async def forget_chat(bot_data: dict[Any, Any], chat_id: int) -> None:
    """The bot left a group: drop what memory holds about it (settings, admins, reminded)."""
    settings = bot_data.get(_SETTINGS, {})  # keyed (chat id, topic)
    for key in [key for key in settings if key[0] == chat_id]:
        del settings[key]
    reminded = bot_data.get(_OUTSIDE, {})  # keyed ((chat id, topic), kind of reminder)
    for key in [key for key in reminded if key[0][0] == chat_id]:
        del reminded[key]
    bot_data.get(_ADMINS, {}).pop(chat_id, None)
    await services_of(bot_data).recent_distress.forget_chat(chat_id)


def let_go_of_old(bot_data: dict[Any, Any], now: datetime) -> None:
    """The memory tick: admin lists past their freshness, reminders outside meetings
    after a day."""
    admins = bot_data.get(_ADMINS, {})
    for chat_id in [c for c, (fetched, _) in admins.items() if now - fetched > ADMINS_FRESH_FOR]:
        del admins[chat_id]
    outside = bot_data.get(_OUTSIDE, {})
    for key, reminded in list(outside.items()):
        for user_id in [u for u, when in reminded.items() if now - when >= REMINDED_FOR]:
            del reminded[user_id]
        if not reminded:
            del outside[key]


def forget_member(bot_data: dict[Any, Any], user_id: int) -> None:
    """/forget: the member's reminders outside meetings, and any admin list naming them
    (asked of Telegram again when next needed, so an admin stays one)."""
    for reminded in bot_data.get(_OUTSIDE, {}).values():
        reminded.pop(user_id, None)
    admins = bot_data.get(_ADMINS, {})
    for chat_id in [chat for chat, (_, ids) in admins.items() if user_id in ids]:
        del admins[chat_id]


def held(bot_data: dict[Any, Any]) -> dict[str, int]:
    """What the etiquette holds in memory about people (the memory inventory)."""
    return {
        "group admins": len(bot_data.get(_ADMINS, {})),
        "reminders outside meetings": sum(len(r) for r in bot_data.get(_OUTSIDE, {}).values()),
    }
