"""/meeting schedule, /meeting unschedule and /meeting listing: a group's meetings on a
schedule, per topic, and the group in the meeting directory.

Anyone may see what is scheduled and whether the group is listed; only the group's admins
(asked of Telegram each time) change either. What a schedule does at its times is
bot.meetings.scheduled's, whose tick is registered here; listing is bot.meetings.listing's.
These /meeting actions are claimed before bot.handlers.meetings sees the command (app.py
registers this module first).
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.delivery.schedule import clock_text
from bot.delivery.zones import zone_label
from bot.handlers import directory_view
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
from bot.meetings import listing, scheduled
from bot.platform.catalog import Html
from bot.platform.privacy import Pseudonym
from bot.plumbing.types import Place

_ACTIONS = re.compile(r"^/meeting(?:@\w+)?\s+(?:schedule|unschedule|listing)\b", re.IGNORECASE)
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_NEWCOMERS = {"newcomers", "nuevos", "beginners"}
_APPROVE = {"approve", "approval", "aprobar"}


async def meeting_command(update: Update, context: Context) -> None:
    """/meeting schedule, unschedule or listing (the other actions are meetings.py's)."""
    if is_private(update):
        await reply(update, context, text(update, context, "meeting.groups_only"))
        return
    action, *args = context.args or [""]
    if action.lower() == "unschedule":
        await unschedule_command(update, context, args)
    elif action.lower() == "listing":
        await listing_command(update, context, [a.lower() for a in args])
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


async def listing_command(update: Update, context: Context, args: list[str]) -> None:
    svc = services(context)
    place, group = _where(update, context)
    if not args or args[0] not in ("on", "off"):
        await _listing_status(update, context, group)
        return
    if not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "meeting.listing_admins_only"))
        return
    app = context.application
    if args[0] == "off":
        was = await listing.unlist_group(app, place[0])
        await reply(
            update,
            context,
            text(update, context, "meeting.unlisted" if was else "meeting.not_listed"),
        )
        return
    options = args[1:]
    unknown = [o for o in options if not (_LANGUAGE.match(o) or o in _NEWCOMERS | _APPROVE)]
    if unknown:
        await reply(update, context, text(update, context, "meeting.listing_usage"))
        return
    spoken = next((o for o in options if _LANGUAGE.match(o)), language(update, context))
    approval = any(o in _APPROVE for o in options)
    try:
        listed = await listing.list_group(
            app,
            place[0],
            language=spoken,
            newcomers=any(o in _NEWCOMERS for o in options),
            approval=approval,
        )
    except listing.CannotInvite:
        await reply(update, context, text(update, context, "meeting.listing_needs_rights"))
        return
    count = len(await svc.store.schedules_of(group))
    lang = language(update, context)
    body = text(
        update,
        context,
        "meeting.listed",
        count=count,
        details=Html(directory_view.details(svc, lang, listed, None)),
        approval=Html(text(update, context, "meeting.listed_approval") if approval else ""),
    )
    if count == 0:
        body += "\n\n" + text(update, context, "meeting.listed_nothing_scheduled")
    await reply(update, context, body)


async def _listing_status(update: Update, context: Context, group: Pseudonym) -> None:
    svc = services(context)
    found = await svc.store.listing(group)
    if found is None:
        await reply(update, context, text(update, context, "meeting.listing_usage"))
        return
    lang = language(update, context)
    count = len(await svc.store.schedules_of(group))
    body = text(
        update,
        context,
        "meeting.listing_status",
        count=count,
        details=Html(directory_view.details(svc, lang, found, None)),
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
