"""What check-ins show, shared by /checkin, the daily nudge (which has no update) and the
peer line: the two rows of buttons, and a reading that fits the member's mood."""

from __future__ import annotations

import random

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers.common import Context, language, reply, services, text
from bot.peers.checkin import HELPS, MOODS
from bot.readings.library_view import render_reading
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


async def ask_mood(update: Update, context: Context) -> None:
    """How are you? The first step of a check-in, from /checkin or a button offering one."""
    chat = update.effective_chat
    assert chat is not None
    svc = services(context)
    markup = mood_markup(svc, chat.id, language(update, context))
    await reply(update, context, text(update, context, "checkin.ask"), markup=markup)


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
    """A library reading that fits the mood, or any reading: written for one reader, never
    a meeting's topic ("This meeting is for…") to someone alone."""
    svc = services(context)
    rng = random.Random()  # noqa: S311 - choosing a reading needs no cryptography
    topic = MOOD_TOPICS.get(mood or "")
    for_one = [r for r in svc.library.readings.values() if r.kind != "meeting"]
    fitting = [r for r in for_one if topic in r.topics] if topic else []
    reading = rng.choice(sorted(fitting or for_one, key=lambda r: r.id))
    body = render_reading(svc.catalog, language(update, context), reading)
    await reply(update, context, f"{text(update, context, 'checkin.read_intro')}\n\n{body}")
