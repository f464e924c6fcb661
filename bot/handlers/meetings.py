"""/meeting and the share queue: online meetings in groups and forum topics.

A meeting belongs to one chat and, in a forum, one topic. Admins (anonymous admins too)
and members they allowed to chair run it; anyone raises a hand. The queue and who shared
live in memory (bot.meetings.queue) and vanish at /meeting end; the store keeps only what a
restart needs (format, chair, timer). Small notices delete themselves after a while.

What runs the live meetings (which are running, hands raised and shares finished, the
timer, restarts, the notices) is bot.meetings.live; this module reads the command, calls
it, and answers.
"""

from __future__ import annotations

import html
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import ChatMember, Message, Update
from telegram.error import TelegramError
from telegram.ext import CommandHandler

from bot.handlers.common import (
    NEW_MESSAGES,
    App,
    Context,
    chat_pseudonym,
    hand_of,
    holding_the_meeting,
    is_group_admin,
    is_private,
    language,
    member_pseudonym,
    place_of,
    reply,
    services,
    text,
    thread_of,
)
from bot.meetings import live
from bot.meetings.formats import DEFAULT_FORMAT, MeetingFormat
from bot.meetings.queue import MAX_TIMER_MINUTES, Meeting, Runner
from bot.platform.catalog import Html
from bot.plumbing.types import Place

logger = logging.getLogger(__name__)

# How an answer goes out: reply, or notice (which deletes itself after a while).
Say = Callable[[Update, Context, str], Awaitable[Message | None]]


def meeting_here(update: Update, context: Context) -> Meeting | None:
    return live.meeting_at(context.application.bot_data, place_of(update))


def group_place(update: Update) -> Place:
    """Where a meeting command was sent: always a group, since _in_groups answers the
    private chats."""
    place = place_of(update)
    assert place is not None
    return place


