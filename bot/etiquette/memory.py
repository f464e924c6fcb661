"""What keeping the etiquette holds in memory, beside the meetings, and when it lets go.

A group's (or topic's) settings, cached until an admin changes them; and each group's
admins as Telegram last listed them, for ADMINS_FRESH_FOR. Both live in the Application's
bot_data, never on disk: the memory tick, /forget and the bot leaving a group let go of
them here, and held() counts them for the memory inventory (bot/platform/inventory.py).
Who was reminded outside meetings is bot.etiquette.reminded's, in the shared state.

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
_SETTINGS = "porchlight.etiquette_settings"
_ADMINS = "porchlight.admin_ids"


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


async def forget_chat(bot_data: dict[Any, Any], chat_id: int) -> None:
    """The bot left a group: drop what is held about it (settings, admins, reminders,
    distress)."""
    settings = bot_data.get(_SETTINGS, {})  # keyed (chat id, topic)
    for key in [key for key in settings if key[0] == chat_id]:
        del settings[key]
    bot_data.get(_ADMINS, {}).pop(chat_id, None)
    svc = services_of(bot_data)
    await svc.reminded_outside.forget_chat(chat_id)
    await svc.recent_distress.forget_chat(chat_id)


async def let_go_of_old(bot_data: dict[Any, Any], now: datetime) -> None:
    """The memory tick: admin lists past their freshness, reminders outside meetings
    after a day."""
    admins = bot_data.get(_ADMINS, {})
    for chat_id in [c for c, (fetched, _) in admins.items() if now - fetched > ADMINS_FRESH_FOR]:
        del admins[chat_id]
    await services_of(bot_data).reminded_outside.sweep(now)


async def forget_member(bot_data: dict[Any, Any], user_id: int) -> None:
    """/forget: the member's reminders outside meetings, and any admin list naming them
    (asked of Telegram again when next needed, so an admin stays one)."""
    await services_of(bot_data).reminded_outside.forget_member(user_id)
    admins = bot_data.get(_ADMINS, {})
    for chat_id in [chat for chat, (_, ids) in admins.items() if user_id in ids]:
        del admins[chat_id]


async def held(bot_data: dict[Any, Any]) -> dict[str, int]:
    """What the etiquette holds about people (the memory inventory)."""
    return {
        "group admins": len(bot_data.get(_ADMINS, {})),
        "reminders outside meetings": await services_of(bot_data).reminded_outside.held(),
    }
