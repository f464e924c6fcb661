"""The meetings running now in this process, and the service that runs them.

Each live meeting (bot.meetings.queue.Meeting) is held in the Application's bot_data by its
place, the chat id and forum topic. Its queue, who shared and who was reminded live here
only and vanish when it ends; the store keeps only what a restart needs (format, chair,
timer), and resume_meetings brings meetings back from it. Here too: hands raised and
shares finished (by /share and /done, or typed in the meeting as "!" and "[done]"), the
share timer's tick, the bot's small notices that delete themselves, and what a group
migrating, the bot leaving, the memory tick and /forget do to live meetings.

Nothing here reads an update or imports a handler: callers pass the place, the person
and the language to answer in, so the commands and the etiquette share one way of doing it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.meetings.queue import Hand, Meeting
from bot.platform.privacy import SealError
from bot.plumbing.types import App, Context, Place
from bot.services import services_of

logger = logging.getLogger(__name__)

MEETINGS_KEY = "porchlight.meetings"
TIMER_TICK = timedelta(seconds=15)
# How long the bot's small notices (hands, queue, reminders) stay before deleting themselves.
NOTICE_LIFETIME = timedelta(minutes=2)


def meetings_in(bot_data: dict[Any, Any]) -> dict[Place, Meeting]:
    found = bot_data.get(MEETINGS_KEY)
    if not isinstance(found, dict):
        found = bot_data[MEETINGS_KEY] = {}
    return found


def meeting_at(bot_data: dict[Any, Any], place: Place | None) -> Meeting | None:
    """The meeting running at this place; None there is none (or no place: a private chat)."""
    return None if place is None else meetings_in(bot_data).get(place)


# --- notices that delete themselves --------------------------------------------------------


def schedule_deletion(app: App, message: Message, after: timedelta) -> None:
    assert app.job_queue is not None
    chat_id, message_id = message.chat_id, message.message_id

    async def delete(_: Context) -> None:
        try:
            await app.bot.delete_message(chat_id, message_id)
        except TelegramError as error:  # no right to delete, or already gone
            logger.debug("a notice stays: %s", type(error).__name__)

    app.job_queue.run_once(delete, after)


async def post_notice(app: App, place: Place, body: str) -> Message:
    """A short message in the meeting (a new one, quoting nobody) that deletes itself
    after NOTICE_LIFETIME."""
    chat_id, thread_id = place
    sent: Message = await app.bot.send_message(
        chat_id, body, parse_mode=ParseMode.HTML, message_thread_id=thread_id
    )
    schedule_deletion(app, sent, NOTICE_LIFETIME)
    return sent


# --- the queue -------------------------------------------------------------------------------


async def raise_hand(app: App, place: Place, hand: Hand | None, language: str) -> None:
    """/share or "!": into the queue, and a notice of the place in it."""
    catalog = services_of(app.bot_data).catalog
    meeting = meeting_at(app.bot_data, place)
    if meeting is None:
        await post_notice(app, place, catalog.text("meeting.none", language))
        return
    if hand is None:
        return
    waiting = meeting.raise_hand(hand)
    if waiting == 0:
        body = catalog.text("meeting.hand_sharing", language, name=hand.first_name)
    else:
        body = catalog.text("meeting.hand_raised", language, name=hand.first_name, place=waiting)
    await post_notice(app, place, body)


async def finish_share(app: App, place: Place, hand: Hand | None, language: str) -> None:
    """/done, /pass with the floor, or a message ending "[done]": the share is over."""
    meeting = meeting_at(app.bot_data, place)
    if meeting is None or hand is None:
        return
    if meeting.finish_share(hand.user_id):
        catalog = services_of(app.bot_data).catalog
        body = catalog.text("meeting.share_done", language, name=hand.first_name)
        await post_notice(app, place, body)


# --- the timer and restarts ----------------------------------------------------------------


async def timer_tick_now(app: App) -> None:
    """One gentle notice when a share's time is up; nobody is ever cut off."""
    svc = services_of(app.bot_data)
    now = svc.clock()
    for meeting in list(meetings_in(app.bot_data).values()):
        if meeting.speaker is None or not meeting.time_is_up(now):
            continue
        body = svc.catalog.text("meeting.time_up", name=meeting.speaker.first_name)
        try:
            await post_notice(app, (meeting.chat_id, meeting.thread_id), body)
        except TelegramError as error:
            logger.info("could not post a timer notice: %s", type(error).__name__)


async def timer_tick(context: Context) -> None:
    await timer_tick_now(context.application)


async def resume_meetings(app: App) -> None:
    """At start: meetings that were running are running again, and each says once that
    the queue was lost, so hands need raising again."""
    svc = services_of(app.bot_data)
    meetings = meetings_in(app.bot_data)
    for record in await svc.store.meetings(svc.clock()):
        try:
            chat_id = svc.keyring.unseal(record.sealed_chat)
        except SealError:
            continue
        meeting = Meeting(
            chat_id,
            record.thread_id,
            record.format_id,
            timer=timedelta(minutes=record.timer_minutes),
        )
        meetings[(chat_id, record.thread_id)] = meeting
        try:
            await app.bot.send_message(
                chat_id,
                svc.catalog.text("meeting.hands_again"),
                parse_mode=ParseMode.HTML,
                message_thread_id=record.thread_id,
            )
        except TelegramError as error:
            logger.info("could not tell a meeting about the restart: %s", type(error).__name__)


# --- what memory lets go of ------------------------------------------------------------------


async def let_go_of_ended(app: App) -> None:
    """The memory tick: a meeting whose record is gone (ended, or past its 12 hours)
    leaves memory too, with its queue and the names in it."""
    svc = services_of(app.bot_data)
    live = {(record.group, record.thread_id) for record in await svc.store.meetings(svc.clock())}
    meetings = meetings_in(app.bot_data)
    for place in list(meetings):
        if (svc.keyring.pseudonym(place[0]), place[1]) not in live:
            del meetings[place]


def move_chat(bot_data: dict[Any, Any], old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup under a new id: its meetings go on there."""
    meetings = meetings_in(bot_data)
    for place in [place for place in meetings if place[0] == old_chat_id]:
        meeting = meetings.pop(place)
        meeting.chat_id = new_chat_id
        meetings[(new_chat_id, place[1])] = meeting


def forget_chat(bot_data: dict[Any, Any], chat_id: int) -> None:
    """The bot left a group: its meetings (every topic's) leave memory."""
    meetings = meetings_in(bot_data)
    for place in [place for place in meetings if place[0] == chat_id]:
        del meetings[place]


def holds_member(bot_data: dict[Any, Any], user_id: int) -> bool:
    """Whether any live meeting holds the member's hand, turn or reminders."""
    return any(meeting.holds(user_id) for meeting in meetings_in(bot_data).values())


def forget_member(bot_data: dict[Any, Any], user_id: int) -> None:
    """/forget: the member's hand, turn and reminders in every live meeting."""
    for meeting in meetings_in(bot_data).values():
        meeting.forget(user_id)
