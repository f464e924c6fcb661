"""/start and /help: what Porchlight is and what it can do."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from bot.handlers.common import NEW_MESSAGES, App, Context, is_private, reply, text
from bot.handlers.library import TAKE_PREFIX, deliver_taken
from bot.handlers.resources import send_answer
from bot.safety.resources import AnswerKind


async def start(update: Update, context: Context) -> None:
    payload = context.args[0] if context.args else ""
    if payload == "resources":
        # The "write to me privately" button under a group's crisis post lands here.
        await send_answer(update, context, AnswerKind.RESOURCES)
        return
    # A reading taken from a group by someone who had never opened a chat with us.
    if payload.startswith(TAKE_PREFIX) and await deliver_taken(
        update, context, payload.removeprefix(TAKE_PREFIX)
    ):
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
