"""/resources: crisis lines and professional help, for the chat's region or another."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Button,
    Context,
    button_data,
    chat_pseudonym,
    keyboard,
    language,
    reply,
    services,
    text,
    verified_callback,
)
from bot.resources import INTERNATIONAL, region_codes, render_resources, resolve_region

FEATURE = "res"
_PICKER_COLUMNS = 3


async def _current_region(update: Update, context: Context) -> str | None:
    svc = services(context)
    chat = chat_pseudonym(update, context)
    chosen = None if chat is None else await svc.store.get_region(chat, svc.clock())
    return resolve_region(chosen, svc.settings.region)


def _answer(update: Update, context: Context, region: str | None) -> tuple[str, list[list[Button]]]:
    chat_id = update.effective_chat.id if update.effective_chat else None
    body = render_resources(services(context).catalog, language(update, context), region)
    pick = button_data(context, chat_id, FEATURE, "pick")
    return body, [[(text(update, context, "resources.pick_button"), pick)]]


async def show_resources(update: Update, context: Context) -> None:
    svc = services(context)
    if context.args:
        given = " ".join(context.args).strip().upper()
        if given not in svc.catalog.crisis_lines.regions and given != INTERNATIONAL:
            codes = ", ".join([*region_codes(svc.catalog), INTERNATIONAL])
            await reply(
                update,
                context,
                text(update, context, "resources.unknown_region", given=given[:20], codes=codes),
            )
            return
        await _remember(update, context, given)
        region = resolve_region(given, svc.settings.region)
    else:
        region = await _current_region(update, context)
    body, buttons = _answer(update, context, region)
    await reply(update, context, body, markup=keyboard(buttons))


async def _remember(update: Update, context: Context, region: str) -> None:
    svc = services(context)
    chat = chat_pseudonym(update, context)
    if chat is not None:
        await svc.store.set_region(chat, region, svc.clock())


def _picker(update: Update, context: Context) -> list[list[Button]]:
    chat_id = update.effective_chat.id if update.effective_chat else None
    catalog = services(context).catalog
    choices: list[Button] = [
        (region.name, button_data(context, chat_id, FEATURE, "set", code))
        for code, region in catalog.crisis_lines.regions.items()
    ]
    choices.append(
        (
            text(update, context, "resources.international_button"),
            button_data(context, chat_id, FEATURE, "set", INTERNATIONAL),
        )
    )
    return [choices[i : i + _PICKER_COLUMNS] for i in range(0, len(choices), _PICKER_COLUMNS)]


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    await query.answer()
    if data.action == "pick":
        await reply(
            update,
            context,
            text(update, context, "resources.pick_prompt"),
            markup=keyboard(_picker(update, context)),
        )
        return
    if data.action == "set" and data.args:
        code = data.args[0]
        await _remember(update, context, code)
        body, buttons = _answer(
            update, context, resolve_region(code, services(context).settings.region)
        )
        try:
            await query.edit_message_text(body, reply_markup=keyboard(buttons))
        except BadRequest:
            # The picker message is gone or unchanged: answer with a new message instead.
            await reply(update, context, body, markup=keyboard(buttons))


def register(application: App) -> None:
    application.add_handler(CommandHandler("resources", show_resources, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
