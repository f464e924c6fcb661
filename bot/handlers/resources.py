"""Help-now answers in chats: /resources, and the buttons under every crisis answer.

The region a member picks travels in the buttons' callback data and is never stored
against them: the operator's PORCHLIGHT_REGION, else the international directory, is
where every answer starts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.answer_view import (
    FEATURE,
    URGENT,
    answer_markup,
    country_rows,
    rendered_answer,
    send_answer,
)
from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    is_private,
    reply,
    services,
    text,
    verified_callback,
)
from bot.plumbing.priority import CRISIS
from bot.safety.resources import (
    INTERNATIONAL,
    AnswerKind,
    find_region,
    region_codes,
)

logger = logging.getLogger(__name__)

# A crisis answer may be opened again days later: its buttons stay usable for a month.
BUTTON_MAX_AGE = timedelta(days=30)


async def show_resources(update: Update, context: Context) -> None:
    catalog = services(context).catalog
    chosen: str | None = None
    if context.args:
        chosen = find_region(catalog, " ".join(context.args))
        if chosen is None:
            # Never the member's words back: they may be anything, a crisis included.
            codes = ", ".join(region_codes(catalog))
            await reply(
                update, context, text(update, context, "resources.unknown_region", codes=codes)
            )
            return
    await send_answer(update, context, AnswerKind.RESOURCES, chosen)


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context, max_age=BUTTON_MAX_AGE)
    if verified is None:
        return
    query, data = verified
    await query.answer()
    kinds = {kind.value: kind for kind in AnswerKind}
    if data.action == "pick" and data.args and data.args[0] in kinds:
        await _offer_countries(update, context, data.args[0])
    elif data.action == "set" and len(data.args) == 2 and data.args[0] in kinds:
        await _show_region(update, context, kinds[data.args[0]], data.args[1])
    elif data.action == "show" and data.args:
        await send_answer(update, context, AnswerKind.RESOURCES, data.args[0])
    elif data.action == "back":  # under answers sent before it gave way to what else helps
        await reply(update, context, text(update, context, "crisis.back"))
    else:
        logger.warning("a signed resources button had an unknown action")


async def _offer_countries(update: Update, context: Context, kind: str) -> None:
    """The countries under a private answer, in place; under a group's post, which belongs
    to everyone, in a message of their own."""
    markup = InlineKeyboardMarkup(country_rows(update, context, kind))
    query = update.callback_query
    assert query is not None
    if is_private(update):
        try:
            await query.edit_message_reply_markup(reply_markup=markup)
            return
        except BadRequest:
            pass
    await reply(update, context, text(update, context, "resources.pick_prompt"), markup=markup)


async def _show_region(update: Update, context: Context, kind: AnswerKind, code: str) -> None:
    """The same answer for the chosen region: in place in a private chat; in a group, to the
    member who pressed privately where they have a chat with the bot, else as a new message,
    so no one changes a post that answered someone else."""
    if code != INTERNATIONAL and code not in services(context).catalog.crisis_lines.regions:
        logger.warning("a signed resources button named a region this bot does not have")
        return
    query = update.callback_query
    assert query is not None
    if not is_private(update):
        private = AnswerKind.RESOURCES if kind is AnswerKind.GROUP else kind
        if await _send_privately(update, context, private, code):
            return
        await send_answer(update, context, kind, code)
        return
    rendered = rendered_answer(update, context, kind, code)
    markup = answer_markup(update, context, kind, code, rendered)
    try:
        await query.edit_message_text(rendered.text, parse_mode=HTML, reply_markup=markup)
    except BadRequest:
        await reply(update, context, rendered.text, markup=markup)


async def _send_privately(update: Update, context: Context, kind: AnswerKind, code: str) -> bool:
    """The lines for code, to the member who pressed, in their private chat with the bot.
    False where they have none (Telegram refuses a bot's first word)."""
    user = update.effective_user
    if user is None:
        return False
    rendered = rendered_answer(update, context, kind, code)
    try:
        await context.bot.send_message(
            user.id,
            rendered.text,
            parse_mode=HTML,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, url=url)] for label, url in rendered.links]
            ),
            rate_limit_args=CRISIS if kind in URGENT else None,
        )
    except (Forbidden, BadRequest):
        return False
    return True


async def lines_link(update: Update, context: Context) -> None:
    """/start resources: the "write to me privately" button under a group's crisis post."""
    await send_answer(update, context, AnswerKind.RESOURCES)


def register(application: App) -> None:
    # Before welcome.py's /start, which answers every other start.
    resources_link = NEW_MESSAGES & filters.Regex(r"^/start resources(\s|$)")
    application.add_handler(CommandHandler("start", lines_link, filters=resources_link))
    application.add_handler(CommandHandler("resources", show_resources, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