def runner_of(update: Update, context: Context) -> Runner | None:
    """Who is running the meeting by this command: a person, not the group or a channel."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or message.sender_chat is not None:
        return None
    return Runner(user.id, language(update, context))


async def may_run(update: Update, context: Context) -> bool:
    """Admins (asked of Telegram each time, anonymous ones included) and members the
    admins allowed to chair."""
    if await is_group_admin(update, context):
        return True
    svc = services(context)
    group, member = chat_pseudonym(update, context), member_pseudonym(update, context)
    if group is None or member is None:
        return False
    thread_id = thread_of(update.effective_message)
    return await svc.store.may_chair(group, thread_id, member, svc.clock())


async def meeting_to_run(
    update: Update, context: Context, say: Say | None = None
) -> Meeting | None:
    """The meeting here, if there is one and the sender may run it; else None, after
    saying which of the two it is."""
    answer = say or reply
    meeting = meeting_here(update, context)
    if meeting is None:
        await answer(update, context, text(update, context, "meeting.none"))
        return None
    if not await may_run(update, context):
        await answer(update, context, text(update, context, "meeting.chairs_only"))
        return None
    return meeting


async def notice(update: Update, context: Context, body: str) -> Message | None:
    """A short message in the meeting that deletes itself after a while."""
    return await live.post_notice(context.application, group_place(update), body)


def _format_names(formats: dict[str, MeetingFormat]) -> str:
    return ", ".join(sorted(formats))


# --- /meeting ----------------------------------------------------------------------------


async def meeting_command(update: Update, context: Context) -> None:
    args = context.args or []
    action = args[0].lower() if args else ""
    rest = args[1:]
    handlers = {
        "start": _start,
        "end": _end,
        "topic": _topic,
        "timer": _timer,
        "chair": _chair,
        "parking": _parking_lot,
    }
    handler = handlers.get(action)
    if handler is None:
        await reply(update, context, text(update, context, "meeting.usage"))
        return
    await handler(update, context, rest)


async def _start(update: Update, context: Context, args: list[str]) -> None:
    svc = services(context)
    place = group_place(update)
    meetings = live.meetings_in(context.application.bot_data)
    if place in meetings:
        await reply(update, context, text(update, context, "meeting.already"))
        return
    if not await may_run(update, context):
        await reply(update, context, text(update, context, "meeting.chairs_only"))
        return
    format_id = args[0].lower() if args else DEFAULT_FORMAT
    chosen = svc.meeting_formats.get(format_id)
    if chosen is None:
        names = _format_names(svc.meeting_formats)
        body = text(update, context, "meeting.unknown_format", given=format_id, formats=names)
        await reply(update, context, body)
        return
    record = await live.begin(context.application, place, chosen, runner_of(update, context))
    minutes = record.timer_minutes
    started = text(update, context, "meeting.started", name=chosen.name, minutes=minutes)
    body = f"{html.escape(chosen.opening)}\n\n{started}"
    if not await _sees_members(update, context):
        body += "\n\n" + text(update, context, "meeting.cannot_see")
    await reply(update, context, body)
    if len(args) > 1:
        await _topic(update, context, args[1:])


async def _sees_members(update: Update, context: Context) -> bool:
    """Whether members' messages reach the bot here: it is an admin, or its privacy mode
    is off. Otherwise "!", "[done]" and crosstalk pass it by. Unknown counts as yes."""
    if context.bot.can_read_all_group_messages:
        return True
    chat = update.effective_chat
    assert chat is not None
    try:
        member = await context.bot.get_chat_member(chat.id, context.bot.id)
    except TelegramError as error:
        logger.info("could not ask for the bot's rights in a group: %s", type(error).__name__)
        return True
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def _end(update: Update, context: Context, args: list[str]) -> None:
    svc = services(context)
    meeting = await meeting_to_run(update, context)
    if meeting is None:
        return
    await live.end(context.application, group_place(update))
    chosen = svc.meeting_formats.get(meeting.format_id)
    closing = html.escape(chosen.closing) + "\n\n" if chosen else ""
    await reply(update, context, closing + text(update, context, "meeting.ended"))


async def _parking_lot(update: Update, context: Context, args: list[str]) -> None:
    """After the shares: open conversation is welcome until /meeting end."""
    meeting = await meeting_to_run(update, context)
    if meeting is None:
        return
    meeting.parking_lot = True
    meeting.queue.clear()
    meeting.speaker, meeting.share_started = None, None
    await reply(update, context, text(update, context, "meeting.parking_lot"))


async def _topic(update: Update, context: Context, args: list[str]) -> None:
    svc = services(context)
    if await meeting_to_run(update, context) is None:
        return
    if args:
        topic = " ".join(args)[:300]
        await reply(update, context, text(update, context, "meeting.topic", topic=topic))
        return
    topics = [r for r in svc.library.readings.values() if r.kind == "meeting"]
    rng = random.Random()  # noqa: S311 - picking a topic needs no cryptography
    reading = rng.choice(sorted(topics, key=lambda r: r.id)) if topics else None
    if reading is None:
        await reply(update, context, text(update, context, "meeting.topic_usage"))
        return
    await reply(
        update,
        context,
        text(
            update,
            context,
            "meeting.topic_reading",
            title=reading.title,
            summary=reading.summary,
            body=reading.body,
        ),
    )


async def _timer(update: Update, context: Context, args: list[str]) -> None:
    svc = services(context)
    meeting = await meeting_to_run(update, context)
    if meeting is None:
        return
    if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= MAX_TIMER_MINUTES:
        await reply(update, context, text(update, context, "meeting.timer_usage"))
        return
    minutes = int(args[0])
    meeting.timer = timedelta(minutes=minutes)
    group = chat_pseudonym(update, context)
    assert group is not None
    for record in await svc.store.meetings(svc.clock()):
        if record.group == group and record.thread_id == meeting.thread_id:
            await svc.store.save_meeting(replace(record, timer_minutes=minutes), svc.clock())
    await notice(update, context, text(update, context, "meeting.timer_set", minutes=minutes))


async def _chair(update: Update, context: Context, args: list[str]) -> None:
    """/meeting chair (or chair off) in reply to a member's message: admins only."""
    svc = services(context)
    message = update.effective_message
    target = message.reply_to_message if message else None
    person = target.from_user if target is not None else None
    if person is None or person.is_bot or (target is not None and target.sender_chat):
        await reply(update, context, text(update, context, "meeting.chair_usage"))
        return
    if not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "meeting.admins_only"))
        return
    group = chat_pseudonym(update, context)
    assert group is not None
    allowed = not (args and args[0].lower() == "off")
    member = svc.keyring.pseudonym(person.id)
    thread_id = thread_of(update.effective_message)
    await svc.store.allow_chair(group, thread_id, member, allowed, svc.clock())
    key = "meeting.chair_allowed" if allowed else "meeting.chair_removed"
    await reply(update, context, text(update, context, key, name=person.first_name))


