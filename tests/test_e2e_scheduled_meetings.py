"""Meetings on a schedule, end to end with an injected clock: an admin schedules, lists and
removes them in a group and in a forum topic; at the times the bot posts a notice, opens
the meeting and closes it; daylight saving, a zone change, a restart, a meeting already
running, one ended early, a refused post and the bot leaving the group."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.meetings.live import meetings_in
from bot.meetings.scheduled import run_due
from bot.sim import BotApiSimulator, SimChat, SimUser
from tests.conftest import Harness
from tests.peer_helpers import bot_says
from tests.test_e2e_foundation import say

OPENING = "Who you see here and what you hear here stays here."
CLOSING = "The meeting has ended."
# Monday 4 January 2027: London is on GMT, so its 21:00 is 21:00 UTC.
MONDAY_EVENING = datetime(2027, 1, 4, 20, 0, tzinfo=UTC)


def a_group(sim: BotApiSimulator, *, forum: bool = False) -> tuple[SimChat, SimUser, list[SimUser]]:
    admin = sim.add_user("Chair", started=True)
    members = [sim.add_user(name) for name in ("Ana", "Ben")]
    group = sim.add_group(
        "Evening Group", forum=forum, members=members, admins=[admin], bot_is_admin=True
    )
    return group, admin, members


def said(sim: BotApiSimulator, chat: SimChat, words: str, thread_id: int | None = None) -> int:
    """How many of the bot's live messages in chat (and topic) hold words."""
    return sum(words in (m.text or "") for m in sim.messages(chat, thread_id=thread_id))


async def at(harness: Harness, moment: datetime) -> None:
    """The clock is at moment, and the schedule tick has run (twice: it acts once)."""
    harness.clock.now = moment
    await run_due(harness.app)
    await run_due(harness.app)


async def in_london(sim: BotApiSimulator, admin: SimUser, group: SimChat) -> None:
    zone = await say(sim, admin, "/zone Europe/London", chat=group)
    assert "Europe/London" in zone.text


