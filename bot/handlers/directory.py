"""/meetings: the listed meetings a member can join soon, in the member's own time.

In a private chat: what is starting now and in the next few hours, in the member's zone
and language first, each with a button to the group's invite link; `/meetings tomorrow`
for tomorrow's, `/meetings es` for those in one language. With nothing soon, the next
ones, and today's reflection.
"""

from __future__ import annotations

import re
from datetime import timedelta

from telegram import Update
from telegram.ext import CommandHandler

from bot.delivery.dates import RELATIVE
from bot.delivery.schedule import local_instant
from bot.delivery.zones import local_today, zone_info
from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Context,
    chat_zone,
    is_private,
    language,
    reply,
    services,
    text,
)
from bot.handlers.directory_view import language_name, render
from bot.handlers.reflection_view import show_today
from bot.meetings.directory import find_on_day, find_soon
from bot.platform.textfold import fold

_LANGUAGE = re.compile(r"^[a-z]{2}$")
_TOMORROW = {word for word, days in RELATIVE.items() if days == 1}


async def meetings_command(update: Update, context: Context) -> None:
    if not is_private(update):
        await reply(update, context, text(update, context, "meetings.private_only"))
        return
    words = [fold(word) for word in context.args or []]
    tomorrow = any(word in _TOMORROW for word in words)
    codes = [word for word in words if _LANGUAGE.match(word)]
    if any(word not in _TOMORROW and not _LANGUAGE.match(word) for word in words):
        await reply(update, context, text(update, context, "meetings.usage"))
        return
    svc = services(context)
    lang = language(update, context)
    only = codes[0] if codes else None
    zone = await chat_zone(update, context)
    shown_in = zone or "UTC"
    now = svc.clock()
    listed = await svc.listed_meetings.read(svc.store)
    if tomorrow:
        day = local_today(shown_in, now) + timedelta(days=1)
        start = local_instant(day, 0, zone_info(shown_in))
        end = local_instant(day + timedelta(days=1), 0, zone_info(shown_in))
        found = find_on_day(listed, start, end, preferred=lang, language=only)
        heading = "meetings.tomorrow"
    else:
        found = find_soon(listed, now, preferred=lang, language=only)
        heading = None
    if not (found.starting_now or found.soon or found.later):
        key = "meetings.none_on_day" if tomorrow else "meetings.none_listed"
        body = text(update, context, key)
        if only is not None:
            body += " " + text(
                update, context, "meetings.only", language=language_name(svc, lang, only)
            )
        await reply(update, context, body)
        if not tomorrow:
            await show_today(update, context, local_today(zone, now))
        return
    body, markup = render(svc, lang, found, now, shown_in, day_heading=heading)
    if zone is None:
        body += "\n\n" + text(update, context, "meetings.zone_hint")
    await reply(update, context, body, markup=markup)
    if found.later:  # nothing soon: something to read while waiting
        await show_today(update, context, local_today(zone, now))


def register(application: App) -> None:
    application.add_handler(CommandHandler("meetings", meetings_command, filters=NEW_MESSAGES))
