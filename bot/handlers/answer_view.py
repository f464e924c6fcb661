"""A help-now answer as it is sent: the lines in the member's language, the buttons under
it (countries, the lines' websites, another region, what else the bot offers), and its
urgency. Crisis safety, the check-in, the peer chat, the chat's answers and /start send
it; the buttons are pressed in bot/handlers/resources.py.

The region travels in the buttons' callback data and is never stored against anyone.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.handlers.common import (
    Context,
    button_data,
    is_private,
    language,
    reply,
    services,
    text,
)
from bot.handlers.directory_view import with_a_meeting_soon
from bot.handlers.next_steps_view import next_steps_rows, peer_note
from bot.plumbing.priority import CRISIS
from bot.safety.resources import INTERNATIONAL, AnswerKind, Rendered, render, resolve_region

# The resources handler's buttons: pressed there, built here.
FEATURE = "res"
_PICKER_COLUMNS = 3
URGENT = {AnswerKind.CRISIS, AnswerKind.OVERDOSE, AnswerKind.GROUP}


def rendered_answer(
    update: Update, context: Context, kind: AnswerKind, region: str | None
) -> Rendered:
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
    rows = country_rows(update, context, kind) if region is None else []
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
    rendered = rendered_answer(update, context, kind, region)
    markup = answer_markup(update, context, kind, region, rendered)
    if kind is AnswerKind.CONCERN and is_private(update):
        markup = await with_a_meeting_soon(update, context, markup)
    return await reply(
        update,
        context,
        rendered.text,
        markup=markup,
        priority=CRISIS if kind in URGENT else None,
    )


def country_rows(
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