async def test_admins_schedule_list_and_remove_meetings(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = MONDAY_EVENING
    group, admin, (ana, _) = a_group(sim)
    private = await say(sim, admin, "/meeting schedule weekdays 21:00")
    assert "Meetings happen in groups" in private.text
    needs_zone = await say(sim, admin, "/meeting schedule weekdays 21:00", chat=group)
    assert "First, tell me the group's time zone" in needs_zone.text
    await in_london(sim, admin, group)
    refused = await say(sim, ana, "/meeting schedule weekdays 21:00", chat=group)
    assert "Only the group's admins can schedule meetings" in refused.text
    bad_days = await say(sim, admin, "/meeting schedule someday 21:00", chat=group)
    assert "couldn't read those days" in bad_days.text
    assert "someday" not in bad_days.text
    bad_time = await say(sim, admin, "/meeting schedule daily 25:00", chat=group)
    assert "couldn't read that time" in bad_time.text
    usage = await say(sim, admin, "/meeting schedule help", chat=group)
    assert "/meeting schedule weekdays 21:00" in usage.text
    assert "(Europe/London)" in usage.text
    added = await say(sim, admin, "/meeting schedule weekdays 21:00", chat=group)
    assert "Scheduled: <b>Open discussion</b>, weekdays at <b>21:00</b> (Europe/London)" in (
        added.html
    )
    assert "The next is on Monday 4 January at 21:00" in added.text
    assert "close it after 60 minutes" in added.text
    speaker = await say(
        sim, admin, "/meeting schedule fri,sat 10am speaker Weekend speakers", chat=group
    )
    assert "<b>Weekend speakers</b> (Speaker meeting), Fri, Sat at <b>10:00</b>" in speaker.html
    assert "Friday 8 January at 10:00" in speaker.text
    listed = await say(sim, ana, "/meeting schedule", chat=group)
    assert "1. Fri, Sat at 10:00: Weekend speakers (Speaker meeting)" in listed.text
    assert "2. weekdays at 21:00: Open discussion" in listed.text
    assert "The next is on Monday 4 January at 21:00" in listed.text
    not_yours = await say(sim, ana, "/meeting unschedule 1", chat=group)
    assert "Only the group's admins" in not_yours.text
    wrong = await say(sim, admin, "/meeting unschedule 3", chat=group)
    assert "/meeting unschedule 1" in wrong.text
    removed = await say(sim, admin, "/meeting unschedule 1", chat=group)
    assert "Removed from the schedule: 1. Fri, Sat at 10:00: Weekend speakers" in removed.text
    left = await say(sim, ana, "/meeting schedule", chat=group)
    assert "1. weekdays at 21:00" in left.text
    assert "Weekend speakers" not in left.text
    for n in range(9):
        await say(sim, admin, f"/meeting schedule sun {n + 1}:00", chat=group)
    full = await say(sim, admin, "/meeting schedule sun 23:00", chat=group)
    assert "10 meetings are scheduled here, the most I keep" in full.text


async def test_the_bot_posts_a_notice_opens_and_closes_on_time(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = MONDAY_EVENING
    group, admin, (ana, _) = a_group(sim)
    await in_london(sim, admin, group)
    await say(sim, admin, "/meeting schedule daily 21:00 Monday night", chat=group)
    start = datetime(2027, 1, 4, 21, 0, tzinfo=UTC)
    await at(harness, start - timedelta(minutes=16))
    assert said(sim, group, "starts here in") == 0
    await at(harness, start - timedelta(minutes=15))
    notice = await bot_says(sim, group, "Monday night starts here in 15 minutes")
    assert said(sim, group, "starts here in") == 1
    assert "at 21:00" in notice.text
    await at(harness, start)
    opening = await bot_says(sim, group, OPENING)
    assert opening.text.startswith("Monday night")
    assert "Open discussion has started" in opening.text
    assert said(sim, group, OPENING) == 1
    assert (group.id, None) in meetings_in(harness.app.bot_data)
    raised = await say(sim, ana, "/share", chat=group)
    assert "Ana, your hand is up" in raised.text
    await at(harness, start + timedelta(minutes=59))
    assert said(sim, group, CLOSING) == 0
    await at(harness, start + timedelta(minutes=60))
    closing = await bot_says(sim, group, CLOSING)
    assert "That's our time." in closing.text
    assert said(sim, group, CLOSING) == 1
    assert (group.id, None) not in meetings_in(harness.app.bot_data)
    gone = await say(sim, ana, "/share", chat=group)
    assert "No meeting is running here" in gone.text
    # The next day, all over again.
    await at(harness, start + timedelta(days=1) - timedelta(minutes=15))
    await sim.wait_for(lambda: said(sim, group, "starts here in") == 2)


async def test_a_topic_has_its_own_schedule(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = MONDAY_EVENING
    forum, admin, (ana, _) = a_group(sim, forum=True)
    evening = sim.add_topic(forum, "Evening meeting", by=admin)
    newcomers = sim.add_topic(forum, "Newcomers", by=admin)
    await in_london(sim, admin, forum)
    added = await say(
        sim, admin, "/meeting schedule mon 21:30 beginners", chat=forum, thread_id=newcomers
    )
    assert "<b>Beginners meeting</b>, Mon at <b>21:30</b>" in added.html
    elsewhere = await say(sim, ana, "/meeting schedule", chat=forum, thread_id=evening)
    assert "No meetings are scheduled here" in elsewhere.text
    start = datetime(2027, 1, 4, 21, 30, tzinfo=UTC)
    await at(harness, start - timedelta(minutes=15))
    await sim.wait_for(lambda: said(sim, forum, "starts here in 15 minutes", newcomers) == 1)
    await at(harness, start)
    await sim.wait_for(lambda: said(sim, forum, "This is the beginners meeting", newcomers) == 1)
    assert said(sim, forum, OPENING, evening) == 0
    assert (forum.id, newcomers) in meetings_in(harness.app.bot_data)
    assert (forum.id, evening) not in meetings_in(harness.app.bot_data)
    in_topic = await say(sim, ana, "/share", chat=forum, thread_id=newcomers)
    assert "your hand is up" in in_topic.text


async def test_daylight_saving_keeps_the_local_time(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 3, 26, 12, tzinfo=UTC)  # a Friday, on GMT
    group, admin, _ = a_group(sim)
    await in_london(sim, admin, group)
    await say(sim, admin, "/meeting schedule daily 09:00", chat=group)
    for day, utc_hour in ((27, 9), (28, 8), (29, 8)):  # BST from 28 March
        start = datetime(2027, 3, day, utc_hour, tzinfo=UTC)
        await at(harness, start - timedelta(seconds=1))
        opened = said(sim, group, OPENING)
        await at(harness, start)
        await sim.wait_for(lambda count=opened: said(sim, group, OPENING) == count + 1)
        await at(harness, start + timedelta(hours=1))
        await sim.wait_for(lambda count=opened: said(sim, group, CLOSING) == count + 1)


async def test_a_new_zone_moves_the_meetings_with_it(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = MONDAY_EVENING
    group, admin, _ = a_group(sim)
    await in_london(sim, admin, group)
    await say(sim, admin, "/meeting schedule daily 21:00", chat=group)
    moved = await say(sim, admin, "/zone Asia/Tokyo", chat=group)
    assert "The meetings scheduled here (1) keep their times in the new zone" in moved.text
    listed = await say(sim, admin, "/meeting schedule", chat=group)
    assert "(Asia/Tokyo)" in listed.text
    assert "The next is on Tuesday 5 January at 21:00" in listed.text
    await at(harness, datetime(2027, 1, 4, 21, tzinfo=UTC))  # London's 21:00: nothing now
    assert said(sim, group, OPENING) == 0
    await at(harness, datetime(2027, 1, 5, 12, tzinfo=UTC))  # 21:00 in Tokyo
    await sim.wait_for(lambda: said(sim, group, OPENING) == 1)


async def test_a_meeting_already_running_or_ended_early(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = MONDAY_EVENING
    group, admin, _ = a_group(sim)
    await in_london(sim, admin, group)
    await say(sim, admin, "/meeting schedule daily 21:00", chat=group)
    start = datetime(2027, 1, 4, 21, 0, tzinfo=UTC)
    # Started by hand five minutes early: it is this evening's meeting, opened once.
    harness.clock.now = start - timedelta(minutes=5)
    await say(sim, admin, "/meeting start", chat=group)
    await at(harness, start)
    assert said(sim, group, OPENING) == 1
    await at(harness, start + timedelta(hours=1))
    await sim.wait_for(lambda: said(sim, group, CLOSING) == 1)
    # Ended early by the chair: nothing to close at the end.
    tomorrow = start + timedelta(days=1)
    await at(harness, tomorrow)
    await sim.wait_for(lambda: said(sim, group, OPENING) == 2)
    harness.clock.now = tomorrow + timedelta(minutes=30)
    await say(sim, admin, "/meeting end", chat=group)
    await at(harness, tomorrow + timedelta(hours=1))
    assert said(sim, group, CLOSING) == 2
    # A meeting started hours before is not the schedule's: not closed by it.
    after = start + timedelta(days=2)
    harness.clock.now = after - timedelta(hours=2)
    await say(sim, admin, "/meeting start", chat=group)
    await at(harness, after)
    await at(harness, after + timedelta(hours=1))
    assert said(sim, group, CLOSING) == 2
    assert (group.id, None) in meetings_in(harness.app.bot_data)


async def test_a_restart_and_a_bot_that_was_down(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = MONDAY_EVENING
    group, admin, _ = a_group(sim)
    await in_london(sim, admin, group)
    await say(sim, admin, "/meeting schedule daily 21:00", chat=group)
    await harness.restart()
    start = datetime(2027, 1, 4, 21, 0, tzinfo=UTC)
    await at(harness, start + timedelta(minutes=10))  # down through the notice
    await sim.wait_for(lambda: said(sim, group, OPENING) == 1)
    assert said(sim, group, "starts here in") == 0
    await harness.restart()
    await at(harness, start + timedelta(hours=3))  # down through the end
    await sim.wait_for(lambda: said(sim, group, CLOSING) == 1)
    # Down through all of the next day's: nothing opened late, nothing closed.
    await at(harness, start + timedelta(days=1, hours=2))
    assert said(sim, group, OPENING) == 1
    assert said(sim, group, "starts here in") == 0


async def test_a_refused_post_and_the_bot_leaving(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = MONDAY_EVENING
    forum, admin, _ = a_group(sim, forum=True)
    topic = sim.add_topic(forum, "Evening", by=admin)
    await in_london(sim, admin, forum)
    await say(sim, admin, "/meeting schedule daily 21:00", chat=forum, thread_id=topic)
    await say(sim, admin, "/meeting schedule daily 22:30", chat=forum)
    sim.set_member_status(forum, sim.bot_user, "member")  # may no longer post in a closed topic
    sim.close_topic(forum, topic)
    start = datetime(2027, 1, 4, 21, 0, tzinfo=UTC)
    await at(harness, start)
    assert (forum.id, topic) not in meetings_in(harness.app.bot_data)
    await at(harness, start + timedelta(hours=1, minutes=30))  # the other goes on
    await sim.wait_for(lambda: said(sim, forum, OPENING) == 1)
    store = harness.services.store
    assert len(await store.schedules_of(harness.services.keyring.pseudonym(forum.id))) == 2
    sim.my_chat_member_update(forum, sim.bot_user, "left")
    await sim.wait_for(lambda: not meetings_in(harness.app.bot_data))

    pseudonym = harness.services.keyring.pseudonym(forum.id)
    for _ in range(50):  # the leaving is handled as an update: wait for it
        if not await store.schedules_of(pseudonym):
            break
        await asyncio.sleep(0.1)
    assert await store.schedules_of(pseudonym) == []
