"""/days: a count of days from a date the member gives, in their own zone, with the next
milestone. Nothing is kept unless they tap to keep the date; then /days alone shows the
count, milestone messages can be turned on, and /days reset, a new date or /days forget
overwrite or delete it. Private chats only: the bot never tells a group anyone's count.
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.days import kept
from bot.days.count import days_since, next_milestone, parse_start
from bot.delivery.schedule import clock_text
from bot.delivery.zones import local_today
from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    chat_zone,
    clear_buttons,
    is_private,
    language,
    reply,
    services,
    text,
    verified_callback,
)
from bot.handlers.reflection_view import date_text

FEATURE = "days"


async def days_command(update: Update, context: Context) -> None:
    if not is_private(update):
        await reply(update, context, text(update, context, "days.private_only"))
        return
    args = [word.lower() for word in context.args or []]
    if not args:
        await _show_kept(update, context)
    elif args == ["forget"]:
        await _forget(update, context)
    elif args == ["reset"]:
        has_kept = await kept.kept_start(services(context), _chat_id(update)) is not None
        await _start_again(update, context, await _today(update, context), has_kept)
    elif args[0] == "milestones" and args[1:] in (["on"], ["off"]):
        await _milestones(update, context, args[1] == "on")
    else:
        await _count_given(update, context, " ".join(context.args or []))


async def _today(update: Update, context: Context) -> date:
    return local_today(await chat_zone(update, context), services(context).clock())


def _chat_id(update: Update) -> int:
    chat = update.effective_chat
    assert chat is not None
    return chat.id


def count_text(update: Update, context: Context, start: date, today: date) -> str:
    """'That's 263 days.' and the next milestone, in the member's language."""
    svc, lang = services(context), language(update, context)
    days = days_since(start, today)
    if days == 0:
        said = text(update, context, "days.count_zero")
    elif days == 1:
        said = text(update, context, "days.count_one")
    else:
        said = text(update, context, "days.count", days=days)
    ahead = next_milestone(start, today)
    until = (ahead.on - today).days
    when = date_text(svc, lang, ahead.on.month, ahead.on.day)
    key = "days.next_tomorrow" if until == 1 else "days.next"
    upcoming = text(
        update,
        context,
        key,
        milestone=kept.milestone_words(svc.catalog, lang, ahead),
        date=when,
        days=until,
    )
    return f"{said}\n{upcoming}"


async def _count_given(update: Update, context: Context, typed: str) -> None:
    today = await _today(update, context)
    start = parse_start(typed, today)
    if start is None:
        await reply(update, context, text(update, context, "days.bad_date"))
        return
    if start > today:
        await reply(update, context, text(update, context, "days.future"))
        return
    before = await kept.kept_start(services(context), _chat_id(update))
    if before is not None and before != start:
        await _start_again(update, context, start, has_kept=True)  # counted from now on
        return
    await _answer(update, context, count_text(update, context, start, today), start, before)


async def _answer(
    update: Update, context: Context, body: str, start: date, kept_date: date | None
) -> None:
    """The count as it is said; with no date kept, an offer to keep this one."""
    if kept_date is not None:
        await reply(update, context, body)
        return
    keep = InlineKeyboardButton(
        text(update, context, "days.keep_button"),
        callback_data=button_data(update, context, FEATURE, "k", start.isoformat()),
    )
    body += "\n\n" + text(update, context, "days.keep_offer")
    await reply(update, context, body, markup=InlineKeyboardMarkup([[keep]]))


async def _show_kept(update: Update, context: Context) -> None:
    svc = services(context)
    start = await kept.kept_start(svc, _chat_id(update))
    if start is None:
        await reply(update, context, text(update, context, "days.usage"))
        return
    body = count_text(update, context, start, await _today(update, context))
    scheduled = await kept.milestones_on(svc, _chat_id(update))
    if scheduled is None:
        body += "\n\n" + text(update, context, "days.milestones_state_off")
    else:
        time = clock_text(scheduled.minute)
        body += "\n\n" + text(update, context, "days.milestones_state_on", time=time)
    await reply(update, context, body)


async def _start_again(update: Update, context: Context, start: date, has_kept: bool) -> None:
    """/days reset (from today) or a new date: the old one overwritten, no questions."""
    svc = services(context)
    today = await _today(update, context)
    if has_kept:
        await kept.keep_start(svc, _chat_id(update), start)
    lang = language(update, context)
    if start == today:
        body = text(update, context, "days.reset")
    else:
        when = date_text(svc, lang, start.month, start.day)
        body = text(update, context, "days.new_date", date=when)
    body += "\n\n" + count_text(update, context, start, today)
    await _answer(update, context, body, start, start if has_kept else None)


async def _forget(update: Update, context: Context) -> None:
    had = await kept.forget_days(services(context), _chat_id(update))
    await reply(update, context, text(update, context, "days.forgot" if had else "days.none_kept"))


async def _milestones(update: Update, context: Context, on: bool) -> None:
    svc = services(context)
    chat_id = _chat_id(update)
    if not on:
        await kept.turn_off_milestones(svc, chat_id)
        await reply(update, context, text(update, context, "days.milestones_off"))
        return
    if await kept.kept_start(svc, chat_id) is None:
        await reply(update, context, text(update, context, "days.milestones_need_date"))
        return
    zone = await chat_zone(update, context)
    scheduled = await kept.turn_on_milestones(svc, chat_id, language(update, context), zone)
    body = text(update, context, "days.milestones_on", time=clock_text(scheduled.minute))
    if zone is None:
        body += "\n\n" + text(update, context, "daily.utc_note")
    await reply(update, context, body)


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    await query.answer()
    if data.action != "k" or len(data.args) != 1:
        return
    try:
        start = date.fromisoformat(data.args[0])
    except ValueError:
        return
    await clear_buttons(update.effective_message)
    await kept.keep_start(services(context), _chat_id(update), start)
    await reply(update, context, text(update, context, "days.kept"))


def register(application: App) -> None:
    application.add_handler(CommandHandler("days", days_command, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
