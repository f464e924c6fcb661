"""/privacy says exactly what is kept; /forget erases it at once."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    is_private,
    language,
    member_pseudonym,
    reply,
    services,
    text,
    verified_callback,
)
from bot.memory import erase_later, forget_member
from bot.platform.privacy_notice import render_privacy
from bot.platform.store import StoreError

logger = logging.getLogger(__name__)

FEATURE = "prv"


async def show_privacy(update: Update, context: Context) -> None:
    """What a member cares about first; every stored item, with why and for how long, one
    tap away."""
    label = text(update, context, "privacy.everything")
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=button_data(update, context, FEATURE, "all"))]]
    )
    await reply(update, context, text(update, context, "privacy.summary"), markup=markup)


async def on_privacy_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, _ = verified
    await query.answer()
    svc = services(context)
    database = svc.settings.database
    on_postgres = database is not None and database.postgres_url is not None
    for part in render_privacy(svc.catalog, language(update, context), on_postgres=on_postgres):
        await reply(update, context, part)


async def forget(update: Update, context: Context) -> None:
    member, user = member_pseudonym(update, context), update.effective_user
    if member is None or user is None:
        return
    app = context.application
    # Out of any peer chat, line or shift first: its markers are rows /forget erases.
    forgotten = await forget_member(app, member, user.id)
    try:
        erased = await services(context).store.forget(member)
    except StoreError as error:
        # A full disk, say: tell them plainly, and keep trying until it is done.
        logger.error("could not erase a member's rows yet (%s); will retry", type(error).__name__)
        erase_later(app, member)
        await reply(update, context, text(update, context, "forget.not_yet"))
        return
    logger.info("a member used /forget")
    if not is_private(update):
        await reply(update, context, text(update, context, "forget.group"))
        return
    if erased:
        word = text(update, context, "forget.record_one" if erased == 1 else "forget.record_many")
        done = text(update, context, "forget.done", count=erased, count_word=word)
    else:
        key = "forget.done_memory" if forgotten.held else "forget.done_nothing"
        done = text(update, context, key)
    left = forgotten.left
    ended = "" if left is None else text(update, context, f"forget.ended_{left}") + "\n\n"
    await reply(update, context, ended + done)


def register(application: App) -> None:
    application.add_handler(CommandHandler("privacy", show_privacy, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_privacy_button, pattern=f"^{FEATURE}:"))
    application.add_handler(CommandHandler("forget", forget, filters=NEW_MESSAGES))
