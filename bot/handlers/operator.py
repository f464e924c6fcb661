"""/stats, in the operator's chat only: counts per day, never ids or words."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.handlers.common import NEW_MESSAGES, App, Context, language, reply, services, text
from bot.platform.stats import render_stats, stats_since
from bot.services import services_of


async def show_stats(update: Update, context: Context) -> None:
    svc = services(context)
    now = svc.clock()
    counts = await svc.store.daily_counts(stats_since(now))
    rendered = render_stats(svc.catalog, language(update, context), counts, now)
    if svc.assessor.degraded:
        # Where no one reads /healthz (polling), the operator hears it here.
        warning = text(update, context, "stats.model_off", problem=svc.assessor.problem or "")
        rendered = f"{warning}\n\n{rendered}"
    await reply(update, context, rendered)


def register(application: App) -> None:
    operator_chat = services_of(application.bot_data).settings.operator_chat
    if operator_chat is None:
        return  # Without an operator chat, /stats answers nowhere.
    only_there = NEW_MESSAGES & filters.Chat(chat_id=operator_chat)
    application.add_handler(CommandHandler("stats", show_stats, filters=only_there))
