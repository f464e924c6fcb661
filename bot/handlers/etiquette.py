"""Keeping the no-crosstalk etiquette for a group, and its /etiquette and /settings.

Thin over two pure assessors: bot.etiquette (is this crosstalk?) and bot.peers.contacts (does
it carry contact details?), the message's embedding coming from the crisis layer's
assessor, off the event loop. A message the crisis assessor found to be a crisis is never
touched. A crisis or a concern is remembered as a time for the chat (or topic), so that
for a while replies that care for that person are left alone, and the person running the
meeting is told once, privately, that someone may need help. remind mode answers once per
member per meeting with a warm line that deletes itself after a minute; delete mode
removes the message and says why, once per member (thanks, identifying and emoji that a
strict group flags get the reminder instead, never a deletion).

What it remembers between messages (settings, admins, who was reminded outside meetings)
is bot.etiquette.memory's; the meeting it keeps, bot.meetings.live's.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import ChatMember, Message, MessageEntity, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.etiquette import MeetingMessage, Strictness, judge, memory
from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    chat_pseudonym,
    hand_of,
    holding_the_meeting,
    is_group_admin,
    is_private,
    language,
    place_of,
    reply,
    services,
    text,
    thread_of,
)
from bot.meetings import live
from bot.meetings.queue import Meeting, Runner
from bot.peers.contacts import find_contact
from bot.platform.catalog import Html
from bot.platform.store import EtiquetteSettings
from bot.safety import Level

logger = logging.getLogger(__name__)

ACTIONS = ("off", "remind", "delete")
STRICTNESS = ("gentle", "standard", "strict")
SCOPES = ("always", "meetings")
REMINDER_LIFETIME = timedelta(minutes=1)
DONE_MARK = "[done]"


async def settings_here(update: Update, context: Context) -> EtiquetteSettings:
    """This chat's (and topic's) settings, cached in memory until an admin changes them.
    Beside other instances (REDIS_URL) the store is read each time: an admin's change
    through one instance would not reach the others' caches."""
    place = place_of(update)
    assert place is not None
    bot_data = context.application.bot_data
    svc = services(context)
    found = memory.cached_settings(bot_data, place)
    if found is not None and not svc.shared.spans_instances:
        return found
    group = chat_pseudonym(update, context)
    assert group is not None
    read = await svc.store.etiquette(group, place[1])
    memory.cache_settings(bot_data, place, read)
    return read


async def _running_meeting(update: Update, context: Context, meeting: Meeting | None) -> bool:
    """Admins, anonymous admins and the chair run the meeting: the etiquette is theirs."""
    message, chat, user = update.effective_message, update.effective_chat, update.effective_user
    if message is None or chat is None:
        return False
    if message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    if user is None:
        return False
    svc = services(context)
    bot_data = context.application.bot_data
    now = svc.clock()
    admin_ids = memory.fresh_admins(bot_data, chat.id, now)
    if admin_ids is None:
        try:
            admins = await context.bot.get_chat_administrators(chat.id)
            admin_ids = {a.user.id for a in admins}
            memory.remember_admins(bot_data, chat.id, admin_ids, now)
        except TelegramError as error:
            logger.info("could not list a group's admins: %s", type(error).__name__)
            admin_ids = set()
    if user.id in admin_ids:
        return True
    group = chat_pseudonym(update, context)
    member = svc.keyring.pseudonym(user.id)
    thread_id = thread_of(message)
    return group is not None and await svc.store.may_chair(group, thread_id, member, now)


