"""A private chat that listens: plain words that are not a command get a short, kind answer
and buttons into what the bot really has (a peer, a check-in, a reading, today's
reflection, the lines), never "I read commands".

What the words are about comes from bot/intents (the crisis layer's sentence encoder and a
small classifier); nothing a member writes is kept. Right after a crisis
answer, their next words get a warm reply that offers the same again.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.delivery.zones import local_today
from bot.handlers.answer_view import send_answer
from bot.handlers.checkin_view import ask_mood, send_reading_for
from bot.handlers.common import (
    NEW_MESSAGES,
    PRIVATE,
    App,
    Context,
    chat_zone,
    just_had_a_crisis,
    language,
    reply,
    services,
    text,
    verified_callback,
    words_of,
)
from bot.handlers.next_steps_view import (
    CHECKIN,
    FEATURE,
    LINES,
    PEER,
    READ,
    TODAY,
    next_steps_rows,
    peer_note,
)
from bot.handlers.reflection_view import show_today
from bot.intents import Intent
from bot.peers.service import ask_for_peer
from bot.safety import Level
from bot.safety.resources import AnswerKind

logger = logging.getLogger(__name__)


# What each intent is answered with, and which of the bot's offers go under it.
_ANSWERS: dict[Intent, tuple[str, dict[str, bool]]] = {
    Intent.GREETING: ("conversation.greeting", {"checkin": True}),
    Intent.HELP: ("conversation.help", {"checkin": True, "lines": True}),
    Intent.ABOUT: ("conversation.about", {"checkin": True}),
    Intent.SLEEP: ("conversation.sleep", {"lines": True}),
    Intent.DISTRESS: ("conversation.distress", {"checkin": True, "lines": True}),
    Intent.THANKS: ("conversation.thanks", {}),
    Intent.OTHER: ("conversation.other", {"checkin": True, "lines": True}),
}


# A worrying message about these is answered as what it is about, the lines beside it.
_HEARD_AS_THEY_ARE = frozenset({Intent.SLEEP, Intent.DISTRESS})


async def answer_words(update: Update, context: Context) -> None:
    """Plain words in a private chat that no feature claimed."""
    svc = services(context)
    if svc.verdicts.was_answered(update.update_id):
        return
    if await just_had_a_crisis(update, context):
        body = text(update, context, "conversation.after_crisis") + "\n\n"
        body += peer_note(update, context)
        rows = next_steps_rows(update, context, lines=True)
        await reply(update, context, body, markup=InlineKeyboardMarkup(rows))
        return
    message = update.effective_message
    assert message is not None
    intent = await _intent(context, words_of(message))
    verdict = svc.verdicts.verdict_of(update.update_id)
    worried = verdict is not None and verdict.level is Level.CONCERN
    unsure = verdict is not None and verdict.is_unsure
    if worried:
        await svc.store.count("unsure_private" if unsure else "concern_private", svc.clock())
    if worried and not unsure and intent not in _HEARD_AS_THEY_ARE:
        await send_answer(update, context, AnswerKind.CONCERN)  # the gentle answer
        return
    key, offers = _ANSWERS[intent]
    body = text(update, context, key)
    if intent in _HEARD_AS_THEY_ARE:
        body += "\n\n" + peer_note(update, context)
    if unsure:
        # The model could not rule out something heavy: said lightly, the lines near.
        body += "\n\n" + text(update, context, "concern.unsure")
    rows = next_steps_rows(update, context, **{**offers, "lines": offers.get("lines") or worried})
    await reply(update, context, body, markup=InlineKeyboardMarkup(rows) if rows else None)


async def _intent(context: Context, words: str) -> Intent:
    svc = services(context)
    if svc.intents is None or not words:
        return Intent.OTHER
    vector = await svc.assessor.embed(words)
    return Intent.OTHER if vector is None else svc.intents.read(words, vector)


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    await query.answer()
    if data.action == PEER:
        await ask_for_peer(
            context.application,
            update,
            language(update, context),
            None,
            crisis=await just_had_a_crisis(update, context),
        )
    elif data.action == CHECKIN:
        await ask_mood(update, context)
    elif data.action == READ:
        await send_reading_for(update, context, None)
    elif data.action == TODAY:
        zone = await chat_zone(update, context)
        await show_today(update, context, local_today(zone, services(context).clock()))
    elif data.action == LINES:
        await send_answer(update, context, AnswerKind.RESOURCES)
    else:
        logger.warning("a signed next-steps button had an unknown action")


def register(application: App) -> None:
    words = NEW_MESSAGES & PRIVATE & filters.TEXT & ~filters.COMMAND
    application.add_handler(MessageHandler(words, answer_words))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
