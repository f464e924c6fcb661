"""/start and /help: what Porchlight is and what it can do.

A /start with a link's payload is claimed first by the feature that made the link (a
reading taken from a group: library.py; the lines asked for from a group's crisis post:
resources.py); bot/app.py registers this module after them.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.handlers.common import NEW_MESSAGES, App, Context, is_private, reply, text


async def start(update: Update, context: Context) -> None:
    await reply(
        update,
        context,
        text(update, context, "start.private" if is_private(update) else "start.group"),
    )


async def show_help(update: Update, context: Context) -> None:
    await reply(
        update,
        context,
        text(update, context, "help.private" if is_private(update) else "help.group"),
    )


def register(application: App) -> None:
    application.add_handler(CommandHandler("start", start, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("help", show_help, filters=NEW_MESSAGES))
