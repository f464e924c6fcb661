"""/privacy says exactly what is kept; /forget erases it at once."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CommandHandler

from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Context,
    is_private,
    language,
    member_pseudonym,
    reply,
    services,
    text,
)
from bot.handlers.peer_chat import leave_everything
from bot.privacy_notice import render_privacy

logger = logging.getLogger(__name__)


async def show_privacy(update: Update, context: Context) -> None:
    for part in render_privacy(services(context).catalog, language(update, context)):
        await reply(update, context, part)


async def forget(update: Update, context: Context) -> None:
    member = member_pseudonym(update, context)
    if member is None:
        return
    # Out of any peer chat, line or shift first: its markers are rows /forget erases.
    await leave_everything(context.application, member)
    services(context).recent_crises.forget(member)
    erased = await services(context).store.forget(member)
    logger.info("a member used /forget")
    if not is_private(update):
        await reply(update, context, text(update, context, "forget.group"))
    elif erased == 0:
        await reply(update, context, text(update, context, "forget.done_nothing"))
    else:
        word = text(update, context, "forget.record_one" if erased == 1 else "forget.record_many")
        await reply(
            update, context, text(update, context, "forget.done", count=erased, count_word=word)
        )


def register(application: App) -> None:
    application.add_handler(CommandHandler("privacy", show_privacy, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("forget", forget, filters=NEW_MESSAGES))
