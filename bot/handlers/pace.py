"""The pace gate: a member flooding a chat is told once to slow down, and what they send
past their backlog goes unanswered, except a crisis, which is never held back.

bot/plumbing/update_order.py marks which updates came past a member's backlog. The safety handler
has read them by now (it runs in an earlier group), so a crisis has had its answer; here
the rest stop before any feature sees them.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.handlers.common import SAFETY_GROUP, App, Context, reply, services, text
from bot.plumbing.update_order import PerChatOrder
from bot.safety import Level

# Right after safety, before any feature.
PACE_GROUP = SAFETY_GROUP + 1


async def hold_back_a_flood(update: Update, context: Context) -> None:
    order = context.application.update_processor
    if not isinstance(order, PerChatOrder) or not order.is_overflow(update):
        return
    verdict = services(context).verdicts.verdict_of(update.update_id)
    if verdict is not None and verdict.level is Level.CRISIS:
        return
    notice = text(update, context, "pace.notice") if order.first_notice(update) else None
    if update.callback_query is not None:
        # A button always gets its answer, or Telegram keeps it spinning.
        await update.callback_query.answer(notice)
    elif notice and update.effective_message is not None and update.edited_message is None:
        await reply(update, context, notice)
    raise ApplicationHandlerStop


def register(application: App) -> None:
    application.add_handler(TypeHandler(Update, hold_back_a_flood), group=PACE_GROUP)