def describe(
    message: Message, meeting: Meeting | None, user_id: int, someone_in_distress: bool = False
) -> MeetingMessage:
    """The plain description bot.etiquette judges: text, reply, mentions, who shares."""
    words = message.text or message.caption or ""
    replied = message.reply_to_message
    replies_to_member = (
        replied is not None
        and replied.from_user is not None
        and not replied.from_user.is_bot
        and replied.from_user.id != user_id
        and replied.forum_topic_created is None
    )
    mentions = tuple(
        words_of_entity
        for entity, words_of_entity in message.parse_entities(
            [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
        ).items()
        if entity.user is None or entity.user.id != user_id
    )
    sharing_now = meeting is not None and meeting.speaker is not None
    return MeetingMessage(
        text=words,
        replies_to_member=replies_to_member,
        mentions=mentions,
        someone_else_sharing=sharing_now and not meeting.is_sharing(user_id),  # type: ignore[union-attr]
        author_sharing=meeting is not None and meeting.is_sharing(user_id),
        someone_in_distress=someone_in_distress,
    )


async def keep_etiquette(update: Update, context: Context) -> None:
    # Taken first, so it is never left behind.
    embedding = services(context).verdicts.take_embedding(update.update_id)
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.from_user is None:
        return
    if message.from_user.is_bot:
        return
    place = place_of(update)
    assert place is not None
    meeting = live.meeting_at(context.application.bot_data, place)
    words = (message.text or "").strip()
    # Typed in the meeting, a hand or the end of a share is the meeting's, as /share or /done.
    if meeting is not None and words == "!":
        hand, here = hand_of(update), language(update, context)
        await live.raise_hand(context.application, place, hand, here)
        return
    if meeting is not None and words.lower().endswith(DONE_MARK):
        hand, here = hand_of(update), language(update, context)
        await live.finish_share(context.application, place, hand, here)
    svc = services(context)
    now = svc.clock()
    verdict = svc.verdicts.verdict_of(update.update_id)
    # A reading the model merely could not rule out is not distress: about one everyday
    # message in four is one, and the chair would be told of every meeting.
    distress = verdict is not None and verdict.level >= Level.CONCERN and not verdict.is_unsure
    if distress and await svc.recent_distress.note(place, now) and meeting is not None:
        await _tell_who_runs_it(update, context, meeting)
    settings = await settings_here(update, context)
    if settings.action == "off" or (meeting is None and settings.scope != "always"):
        return
    if verdict is not None and verdict.level is Level.CRISIS:
        return  # a crisis is never crosstalk; the crisis-safety answer applies
    if await _running_meeting(update, context, meeting):
        return
    if meeting is not None and find_contact(words or message.caption or ""):
        await _contact_details(update, context, meeting, settings)
        return
    if meeting is not None and meeting.parking_lot:
        return  # the chair opened the floor: conversation is welcome now
    chosen = svc.meeting_formats.get(meeting.format_id) if meeting else None
    if chosen is not None and chosen.crosstalk:
        return
    distress_here = await svc.recent_distress.within(place, now)
    said = describe(message, meeting, user.id, distress_here)
    if svc.etiquette is not None and embedding is None:  # the crisis layer had none to give
        embedding = await svc.assessor.embed(said.text)
    judged = judge(said, Strictness[settings.strictness.upper()], svc.etiquette, embedding)
    if judged.crosstalk:
        logger.info("crosstalk noticed (%s)", judged.reason)
        delete = settings.action == "delete" and not judged.reminder_only
        await _crosstalk(update, context, meeting, delete)


async def _tell_who_runs_it(update: Update, context: Context, meeting: Meeting) -> None:
    """One private note that someone in the meeting may need help: no name, no words.
    To whoever runs the meeting; not known (after a restart, or an anonymous admin runs
    it), to the group's admins. Whoever never opened a chat with the bot is not reached,
    and nothing more is done about it."""
    chat = update.effective_chat
    assert chat is not None
    if meeting.runner is not None:
        told = [meeting.runner]
    else:
        try:
            admins = await context.bot.get_chat_administrators(chat.id)
        except TelegramError as error:
            logger.info("could not list a group's admins: %s", type(error).__name__)
            return
        here = language(update, context)
        told = [Runner(a.user.id, here) for a in admins if not a.user.is_bot]
    catalog = services(context).catalog
    for runner in told:
        body = catalog.text("etiquette.distress_note", runner.language, group=chat.title or "")
        try:
            await context.bot.send_message(runner.user_id, body, parse_mode=HTML)
        except TelegramError as error:  # never opened a chat with the bot, or blocked it
            logger.info("could not tell who runs a meeting: %s", type(error).__name__)


async def _first_time(update: Update, context: Context, meeting: Meeting | None, seen: str) -> bool:
    """Once per member per meeting (outside meetings: once per member a day)."""
    user = update.effective_user
    place = place_of(update)
    assert user is not None
    assert place is not None
    if meeting is not None:
        already: set[int] = getattr(meeting, seen)
        if user.id in already:
            return False
        already.add(user.id)
        return True
    svc = services(context)
    return await svc.reminded_outside.first_time(place, seen, user.id, svc.clock())


async def _crosstalk(
    update: Update, context: Context, meeting: Meeting | None, delete: bool
) -> None:
    message = update.effective_message
    assert message is not None
    if delete and await _delete(message):
        if await _first_time(update, context, meeting, "reminded"):
            await _say_briefly(update, context, text(update, context, "etiquette.removed"), None)
        return
    if await _first_time(update, context, meeting, "reminded"):
        body = text(update, context, "etiquette.reminder")
        await _say_briefly(update, context, body, message)


async def _contact_details(
    update: Update, context: Context, meeting: Meeting, settings: EtiquetteSettings
) -> None:
    message = update.effective_message
    assert message is not None
    if settings.action == "delete" and await _delete(message):
        if await _first_time(update, context, meeting, "contact_reminded"):
            body = text(update, context, "etiquette.contact_removed")
            await _say_briefly(update, context, body, None)
        return
    if await _first_time(update, context, meeting, "contact_reminded"):
        body = text(update, context, "etiquette.contact_reminder")
        await _say_briefly(update, context, body, message)


async def _delete(message: Message) -> bool:
    try:
        await message.delete()
    except TelegramError as error:  # no right to delete: fall back to a reminder
        logger.info("could not delete a message: %s", type(error).__name__)
        return False
    return True


async def _say_briefly(
    update: Update, context: Context, body: str, answering: Message | None
) -> None:
    """A one-line reminder that deletes itself after a minute; as a reply when the
    message is still there, so it reaches its author and nobody else is pointed at."""
    chat = update.effective_chat
    assert chat is not None
    try:
        sent = await context.bot.send_message(
            chat.id,
            body,
            parse_mode=HTML,
            message_thread_id=thread_of(update.effective_message),
            reply_parameters=(
                ReplyParameters(answering.message_id, allow_sending_without_reply=True)
                if answering
                else None
            ),
        )
    except TelegramError as error:
        logger.info("could not post an etiquette reminder: %s", type(error).__name__)
        return
    await live.schedule_deletion(context.application, sent, REMINDER_LIFETIME)


# --- /etiquette and /settings --------------------------------------------------------------


async def etiquette_command(update: Update, context: Context) -> None:
    if is_private(update):
        await reply(update, context, text(update, context, "etiquette.groups_only"))
        return
    choice = (context.args or [""])[0].lower()
    if choice not in (*ACTIONS, *STRICTNESS, *SCOPES):
        await reply(update, context, text(update, context, "etiquette.usage"))
        return
    if not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "etiquette.admins_only"))
        return
    if choice == "delete" and not await _bot_can_delete(update, context):
        await reply(update, context, text(update, context, "etiquette.no_rights"))
        return
    current = await settings_here(update, context)
    if choice in ACTIONS:
        changed = EtiquetteSettings(choice, current.strictness, current.scope)
    elif choice in STRICTNESS:
        changed = EtiquetteSettings(current.action, choice, current.scope)
    else:
        changed = EtiquetteSettings(current.action, current.strictness, choice)
    svc = services(context)
    group, place = chat_pseudonym(update, context), place_of(update)
    assert group is not None
    assert place is not None
    await svc.store.set_etiquette(group, place[1], changed, svc.clock())
    memory.cache_settings(context.application.bot_data, place, changed)
    await reply(
        update,
        context,
        text(update, context, "etiquette.changed", **_words(update, context, changed)),
    )


