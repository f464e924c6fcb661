"""Small helpers every handler shares: who is asking, in which language and zone, and
replying there."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import (
    CallbackQuery,
    ChatMember,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import filters

from bot.delivery.deliver import subscribe_daily
from bot.meetings import live as live_meetings
from bot.meetings.queue import Hand
from bot.platform.callbacks import DEFAULT_MAX_AGE, CallbackData
from bot.platform.privacy import Pseudonym
from bot.plumbing.types import App as App  # named by every handler from here
from bot.plumbing.types import Context as Context
from bot.plumbing.types import Place
from bot.safety.assessor import Who
from bot.services import Services, services_of

logger = logging.getLogger(__name__)

# Commands answer new messages only: an edited "/forget" must not erase twice, and
# channel posts are not members talking to us.
NEW_MESSAGES = filters.UpdateType.MESSAGE
PRIVATE = filters.ChatType.PRIVATE

# Every text in the catalogue is Telegram HTML.
HTML = ParseMode.HTML

# Crisis safety reads every message before any feature's handlers (group 0) see it.
SAFETY_GROUP = -10


def services(context: Context) -> Services:
    return services_of(context.application.bot_data)


def language(update: Update, context: Context) -> str:
    user = update.effective_user
    return services(context).catalog.language_for(user.language_code if user else None)


def text(update: Update, context: Context, key: str, /, **values: object) -> str:
    return services(context).catalog.text(key, language(update, context), **values)


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def member_pseudonym(update: Update, context: Context) -> Pseudonym | None:
    user = update.effective_user
    return None if user is None else services(context).keyring.pseudonym(user.id)


async def is_group_admin(update: Update, context: Context) -> bool:
    """Asked of Telegram each time, never cached. An anonymous admin, posting as the
    group itself, counts as an admin."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None or message is None:
        return False
    if message.sender_chat is not None:
        # Posting as the group itself is an anonymous admin; as a channel, no one we know.
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


def chat_pseudonym(update: Update, context: Context) -> Pseudonym | None:
    chat = update.effective_chat
    return None if chat is None else services(context).keyring.pseudonym(chat.id)


def speaker(update: Update, context: Context) -> Who:
    """Who is talking where: the chat's and the member's pseudonyms."""
    return (chat_pseudonym(update, context), member_pseudonym(update, context))


async def just_had_a_crisis(update: Update, context: Context) -> bool:
    """Whether this member had a crisis verdict in this chat in the last few minutes."""
    svc = services(context)
    return await svc.recent_crises.within(speaker(update, context), svc.clock())


def words_of(message: Message) -> str:
    """The member's own words: text or caption, without a leading /command."""
    words = message.text or message.caption or ""
    if words.startswith("/"):
        _, _, words = words.partition(" ")
    return words.strip()


async def chat_zone(update: Update, context: Context) -> str | None:
    """The chat's zone, touched on use so it lives 180 days after the last."""
    svc = services(context)
    chat = chat_pseudonym(update, context)
    if chat is None:
        return None
    zone = await svc.store.get_zone(chat, svc.clock())
    if zone is not None:
        await svc.store.set_zone(chat, zone, svc.clock())
    return zone


async def schedule_here(update: Update, context: Context, kind: str, minute: int) -> str | None:
    """Deliver `kind` into this chat (and topic) daily at minute, in the chat's zone;
    returns the zone (None: UTC until one is set)."""
    chat = update.effective_chat
    assert chat is not None
    zone = await chat_zone(update, context)
    where = thread_of(update.effective_message)
    lang = language(update, context)
    await subscribe_daily(services(context), chat.id, where, lang, kind, minute, zone)
    return zone


def button_data(update: Update, context: Context, feature: str, action: str, *args: str) -> str:
    """Signed data for a button sent into the update's chat (none for an inline message),
    the same chat verified_callback checks it against when it is pressed."""
    svc = services(context)
    chat_id = update.effective_chat.id if update.effective_chat else None
    return svc.callbacks.build(feature, action, *args, chat_id=chat_id, now=svc.clock())


def thread_of(message: Message | None) -> int | None:
    """Replies in a forum topic must name the topic, or they land in General."""
    if message is not None and message.is_topic_message:
        return message.message_thread_id
    return None


def place_of(update: Update) -> Place | None:
    """The group chat and forum topic an update came from (None in a private chat): where
    a meeting runs and a group's etiquette settings apply."""
    chat = update.effective_chat
    if chat is None or is_private(update):
        return None
    return chat.id, thread_of(update.effective_message)


Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def holding_the_meeting(callback: Handler) -> Handler:
    """A handler that reads or changes the meeting where it was sent (if any): it runs
    holding that place, so with REDIS_URL every instance works on one queue."""

    @functools.wraps(callback)
    async def held(update: Update, context: Context) -> None:
        place = place_of(update)
        if place is None:
            await callback(update, context)
            return
        async with live_meetings.holding(context.application, place):
            await callback(update, context)

    return held


def hand_of(update: Update) -> Hand | None:
    """The sender as a hand a meeting can call on; None when they post as a channel or as
    the group, since there is no person to call on."""
    user = update.effective_user
    if user is None or update.effective_message is None:
        return None
    if update.effective_message.sender_chat is not None:
        return None
    return Hand(user.id, user.first_name)


async def reply(
    update: Update,
    context: Context,
    body: str,
    *,
    markup: InlineKeyboardMarkup | None = None,
    priority: str | None = None,
) -> Message | None:
    """Send body into the chat the update came from, in its forum topic if it has one.

    It is a new message, not a reply: it quotes nothing and points at no one. priority
    (bot.plumbing.priority.CRISIS) lets it skip the rate-limit queue.
    """
    chat = update.effective_chat
    if chat is None:
        return None
    return await context.bot.send_message(
        chat.id,
        body,
        parse_mode=HTML,
        message_thread_id=thread_of(update.effective_message),
        reply_markup=markup,
        rate_limit_args=priority,
    )


async def clear_buttons(message: Message | None) -> None:
    """A tapped step loses its buttons, so an old one cannot be tapped again."""
    if message is None:
        return
    try:
        await message.edit_reply_markup(reply_markup=None)
    except TelegramError as error:  # already gone, or too old to edit: nothing is lost
        logger.debug("could not clear buttons: %s", type(error).__name__)


async def verified_callback(
    update: Update, context: Context, *, max_age: timedelta = DEFAULT_MAX_AGE
) -> tuple[CallbackQuery, CallbackData] | None:
    """The pressed button's meaning, or None after telling the member it has expired."""
    query = update.callback_query
    if query is None:
        return None
    chat_id = query.message.chat.id if query.message is not None else None
    svc = services(context)
    parsed = svc.callbacks.parse(query.data, chat_id=chat_id, now=svc.clock(), max_age=max_age)
    if parsed is None:
        await answer_expired(update, context)
        return None
    return query, parsed


async def answer_expired(update: Update, context: Context) -> None:
    """A forged, stale or foreign button: say so kindly, and offer the way back."""
    query = update.callback_query
    if query is None:
        return
    expired = text(update, context, "buttons.expired")
    await query.answer(expired)
    if update.effective_chat is None:
        return
    key = "help.private" if is_private(update) else "help.group"
    try:
        await reply(update, context, f"{expired}\n\n{text(update, context, key)}")
    except TelegramError as error:
        logger.warning("could not send the expired-button answer: %s", type(error).__name__)
