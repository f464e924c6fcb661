"""Help-now answers in chats: /resources, and the buttons under every crisis answer.

The region a member picks travels in the buttons' callback data and is never stored
against them: the operator's PORCHLIGHT_REGION, else the international directory, is
where every answer starts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    language,
    reply,
    services,
    text,
    verified_callback,
)
from bot.priority import CRISIS
from bot.resources import (
    AnswerKind,
    Rendered,
    is_known_region,
    region_codes,
    render,
    resolve_region,
)

logger = logging.getLogger(__name__)

FEATURE = "res"
# A crisis answer may be opened again days later: its buttons stay usable for a month.
BUTTON_MAX_AGE = timedelta(days=30)
_PICKER_COLUMNS = 3
_URGENT = {AnswerKind.CRISIS, AnswerKind.OVERDOSE, AnswerKind.GROUP}


def _rendered(update: Update, context: Context, kind: AnswerKind, region: str | None) -> Rendered:
    return render(services(context).catalog, language(update, context), kind, region)


def answer_markup(
    update: Update, context: Context, kind: AnswerKind, region: str | None, rendered: Rendered
) -> InlineKeyboardMarkup:
    """URL buttons for the lines' websites, then another region, then a way back."""
    rows = [[InlineKeyboardButton(label, url=url)] for label, url in rendered.links]
    if kind in (AnswerKind.CONCERN, AnswerKind.UNSURE):
        rows = [[_callback(update, context, "buttons.people_now", "show", region or "INT")]]
    if kind is not AnswerKind.UNSURE:
        rows.append([_callback(update, context, "buttons.other_region", "pick", kind.value)])
    if kind is AnswerKind.GROUP:
        username = context.bot.username
        rows.append(
            [
                InlineKeyboardButton(
                    text(update, context, "buttons.write_privately"),
                    url=f"https://t.me/{username}?start=resources",
                )
            ]
        )
    elif kind is not AnswerKind.RESOURCES:
        rows.append([_callback(update, context, "buttons.back", "back")])
    return InlineKeyboardMarkup(rows)


def _callback(
    update: Update, context: Context, label_key: str, action: str, *args: str
) -> InlineKeyboardButton:
    data = button_data(update, context, FEATURE, action, *args)
    return InlineKeyboardButton(text(update, context, label_key), callback_data=data)


async def send_answer(
    update: Update, context: Context, kind: AnswerKind, region: str | None = None
) -> Message | None:
    """Send a help-now answer into the update's chat (and topic), urgent ones first of all."""
    region = resolve_region(region, services(context).settings.region)
    rendered = _rendered(update, context, kind, region)
    return await reply(
        update,
        context,
        rendered.text,
        markup=answer_markup(update, context, kind, region, rendered),
        priority=CRISIS if kind in _URGENT else None,
    )


async def show_resources(update: Update, context: Context) -> None:
    catalog = services(context).catalog
    chosen: str | None = None
    if context.args:
        chosen = " ".join(context.args).strip().upper()
        if not is_known_region(catalog, chosen):
            codes = ", ".join(region_codes(catalog))
            await reply(
                update,
                context,
                text(update, context, "resources.unknown_region", given=chosen[:20], codes=codes),
            )
            return
    await send_answer(update, context, AnswerKind.RESOURCES, chosen)


def _picker(update: Update, context: Context, kind: str) -> InlineKeyboardMarkup:
    catalog = services(context).catalog
    buttons = [
        InlineKeyboardButton(
            region.name,
            callback_data=button_data(update, context, FEATURE, "set", kind, code),
        )
        for code, region in catalog.crisis_lines.regions.items()
    ]
    buttons.append(
        InlineKeyboardButton(
            text(update, context, "resources.international_button"),
            callback_data=button_data(update, context, FEATURE, "set", kind, "INT"),
        )
    )
    return InlineKeyboardMarkup(
        [buttons[i : i + _PICKER_COLUMNS] for i in range(0, len(buttons), _PICKER_COLUMNS)]
    )


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context, max_age=BUTTON_MAX_AGE)
    if verified is None:
        return
    query, data = verified
    await query.answer()
    kinds = {kind.value: kind for kind in AnswerKind}
    if data.action == "pick" and data.args and data.args[0] in kinds:
        await _replace_markup(update, context, _picker(update, context, data.args[0]))
    elif data.action == "set" and len(data.args) == 2 and data.args[0] in kinds:
        await _show_region(update, context, kinds[data.args[0]], data.args[1])
    elif data.action == "show" and data.args:
        await send_answer(update, context, AnswerKind.RESOURCES, data.args[0])
    elif data.action == "back":
        await reply(update, context, text(update, context, "crisis.back"))
    else:
        logger.warning("a signed resources button had an unknown action")


async def _replace_markup(update: Update, context: Context, markup: InlineKeyboardMarkup) -> None:
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest:
        await reply(update, context, text(update, context, "resources.pick_prompt"), markup=markup)


async def _show_region(update: Update, context: Context, kind: AnswerKind, code: str) -> None:
    """Re-render the same answer for the chosen region, in place where Telegram allows."""
    region = resolve_region(code, services(context).settings.region)
    rendered = _rendered(update, context, kind, region)
    markup = answer_markup(update, context, kind, region, rendered)
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(rendered.text, parse_mode=HTML, reply_markup=markup)
    except BadRequest:
        await reply(update, context, rendered.text, markup=markup)


def register(application: App) -> None:
    application.add_handler(CommandHandler("resources", show_resources, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
