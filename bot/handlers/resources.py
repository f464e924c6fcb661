"""Help-now answers in chats: /resources, and the buttons under every crisis answer.

The region a member picks travels in the buttons' callback data and is never stored
against them: the operator's PORCHLIGHT_REGION, else the international directory, is
where every answer starts.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    is_private,
    language,
    reply,
    services,
    text,
    verified_callback,
)
from bot.handlers.next_steps import next_steps_rows, peer_note
from bot.plumbing.priority import CRISIS
from bot.safety.resources import (
    INTERNATIONAL,
    AnswerKind,
    Rendered,
    find_region,
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
    rendered = render(services(context).catalog, language(update, context), kind, region)
    if kind is AnswerKind.CRISIS and is_private(update):
        # Only what the bot really has: a listener if one is on shift, said honestly.
        return Rendered(f"{rendered.text}\n\n{peer_note(update, context)}", rendered.links)
    return rendered


def answer_markup(
    update: Update, context: Context, kind: AnswerKind, region: str | None, rendered: Rendered
) -> InlineKeyboardMarkup:
    """With no region known, the countries first; then URL buttons for the lines' websites,
    another region, and what else the bot offers (a group's post: a way to write privately)."""
    if kind is AnswerKind.CONCERN:
        rows = [[_callback(update, context, "buttons.people_now", "show", region or INTERNATIONAL)]]
        return InlineKeyboardMarkup(rows + next_steps_rows(update, context))
    rows = _country_rows(update, context, kind) if region is None else []
    rows += [[InlineKeyboardButton(label, url=url)] for label, url in rendered.links]
    if region is not None:
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
    elif kind is AnswerKind.CRISIS:
        rows += next_steps_rows(update, context)
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
        chosen = find_region(catalog, " ".join(context.args))
        if chosen is None:
            # Never the member's words back: they may be anything, a crisis included.
            codes = ", ".join(region_codes(catalog))
            await reply(
                update, context, text(update, context, "resources.unknown_region", codes=codes)
            )
            return
    await send_answer(update, context, AnswerKind.RESOURCES, chosen)


def _country_rows(
    update: Update, context: Context, kind: str | AnswerKind
) -> list[list[InlineKeyboardButton]]:
    catalog = services(context).catalog
    member_language = language(update, context)
    buttons = [
        InlineKeyboardButton(
            region.name(member_language),
            callback_data=button_data(update, context, FEATURE, "set", str(kind), code),
        )
        for code, region in catalog.crisis_lines.regions.items()
    ]
    buttons.append(
        InlineKeyboardButton(
            text(update, context, "resources.international_button"),
            callback_data=button_data(update, context, FEATURE, "set", str(kind), INTERNATIONAL),
        )
    )
    return [buttons[i : i + _PICKER_COLUMNS] for i in range(0, len(buttons), _PICKER_COLUMNS)]


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
    markup = InlineKeyboardMarkup(_country_rows(update, context, kind))
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
    rendered = _rendered(update, context, kind, code)
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
    rendered = _rendered(update, context, kind, code)
    try:
        await context.bot.send_message(
            user.id,
            rendered.text,
            parse_mode=HTML,
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, url=url)] for label, url in rendered.links]
            ),
            rate_limit_args=CRISIS if kind in _URGENT else None,
        )
    except (Forbidden, BadRequest):
        return False
    return True


def register(application: App) -> None:
    application.add_handler(CommandHandler("resources", show_resources, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
