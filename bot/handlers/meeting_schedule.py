"""/meeting schedule and /meeting unschedule: a group's meetings on a schedule, per topic.

Anyone may see what is scheduled; only the group's admins (asked of Telegram each time)
add or remove. What a schedule does at its times is bot.meetings.scheduled's, whose tick
is registered here. These two /meeting actions are claimed before bot.handlers.meetings
sees the command (app.py registers this module first).
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.delivery.schedule import clock_text
from bot.delivery.zones import zone_label
from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Context,
    chat_pseudonym,
    chat_zone,
    is_group_admin,
    is_private,
    language,
    place_of,
    reply,
    services,
    text,
)
from bot.meetings import scheduled
from bot.platform.catalog import Html
from bot.platform.privacy import Pseudonym
from bot.plumbing.types import Place

_ACTIONS = re.compile(r"^/meeting(?:@\w+)?\s+(?:schedule|unschedule)\b", re.IGNORECASE)


async def meeting_command(update: Update, context: Context) -> None:
    """/meeting schedule ... or /meeting unschedule N (the other actions are meetings.py's)."""
    if is_private(update):
        await reply(update, context, text(update, context, "meeting.groups_only"))
        return
    action, *args = context.args or [""]
    if action.lower() == "unschedule":
        await unschedule_command(update, context, args)
    else:
        await schedule_command(update, context, args)


async def schedule_command(update: Update, context: Context, args: list[str]) -> None:
    if not args:
        await _list(update, context)
        return
    if args[0].lower() in ("help", "ayuda"):
        await _usage(update, context, "meeting.schedule_usage")
        return
    if not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "meeting.schedule_admins_only"))
        return
    svc = services(context)
    wanted = scheduled.read_request(args, svc.meeting_formats)
    if isinstance(wanted, str):
        await _usage(update, context, wanted)
        return
    zone = await chat_zone(update, context)
    if zone is None:
        await reply(update, context, text(update, context, "meeting.schedule_needs_zone"))
        return
    place, group = _where(update, context)
    if len(await scheduled.schedules_here(svc, group, place[1])) >= scheduled.MAX_PER_TOPIC:
        body = text(update, context, "meeting.schedule_full", count=scheduled.MAX_PER_TOPIC)
        await reply(update, context, body)
        return
    lang = language(update, context)
    added = await scheduled.add_schedule(svc, place, wanted, zone, lang)
    chosen = svc.meeting_formats[added.format_id]
    body = text(
        update,
        context,
        "meeting.scheduled",
        what=scheduled.what_text(svc, lang, added),
        days=scheduled.days_text(svc.catalog, lang, added.days),
        time=clock_text(added.minute),
        zone=zone_label(zone),
        when=scheduled.when_text(svc.catalog, lang, added.start_at, zone),
        length=chosen.length_minutes,
    )
    await reply(update, context, body)


async def unschedule_command(update: Update, context: Context, args: list[str]) -> None:
    if not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "meeting.schedule_admins_only"))
        return
    svc = services(context)
    place, group = _where(update, context)
    here = await scheduled.schedules_here(svc, group, place[1])
    if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= len(here):
        key = "meeting.unschedule_usage" if here else "meeting.schedule_none"
        await reply(update, context, text(update, context, key))
        return
    gone = here[int(args[0]) - 1]
    await svc.store.remove_schedule(gone.group, gone.thread_id, gone.slot)
    lang = language(update, context)
    body = text(
        update,
        context,
        "meeting.unscheduled",
        line=Html(scheduled.schedule_line(svc, lang, int(args[0]), gone)),
    )
    await reply(update, context, body)


async def _list(update: Update, context: Context) -> None:
    svc = services(context)
    place, group = _where(update, context)
    here = await scheduled.schedules_here(svc, group, place[1])
    if not here:
        await reply(update, context, text(update, context, "meeting.schedule_none"))
        return
    lang = language(update, context)
    lines = [scheduled.schedule_line(svc, lang, n, s) for n, s in enumerate(here, 1)]
    zone = here[0].zone
    body = text(
        update,
        context,
        "meeting.schedule_list",
        zone=zone_label(zone),
        lines=Html("\n".join(lines)),
        next=scheduled.when_text(svc.catalog, lang, min(s.start_at for s in here), zone),
    )
    await reply(update, context, body)


def _where(update: Update, context: Context) -> tuple[Place, Pseudonym]:
    """The group and topic the command was sent in (meeting commands answer only groups)."""
    place, group = place_of(update), chat_pseudonym(update, context)
    assert place is not None
    assert group is not None
    return place, group


async def _usage(update: Update, context: Context, key: str) -> None:
    zone = await chat_zone(update, context)
    await reply(update, context, text(update, context, key, zone=zone_label(zone or "UTC")))


def register(application: App) -> None:
    claimed = NEW_MESSAGES & filters.Regex(_ACTIONS)
    application.add_handler(CommandHandler("meeting", meeting_command, filters=claimed))
    assert application.job_queue is not None
    # first=1: a notice, open or close owed while the bot was down goes out at once.
    application.job_queue.run_repeating(
        scheduled.schedule_tick, interval=scheduled.SCHEDULE_TICK, first=1, name="meeting-schedule"
    )
