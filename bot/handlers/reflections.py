"""/today, /reflection DAY and /zone: the daily reflection on request, in the chat's zone."""

from __future__ import annotations

import html
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.delivery.dates import parse_day
from bot.delivery.deliver import follow_chat_zone
from bot.delivery.zones import (
    ABBREVIATIONS,
    PICKER,
    all_zones,
    find_zone,
    local_today,
    offset_zone,
    suggest_zone,
    zone_info,
    zone_label,
)
from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    chat_pseudonym,
    chat_zone,
    is_group_admin,
    is_private,
    reply,
    services,
    text,
    verified_callback,
)
from bot.handlers.reflection_view import FEATURE, scheduled_list, show_day, show_today
from bot.meetings import scheduled
from bot.platform.callbacks import CallbackDataTooLong

ZONE_FEATURE = "zone"


async def today_command(update: Update, context: Context) -> None:
    svc = services(context)
    zone = await chat_zone(update, context)
    await show_today(update, context, local_today(zone, svc.clock()))
    if zone is None:
        await reply(
            update,
            context,
            text(update, context, "reflections.utc_note"),
            markup=region_markup(update, context),
        )


async def reflection_command(update: Update, context: Context) -> None:
    svc = services(context)
    zone = await chat_zone(update, context)
    today = local_today(zone, svc.clock())
    typed = " ".join(context.args or [])
    wanted = parse_day(typed, today) if typed else (today.month, today.day)
    if wanted is None:
        await reply(update, context, text(update, context, "reflections.bad_date"))
        return
    await show_day(update, context, *wanted)


async def on_reflection_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    await query.answer()
    if data.action == "d" and data.args:
        wanted = parse_day(data.args[0], date(2024, 1, 1))
        if wanted is not None:
            await show_day(update, context, *wanted, edit=True)


# --- time zones ---------------------------------------------------------------------------


def region_markup(update: Update, context: Context) -> InlineKeyboardMarkup:
    """The picker's regions, named in the member's language (one per PICKER entry)."""
    names = html.unescape(text(update, context, "zone.regions")).split("|")
    assert len(names) == len(PICKER), "zone.regions names every region of the picker"
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    name, callback_data=button_data(update, context, ZONE_FEATURE, "r", str(i))
                )
            ]
            for i, name in enumerate(names)
        ]
    )


def city_markup(update: Update, context: Context, region: int) -> InlineKeyboardMarkup:
    cities = list(PICKER.values())[region]
    buttons = [
        InlineKeyboardButton(
            html.unescape(text(update, context, f"zone.cities.{city.rsplit('/', 1)[-1]}")),
            callback_data=button_data(update, context, ZONE_FEATURE, "s", str(region), str(i)),
        )
        for i, city in enumerate(cities)
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def set_chat_zone(
    update: Update, context: Context, zone: str, *, fixed_offset: bool = False
) -> None:
    svc = services(context)
    if not is_private(update) and not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "zone.admins_only"))
        return
    chat = chat_pseudonym(update, context)
    assert chat is not None
    now = svc.clock()
    await svc.store.set_zone(chat, zone, now)
    moved = await follow_chat_zone(svc, chat, zone, now)
    meetings = await scheduled.follow_group_zone(svc, chat, zone, now)
    local = now.astimezone(zone_info(zone)).strftime("%H:%M")
    body = text(update, context, "zone.set", zone=zone_label(zone), time=local)
    if fixed_offset:
        body += "\n\n" + text(update, context, "zone.fixed_offset")
    if moved:
        body += "\n\n" + text(
            update, context, "zone.moved", what=scheduled_list(update, context, moved)
        )
    if meetings:
        body += "\n\n" + text(update, context, "zone.meetings_moved", count=len(meetings))
    await reply(update, context, body)


async def zone_command(update: Update, context: Context) -> None:
    typed = " ".join(context.args or []).strip()
    # In a group only admins may change it: say so before any picker, not two taps in.
    may_change = is_private(update) or await is_group_admin(update, context)
    if not typed:
        await _show_zone(update, context, may_change)
        return
    if not may_change:
        await reply(update, context, text(update, context, "zone.admins_only"))
        return
    offset = offset_zone(typed)
    if offset is not None:
        zone, exact = offset
        if exact:
            await set_chat_zone(update, context, zone, fixed_offset=zone != "UTC")
        else:
            await _suggest_zone(update, context, typed, zone, "zone.offset_city")
        return
    found = find_zone(typed)
    if found is not None:
        await set_chat_zone(update, context, found)
        return
    usual = ABBREVIATIONS.get(typed.lower())
    if usual is not None:
        await _suggest_zone(update, context, typed, usual, "zone.abbreviation")
        return
    suggestion = suggest_zone(typed)
    if suggestion is None:
        await reply(
            update, context, text(update, context, "zone.unknown_no_suggestion", given=typed[:40])
        )
        return
    await _suggest_zone(update, context, typed, suggestion, "zone.unknown")


async def _show_zone(update: Update, context: Context, may_change: bool) -> None:
    """Bare /zone: the zone now, if there is one; then the picker, or who may change it."""
    zone = await chat_zone(update, context)
    parts = []
    if zone is not None:
        local = services(context).clock().astimezone(zone_info(zone)).strftime("%H:%M")
        parts.append(text(update, context, "zone.current", zone=zone_label(zone), time=local))
    if not may_change:
        parts.append(text(update, context, "zone.admins_only"))
        await reply(update, context, "\n\n".join(parts))
        return
    parts.append(text(update, context, "zone.prompt"))
    await reply(update, context, "\n\n".join(parts), markup=region_markup(update, context))


async def _suggest_zone(
    update: Update, context: Context, typed: str, suggestion: str, why: str
) -> None:
    """What the member typed is not a zone we can take as it is: say why, and offer the one
    they most likely meant as a button."""
    try:
        data = button_data(update, context, ZONE_FEATURE, "y", str(all_zones().index(suggestion)))
    except CallbackDataTooLong:  # pragma: no cover - indexes are short
        data = None
    markup = None
    if data is not None:
        label = text(update, context, "zone.use_suggestion", suggestion=suggestion)
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
    await reply(
        update,
        context,
        text(update, context, why, given=typed[:40], suggestion=suggestion),
        markup=markup,
    )


async def on_zone_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    if not is_private(update) and not await is_group_admin(update, context):
        await query.answer(text(update, context, "zone.admins_only"), show_alert=True)
        return
    await query.answer()
    args = data.args
    regions = list(PICKER.values())
    if data.action == "r" and args and args[0].isdigit() and int(args[0]) < len(regions):
        try:
            await query.edit_message_text(
                text(update, context, "zone.pick_city"),
                parse_mode=HTML,
                reply_markup=city_markup(update, context, int(args[0])),
            )
        except BadRequest:
            await reply(
                update,
                context,
                text(update, context, "zone.pick_city"),
                markup=city_markup(update, context, int(args[0])),
            )
    elif data.action == "s" and len(args) == 2 and all(a.isdigit() for a in args):
        region, city = int(args[0]), int(args[1])
        if region < len(regions) and city < len(regions[region]):
            await set_chat_zone(update, context, regions[region][city])
    elif data.action == "y" and args and args[0].isdigit() and int(args[0]) < len(all_zones()):
        await set_chat_zone(update, context, all_zones()[int(args[0])])


def register(application: App) -> None:
    application.add_handler(CommandHandler("today", today_command, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("reflection", reflection_command, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("zone", zone_command, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_reflection_button, pattern=f"^{FEATURE}:"))
    application.add_handler(CallbackQueryHandler(on_zone_button, pattern=f"^{ZONE_FEATURE}:"))
