"""/start and /help: what Porchlight is and what it can do."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.handlers.common import NEW_MESSAGES, App, Context, is_private, reply, text
from bot.handlers.resources import send_answer
from bot.resources import AnswerKind


async def start(update: Update, context: Context) -> None:
    if context.args == ["resources"]:
        # The "write to me privately" button under a group's crisis post lands here.
        await send_answer(update, context, AnswerKind.RESOURCES)
        return
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
