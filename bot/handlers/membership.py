"""The bot joining, leaving or being blocked, and groups changing their id.

Group settings and a group's meeting live while the bot is in the group; a member who
blocks the bot is treated as having asked /forget, since nothing can reach them any more,
and leaves any peer chat, line or shift they were in.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from bot.etiquette import memory as etiquette_memory
from bot.handlers.common import App, Context, reply, services, text
from bot.meetings import live as live_meetings
from bot.memory import forget_member

logger = logging.getLogger(__name__)

_PRESENT = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER, ChatMember.RESTRICTED}


async def on_my_membership(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None:
        return
    was_present = change.old_chat_member.status in _PRESENT
    is_present = change.new_chat_member.status in _PRESENT
    svc = services(context)
    chat = change.chat
    if was_present and not is_present:
        who = svc.keyring.pseudonym(chat.id)
        if chat.type == ChatType.PRIVATE:
            # Nothing can reach them now: out of any peer chat, line or shift, and the
            # other side of a chat is told it ended.
            await forget_member(context.application, who, chat.id, notify_self=False)
        await live_meetings.forget_chat(context.application, chat.id)
        await etiquette_memory.forget_chat(context.application.bot_data, chat.id)
        erased = await svc.store.forget(who)
        logger.info("left a chat or was blocked; erased %d rows for it", erased)
    elif is_present and not was_present and chat.type != ChatType.PRIVATE:
        try:
            await reply(update, context, text(update, context, "start.group"))
        except TelegramError as error:
            logger.warning("could not greet a new group: %s", type(error).__name__)


async def on_migration(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return  # Telegram sends a note in both chats; the old chat's one is enough.
    svc = services(context)
    old, new = message.chat.id, message.migrate_to_chat_id
    moved = await svc.store.move_chat(
        svc.keyring.pseudonym(old), svc.keyring.pseudonym(new), svc.keyring.seal(new)
    )
    await live_meetings.move_chat(context.application, old, new)
    logger.info("a group became a supergroup; moved %d rows with it", moved)


def register(application: App) -> None:
    application.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
