"""The meetings running now in this process, and the service that runs them.

Each live meeting (bot.meetings.queue.Meeting) is held in the Application's bot_data by its
place, the chat id and forum topic. Its queue, who shared and who was reminded live in
memory only (and, with REDIS_URL, sealed in Redis for every instance: see
bot.meetings.shared_meetings) and vanish when it ends; the store keeps only what a restart
needs (format, chair, timer), and bring_back_meetings brings meetings back from it. Work on
a meeting happens holding it (holding): then the copy here is the one every instance
sees. Here too: hands raised and
shares finished (by /share and /done, or typed in the meeting as "!" and "[done]"), the
share timer's tick, the bot's small notices that delete themselves, and what a group
migrating, the bot leaving, the memory tick and /forget do to live meetings.

Nothing here reads an update or imports a handler: callers pass the place, the person
and the language to answer in, so the commands and the etiquette share one way of doing it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.meetings.formats import MeetingFormat
from bot.meetings.notices import Notice, ShortLivedNotices
from bot.meetings.queue import Hand, Meeting, Runner
from bot.meetings.shared_meetings import SharedMeetings
from bot.platform.privacy import SealError
from bot.platform.store import MeetingRecord
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
    """The meeting running at this place; None there is none (or no place: a private chat).
    Up to date while the place is held (see holding)."""
    return None if place is None else meetings_in(bot_data).get(place)


_SHARED_KEY = "porchlight.shared_meetings"


def shared_meetings_of(app: App) -> SharedMeetings:
    found = app.bot_data.get(_SHARED_KEY)
    if not isinstance(found, SharedMeetings):
        svc = services_of(app.bot_data)
        found = SharedMeetings(meetings_in(app.bot_data), svc.shared, svc.keyring)
        app.bot_data[_SHARED_KEY] = found
    return found


@asynccontextmanager
async def holding(app: App, place: Place) -> AsyncIterator[Meeting | None]:
    """The meeting at place, to read or change: the one every instance sees, written back
    for them afterwards."""
    async with shared_meetings_of(app).holding(place) as meeting:
        yield meeting


# --- starting and ending (the place held) ------------------------------------------------------


async def begin(
    app: App, place: Place, chosen: MeetingFormat, runner: Runner | None
) -> MeetingRecord:
    """A meeting starts at place, in the store first: a meeting in memory is always in
    the store (the memory tick lets go of any that is not)."""
    svc = services_of(app.bot_data)
    chat_id, thread_id = place
    record = MeetingRecord(
        group=svc.keyring.pseudonym(chat_id),
        thread_id=thread_id,
        sealed_chat=svc.keyring.seal(chat_id),
        format_id=chosen.id,
        timer_minutes=chosen.share_minutes,
        started_at=svc.clock(),
    )
    await svc.store.save_meeting(record, svc.clock())
    share_time = timedelta(minutes=chosen.share_minutes)
    meetings_in(app.bot_data)[place] = Meeting(
        chat_id, thread_id, chosen.id, share_time, runner=runner
    )
    return record


async def end(app: App, place: Place) -> Meeting | None:
    """The meeting at place ends, queue and all; the one that ended, if one was running."""
    svc = services_of(app.bot_data)
    ended = meetings_in(app.bot_data).pop(place, None)
    await svc.store.end_meeting(svc.keyring.pseudonym(place[0]), place[1])
    return ended


async def started_at(app: App, place: Place) -> MeetingRecord | None:
    """The store's record of the meeting running at place, if any."""
    svc = services_of(app.bot_data)
    group = svc.keyring.pseudonym(place[0])
    for record in await svc.store.meetings(svc.clock()):
        if record.group == group and record.thread_id == place[1]:
            return record
    return None


# --- notices that delete themselves --------------------------------------------------------


_NOTICES_KEY = "porchlight.short_lived_notices"


def notices_of(app: App) -> ShortLivedNotices:
    found = app.bot_data.get(_NOTICES_KEY)
    if not isinstance(found, ShortLivedNotices):
        svc = services_of(app.bot_data)
        found = ShortLivedNotices(svc.shared, svc.keyring)
        app.bot_data[_NOTICES_KEY] = found
    return found


async def schedule_deletion(app: App, message: Message, after: timedelta) -> None:
    """Deleted after so long by this instance, or (with REDIS_URL) by another that is up
    if this one is not by then."""
    assert app.job_queue is not None
    notice = (message.chat_id, message.message_id)

    async def delete(_: Context) -> None:
        await delete_notice(app, notice)

    app.job_queue.run_once(delete, after)
    await notices_of(app).note(notice, services_of(app.bot_data).clock() + after, after)