def _words(update: Update, context: Context, settings: EtiquetteSettings) -> dict[str, str]:
    return {
        name: text(update, context, f"etiquette.value.{value}")
        for name, value in (
            ("action", settings.action),
            ("strictness", settings.strictness),
            ("scope", settings.scope),
        )
    }


async def _bot_can_delete(update: Update, context: Context) -> bool:
    chat = update.effective_chat
    assert chat is not None
    member = await context.bot.get_chat_member(chat.id, context.bot.id)
    return member.status == ChatMember.OWNER or bool(getattr(member, "can_delete_messages", False))


async def settings_command(update: Update, context: Context) -> None:
    """Everything a group has chosen, in one message, for anyone to see."""
    if is_private(update):
        await reply(update, context, text(update, context, "etiquette.settings_in_groups"))
        return
    svc = services(context)
    settings = await settings_here(update, context)
    group = chat_pseudonym(update, context)
    assert group is not None
    crisis = await svc.store.crisis_posts_enabled(group, svc.clock())
    meeting = live.meeting_at(context.application.bot_data, place_of(update))
    if meeting is None:
        running = text(update, context, "etiquette.settings_no_meeting")
    else:
        chosen = svc.meeting_formats.get(meeting.format_id)
        running = text(
            update,
            context,
            "etiquette.settings_meeting",
            name=chosen.name if chosen else meeting.format_id,
            minutes=int(meeting.timer.total_seconds() // 60),
        )
    body = text(
        update,
        context,
        "etiquette.settings",
        crisis=text(update, context, "crisis.state_on" if crisis else "crisis.state_off"),
        meeting=Html(running),
        **_words(update, context, settings),
    )
    await reply(update, context, body)


def register(application: App) -> None:
    application.add_handler(CommandHandler("etiquette", etiquette_command, filters=NEW_MESSAGES))
    application.add_handler(
        CommandHandler("settings", holding_the_meeting(settings_command), filters=NEW_MESSAGES)
    )
    group_words = (
        NEW_MESSAGES
        & (filters.ChatType.GROUPS)
        & (filters.TEXT | filters.CAPTION)
        & ~filters.COMMAND
    )
    application.add_handler(MessageHandler(group_words, holding_the_meeting(keep_etiquette)))