# --- the queue ---------------------------------------------------------------------------


async def share_command(update: Update, context: Context) -> None:
    await raise_hand(update, context)


async def raise_hand(update: Update, context: Context) -> None:
    await live.raise_hand(
        context.application, group_place(update), hand_of(update), language(update, context)
    )


async def done_command(update: Update, context: Context) -> None:
    await finish_share(update, context)


async def finish_share(update: Update, context: Context) -> None:
    await live.finish_share(
        context.application, group_place(update), hand_of(update), language(update, context)
    )


async def pass_command(update: Update, context: Context) -> None:
    meeting, hand = meeting_here(update, context), hand_of(update)
    if meeting is None or hand is None:
        return
    if meeting.is_sharing(hand.user_id):  # passing with the floor: the share is done
        await finish_share(update, context)
    elif meeting.lower_hand(hand.user_id):
        await notice(
            update, context, text(update, context, "meeting.hand_lowered", name=hand.first_name)
        )
    else:
        await notice(update, context, text(update, context, "meeting.not_in_queue"))


async def queue_command(update: Update, context: Context) -> None:
    meeting = meeting_here(update, context)
    if meeting is None:
        await notice(update, context, text(update, context, "meeting.none"))
        return
    lines = []
    if meeting.speaker is not None:
        lines.append(
            text(update, context, "meeting.queue_speaker", name=meeting.speaker.first_name)
        )
    lines += [f"{place}. {html.escape(h.first_name)}" for place, h in enumerate(meeting.queue, 1)]
    if not meeting.queue and meeting.speaker is None:
        await notice(update, context, text(update, context, "meeting.queue_empty"))
        return
    body = text(update, context, "meeting.queue", lines=Html("\n".join(lines)))
    await notice(update, context, body)


async def next_command(update: Update, context: Context) -> None:
    meeting = await meeting_to_run(update, context, say=notice)
    if meeting is None:
        return
    meeting.runner = runner_of(update, context) or meeting.runner
    speaker = meeting.call_next(services(context).clock())
    if speaker is None:
        await notice(update, context, text(update, context, "meeting.next_empty"))
        return
    await reply(update, context, text(update, context, "meeting.next", name=speaker.first_name))


Command = Callable[[Update, Context], Coroutine[Any, Any, None]]


def _in_groups(callback: Command) -> Command:
    """A meeting command sent in a private chat is told where meetings happen."""

    async def in_groups(update: Update, context: Context) -> None:
        if is_private(update):
            await reply(update, context, text(update, context, "meeting.groups_only"))
            return
        await callback(update, context)

    return in_groups


def register(application: App) -> None:
    for name, callback in (
        ("meeting", meeting_command),
        ("share", share_command),
        ("done", done_command),
        ("pass", pass_command),
        ("queue", queue_command),
        ("next", next_command),
    ):
        held = holding_the_meeting(_in_groups(callback))
        application.add_handler(CommandHandler(name, held, filters=NEW_MESSAGES))
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        live.timer_tick, interval=live.TIMER_TICK, first=live.TIMER_TICK, name="meeting-timer"
    )
