"""What nothing else handled: unknown commands, stickers, stray buttons, and errors
(plain words in a private chat are bot/handlers/conversation.py's).

Registered last in the default group: within a group the first matching handler wins,
so these see only what no feature claimed.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.handlers.common import (
    NEW_MESSAGES,
    PRIVATE,
    App,
    Context,
    answer_expired,
    reply,
    services,
    text,
)
from bot.platform.store import StoreError

logger = logging.getLogger(__name__)


def _already_answered(update: Update, context: Context) -> bool:
    """After a crisis or concern answer, a pointer to /help would only be noise."""
    return services(context).verdicts.was_answered(update.update_id)


async def unknown_command(update: Update, context: Context) -> None:
    if not _already_answered(update, context):
        await reply(update, context, text(update, context, "fallback.unknown_command"))


async def not_text(update: Update, context: Context) -> None:
    if not _already_answered(update, context):
        await reply(update, context, text(update, context, "fallback.not_text"))


async def on_error(update: object, context: Context) -> None:
    """Log the exception's type and the update id, nothing more; tell the member kindly."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("an update failed: %s (update %s)", type(context.error).__name__, update_id)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        # Storage failing (a full disk, say): nothing was saved, and the member should know.
        storage = isinstance(context.error, StoreError)
        key = "errors.storage" if storage else "errors.generic"
        await reply(update, context, text(update, context, key))
    except TelegramError as error:
        logger.warning("could not tell the member about an error: %s", type(error).__name__)


def register(application: App) -> None:
    private_new = NEW_MESSAGES & PRIVATE
    application.add_handler(MessageHandler(private_new & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(private_new & ~filters.TEXT & ~filters.StatusUpdate.ALL, not_text)
    )
    # Any button no feature claimed: forged, or from a feature that no longer exists.
    application.add_handler(CallbackQueryHandler(answer_expired))
    application.add_error_handler(on_error)
