"""What check-ins show, shared by /checkin, the daily nudge (which has no update) and the
peer line: the two rows of buttons, and a reading that fits the member's mood."""

from __future__ import annotations

import random

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.checkin import HELPS, MOODS
from bot.handlers.common import Context, language, reply, services, text
from bot.library_view import render_reading
from bot.services import Services

FEATURE = "chk"
# A reading that fits how the member said they are; the whole library otherwise.
MOOD_TOPICS = {
    "struggling": "fear",
    "rough": "loneliness",
    "craving": "cravings",
    "getting_by": "early-days",
    "okay": "gratitude",
    "well": "service",
}


def mood_markup(svc: Services, chat_id: int, lang: str = "en") -> InlineKeyboardMarkup:
    def button(mood: str) -> InlineKeyboardButton:
        data = svc.callbacks.build(FEATURE, "m", mood, chat_id=chat_id, now=svc.clock())
        return InlineKeyboardButton(
            svc.catalog.text(f"checkin.mood.{mood}", lang), callback_data=data
        )

    return InlineKeyboardMarkup([[button(m)] for m in MOODS])


def help_markup(svc: Services, chat_id: int, lang: str = "en") -> InlineKeyboardMarkup:
    def button(choice: str) -> InlineKeyboardButton:
        data = svc.callbacks.build(FEATURE, "h", choice, chat_id=chat_id, now=svc.clock())
        return InlineKeyboardButton(
            svc.catalog.text(f"checkin.help.{choice}", lang), callback_data=data
        )

    return InlineKeyboardMarkup([[button(h)] for h in HELPS])


async def send_reading_for(update: Update, context: Context, mood: str | None) -> None:
    """A library reading that fits the mood, or any reading."""
    svc = services(context)
    rng = random.Random()  # noqa: S311 - choosing a reading needs no cryptography
    topic = MOOD_TOPICS.get(mood or "")
    choices = svc.library.in_topic(topic) if topic else []
    reading = rng.choice(choices) if choices else svc.library.surprise(rng)
    body = render_reading(svc.catalog, language(update, context), reading)
    await reply(update, context, f"{text(update, context, 'checkin.read_intro')}\n\n{body}")
