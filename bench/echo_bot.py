"""A bare python-telegram-bot bot that only echoes: the framework's ceiling for
bench/bench_throughput.py. It answers every message with its text and every button with
an empty answer, and nothing else; PTB's defaults otherwise.

Run by the benchmark as a process of its own: TELEGRAM_BOT_TOKEN and
TELEGRAM_API_BASE_URL as for Porchlight. ECHO_TRANSPORT=aiohttp gives it Porchlight's
HTTP transport (bot/plumbing/transport.py), for a like-for-like ceiling.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from telegram import Update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.plumbing.transport import AiohttpRequest


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, message.text or "ok")


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


def main() -> None:
    builder = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
    )
    if os.environ.get("ECHO_TRANSPORT") == "aiohttp":
        builder = builder.request(AiohttpRequest(connections=8)).get_updates_request(
            AiohttpRequest(connections=1)
        )
    application = builder.build()
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, echo))
    application.add_handler(CallbackQueryHandler(answer))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