async def delete_notice(app: App, notice: Notice) -> None:
    try:
        await app.bot.delete_message(*notice)
    except TelegramError as error:  # no right to delete, or already gone
        logger.debug("a notice stays: %s", type(error).__name__)
    await notices_of(app).deleted(notice)


async def post_notice(app: App, place: Place, body: str) -> Message:
    """A short message in the meeting (a new one, quoting nobody) that deletes itself
    after NOTICE_LIFETIME."""
    chat_id, thread_id = place
    sent: Message = await app.bot.send_message(
        chat_id, body, parse_mode=ParseMode.HTML, message_thread_id=thread_id
    )
    await schedule_deletion(app, sent, NOTICE_LIFETIME)
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
    """One gentle notice when a share's time is up; nobody is ever cut off. Whichever
    instance ticks first posts it. Notices another instance left past their time (it
    stopped first) are deleted here."""
    svc = services_of(app.bot_data)
    now = svc.clock()
    for notice in await notices_of(app).overdue(now):
        await delete_notice(app, notice)
    due: list[tuple[Place, str]] = []
    async for place, meeting in shared_meetings_of(app).holding_each(lambda m: m.over_time(now)):
        if meeting is not None and meeting.speaker is not None and meeting.time_is_up(now):
            due.append((place, meeting.speaker.first_name))
    for place, name in due:  # posted once the meetings are let go of
        body = svc.catalog.text("meeting.time_up", name=name)
        try:
            await post_notice(app, place, body)
        except TelegramError as error:
            logger.info("could not post a timer notice: %s", type(error).__name__)


async def timer_tick(context: Context) -> None:
    await timer_tick_now(context.application)


async def bring_back_meetings(app: App) -> None:
    """At start, and with REDIS_URL at each memory tick: a meeting the store says is
    running but memory (or Redis) lost runs again, and says once that its queue was lost,
    so hands need raising again. A meeting Redis kept goes on as it was, queue and all."""
    svc = services_of(app.bot_data)
    shared = shared_meetings_of(app)
    running = set(await shared.read_all())
    for record in await svc.store.meetings(svc.clock()):
        try:
            chat_id = svc.keyring.unseal(record.sealed_chat)
        except SealError:
            continue
        place = (chat_id, record.thread_id)
        if place in running:
            continue
        async with shared.holding(place) as found:
            if found is not None:
                continue  # started since the read above
            meetings_in(app.bot_data)[place] = Meeting(
                chat_id,
                record.thread_id,
                record.format_id,
                timer=timedelta(minutes=record.timer_minutes),
            )
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
    leaves memory too, with its queue and the names in it. (The meetings are read before
    the store: one is stored before it is in memory, and in Redis, so one started in
    between is not let go of.)"""
    svc = services_of(app.bot_data)
    shared = shared_meetings_of(app)
    places = await shared.read_all()
    live = {(record.group, record.thread_id) for record in await svc.store.meetings(svc.clock())}
    for place in places:
        if (svc.keyring.pseudonym(place[0]), place[1]) not in live:
            async with shared.holding(place):
                meetings_in(app.bot_data).pop(place, None)
    if shared.spans_instances:
        await bring_back_meetings(app)  # any Redis lost (restarted without them)


async def move_chat(app: App, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup under a new id: its meetings go on there."""
    shared = shared_meetings_of(app)
    async for place, meeting in shared.holding_each(lambda m: m.chat_id == old_chat_id):
        new_place = (new_chat_id, place[1])
        async with shared.holding(new_place):
            meetings_in(app.bot_data).pop(place, None)
            if meeting is not None:
                meeting.chat_id = new_chat_id
                meetings_in(app.bot_data)[new_place] = meeting


async def forget_chat(app: App, chat_id: int) -> None:
    """The bot left a group: its meetings (every topic's) leave memory."""
    async for place, _ in shared_meetings_of(app).holding_each(lambda m: m.chat_id == chat_id):
        meetings_in(app.bot_data).pop(place, None)


async def holds_member(app: App, user_id: int) -> bool:
    """Whether any live meeting holds the member's hand, turn or reminders."""
    await shared_meetings_of(app).read_all()
    return any(meeting.holds(user_id) for meeting in meetings_in(app.bot_data).values())


async def forget_member(app: App, user_id: int) -> None:
    """/forget: the member's hand, turn and reminders in every live meeting."""
    async for _, meeting in shared_meetings_of(app).holding_each(lambda m: m.holds(user_id)):
        if meeting is not None:
            meeting.forget(user_id)
