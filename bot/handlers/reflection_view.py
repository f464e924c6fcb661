"""A day's reflection as it is shown: its date in the member's language, the text, and
the buttons to the day before and after and to share it. /today, /reflection, the daily
delivery's listing, inline sharing, the check-in and the peer line's alternatives show it;
the buttons are pressed in bot/handlers/reflections.py.
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.delivery.dates import shift
from bot.delivery.schedule import clock_text
from bot.handlers.common import HTML, Context, button_data, language, reply, services, text
from bot.platform.store import Subscription
from bot.readings.reflections import Reflection, render_reflection
from bot.services import Services

# The reflections handler's buttons: pressed there, built here.
FEATURE = "ref"


def day_key(month: int, day: int) -> str:
    return f"{month:02d}-{day:02d}"


def date_text(svc: Services, lang: str, month: int, day: int) -> str:
    month_name = svc.catalog.text("reflections.months", lang).split()[month - 1]
    return svc.catalog.text("reflections.date", lang, day=str(day), month=month_name)


def reflection_markup(
    update: Update, context: Context, month: int, day: int
) -> InlineKeyboardMarkup:
    before, after = shift(month, day, -1), shift(month, day, 1)

    def go(key: str, target: tuple[int, int]) -> InlineKeyboardButton:
        data = button_data(update, context, FEATURE, "d", day_key(*target))
        return InlineKeyboardButton(text(update, context, key), callback_data=data)

    share = InlineKeyboardButton(
        text(update, context, "reflections.share"), switch_inline_query=day_key(month, day)
    )
    return InlineKeyboardMarkup(
        [[go("reflections.previous", before), go("reflections.next", after)], [share]]
    )


def _render(svc: Services, reflection: Reflection) -> str:
    when = date_text(svc, reflection.language, reflection.month, reflection.day)
    return render_reflection(svc.catalog, reflection, when)


async def show_day(
    update: Update,
    context: Context,
    month: int,
    day: int,
    *,
    edit: bool = False,
) -> None:
    """The reflection for a day (every day of the year has one; startup checks)."""
    svc = services(context)
    lang = language(update, context)
    reflection = svc.reflections.day(day_key(month, day), lang)
    body, markup = _render(svc, reflection), reflection_markup(update, context, month, day)
    query = update.callback_query
    if edit and query is not None:
        try:
            await query.edit_message_text(body, parse_mode=HTML, reply_markup=markup)
            return
        except BadRequest:
            pass
    await reply(update, context, body, markup=markup)


async def show_today(update: Update, context: Context, today: date) -> None:
    await show_day(update, context, today.month, today.day)


def scheduled_list(update: Update, context: Context, subscriptions: list[Subscription]) -> str:
    """What is scheduled, as a member reads it: "the daily reflection at 07:00, …"."""
    return ", ".join(
        text(update, context, f"stop.item_{s.kind}", time=clock_text(s.minute))
        for s in subscriptions
    )
