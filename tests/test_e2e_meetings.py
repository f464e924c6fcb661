"""Online meetings end to end: a meeting in a group and one in a forum topic side by side,
the share queue, the timer, the etiquette in remind and delete modes, contact details,
rights, restarts, and /meeting end wiping it all."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.meetings import live as meeting_handlers
from bot.meetings.live import meetings_in, timer_tick_now
from bot.sim import BotApiSimulator, SimChat, SimMessage, SimUser
from tests.conftest import Harness
from tests.peer_helpers import bot_says
from tests.test_e2e_foundation import say


def group_with(
    sim: BotApiSimulator, *, forum: bool = False, can_delete: bool = True
) -> tuple[SimChat, SimUser, list[SimUser]]:
    admin = sim.add_user("Chair")
    members = [sim.add_user(name) for name in ("Ana", "Ben", "Cai", "Dee")]
    group = sim.add_group(
        "Tuesday Group",
        forum=forum,
        members=members,
        admins=[admin],
        bot_is_admin=True,
        bot_can_delete=can_delete,
    )
    return group, admin, members


async def start(
    sim: BotApiSimulator, admin: SimUser, group: SimChat, thread_id: int | None = None
) -> SimMessage:
    opening = await say(sim, admin, "/meeting start", chat=group, thread_id=thread_id)
    assert "Who you see here and what you hear here stays here." in opening.text
    assert "share timer is 3 minutes" in opening.text
    return opening


async def test_queue_next_done_and_timer(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, ben, cai, _) = group_with(sim)
    await start(sim, admin, group)
    raised = await say(sim, ana, "/share", chat=group)
    assert "Ana, your hand is up: you're number 1" in raised.text
    sim.send_text(ben, "!", chat=group)
    await bot_says(sim, group, "Ben, your hand is up: you're number 2")
    sent = sim.send_text(cai, "/share", chat=group)
    await bot_says(sim, group, "number 3", after=sent.message_id)
    passed = await say(sim, cai, "/pass", chat=group)
    assert "Cai has stepped out" in passed.text
    queue = await say(sim, ben, "/queue", chat=group)
    assert "1. Ana" in queue.text
    assert "2. Ben" in queue.text
    assert "Cai" not in queue.text
    not_chair = await say(sim, ben, "/next", chat=group)
    assert "Only the group's admins" in not_chair.text
    called = await say(sim, admin, "/next", chat=group)
    assert "Ana, you have the floor" in called.text
    harness.clock.advance(timedelta(minutes=3))
    await timer_tick_now(harness.app)
    await bot_says(sim, group, "Ana, your share time has passed")
    sim.send_text(ana, "that's all from me, thanks everyone [done]", chat=group)
    await bot_says(sim, group, "Thank you, Ana")
    called = await say(sim, admin, "/next", chat=group)
    assert "Ben, you have the floor" in called.text
    await say(sim, ben, "/done", chat=group)
    empty = await say(sim, admin, "/next", chat=group)
    assert "Nobody is waiting to share" in empty.text


async def test_pass_from_whoever_has_the_floor_ends_their_share(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, *_) = group_with(sim)
    await start(sim, admin, group)
    await say(sim, ana, "/share", chat=group)
    called = await say(sim, admin, "/next", chat=group)
    assert "Ana, you have the floor" in called.text
    passed = await say(sim, ana, "/pass", chat=group)
    assert "Thank you, Ana" in passed.text
    assert "not in the queue" not in passed.text
    empty = await say(sim, admin, "/next", chat=group)
    assert "Nobody is waiting to share" in empty.text


async def test_a_meeting_where_the_bot_cannot_see_messages_tells_the_chair(
    harness: Harness,
) -> None:
    sim = harness.sim
    chair, ana = sim.add_user("Chair"), sim.add_user("Ana")
    blind = sim.add_group("Quiet Group", members=[ana], admins=[chair], bot_is_admin=False)
    opening = await say(sim, chair, "/meeting start", chat=blind)
    assert "I can't see members' messages in this group" in opening.text
    assert "make me an admin" in opening.text
    group, admin, _ = group_with(sim)
    seen = await start(sim, admin, group)
    assert "can't see members' messages" not in seen.text


async def test_each_format_gives_its_own_share_time(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, *_) = group_with(sim)
    opening = await say(sim, admin, "/meeting start speaker", chat=group)
    assert "around twenty minutes" in opening.text
    assert "share timer is 20 minutes" in opening.text
    await say(sim, ana, "/share", chat=group)
    await say(sim, admin, "/next", chat=group)
    harness.clock.advance(timedelta(minutes=19))
    await timer_tick_now(harness.app)
    assert [m for m in sim.messages(group) if "share time has passed" in (m.text or "")] == []
    harness.clock.advance(timedelta(minutes=2))
    await timer_tick_now(harness.app)
    await bot_says(sim, group, "Ana, your share time has passed")


async def test_group_commands_in_a_private_chat_say_where_they_work(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Pia", started=True)
    for command in ("/share", "/done", "/pass", "/queue", "/next", "/meeting start"):
        answer = await say(sim, member, command)
        assert answer.text.startswith("Meetings happen in groups"), command
    settings = await say(sim, member, "/settings")
    assert "send it in the group" in settings.text


async def test_a_group_meeting_and_a_topic_meeting_run_side_by_side(harness: Harness) -> None:
    sim = harness.sim
    forum, admin, (ana, ben, _, _) = group_with(sim, forum=True)
    topic_a = sim.add_topic(forum, "Monday meeting", by=admin)
    topic_b = sim.add_topic(forum, "Newcomers", by=admin)
    await start(sim, admin, forum, topic_a)
    beginners = await say(sim, admin, "/meeting start beginners", chat=forum, thread_id=topic_b)
    assert "Beginners" in beginners.text
    in_a = await say(sim, ana, "/share", chat=forum, thread_id=topic_a)
    assert "number 1" in in_a.text
    in_b = await say(sim, ben, "/share", chat=forum, thread_id=topic_b)
    assert "number 1" in in_b.text
    ended = await say(sim, admin, "/meeting end", chat=forum, thread_id=topic_a)
    assert "I keep no minutes, no attendance and no shares" in ended.text
    assert "Telegram history" in ended.text
    assert ended.thread_id == topic_a
    still = await say(sim, ben, "/queue", chat=forum, thread_id=topic_b)
    assert "1. Ben" in still.text
    gone = await say(sim, ana, "/queue", chat=forum, thread_id=topic_a)
    assert "No meeting is running here" in gone.text


async def test_crosstalk_gets_one_reminder_per_member_in_remind_mode(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, ben, _, _) = group_with(sim)
    await start(sim, admin, group)
    share = sim.send_text(ana, "I've been struggling with my dad again this week", chat=group)
    advice = sim.send_text(ben, "you should really just cut him off", chat=group)
    reminder = await bot_says(sim, group, "A gentle reminder", after=advice.message_id)
    assert reminder.reply_to is not None
    assert reminder.reply_to.message_id == advice.message_id
    again = sim.send_text(ben, "have you tried talking to him?", chat=group, reply_to=share)
    own = sim.send_text(ana, "I relate to that, I'm the same with my mum", chat=group)
    await sim.wait_for(lambda: own.message_id in group.messages)
    # Once per member per meeting, then quiet; nothing is deleted in remind mode.
    reminders = [m for m in sim.messages(group) if "A gentle reminder" in (m.text or "")]
    assert len(reminders) == 1
    assert not again.deleted
    harness.clock.advance(timedelta(minutes=1))


async def test_delete_mode_removes_crosstalk_and_contact_details(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, ben, cai, dee) = group_with(sim)
    changed = await say(sim, admin, "/etiquette delete", chat=group)
    assert "Crosstalk: <b>delete</b>" in changed.html
    await start(sim, admin, group)
    share = sim.send_text(ana, "Ninety days today and I'm scared of step 4", chat=group)
    crosstalk = sim.send_text(ben, "that's your ego talking", chat=group, reply_to=share)
    await bot_says(sim, group, "I removed a message", after=crosstalk.message_id)
    assert crosstalk.deleted
    contact = sim.send_text(cai, "text me any time on +44 7700 900123", chat=group)
    await bot_says(sim, group, "contact details", after=contact.message_id)
    assert contact.deleted
    fine = sim.send_text(dee, "I'm on day 12 and step 4 scares me too, see you at 7pm", chat=group)
    crisis = sim.send_text(dee, "honestly I want to kill myself tonight", chat=group)
    await bot_says(sim, group, "talk to someone now", after=crisis.message_id)
    assert not fine.deleted
    assert not crisis.deleted
    assert not share.deleted


async def test_non_admins_cannot_run_meetings_or_change_settings(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, ben, _, _) = group_with(sim)
    refused = await say(sim, ana, "/meeting start", chat=group)
    assert "Only the group's admins" in refused.text
    settings = await say(sim, ana, "/etiquette off", chat=group)
    assert "Only the group's admins can change" in settings.text
    shown = await say(sim, ana, "/settings", chat=group)
    assert "Crosstalk: <b>remind</b>" in shown.html
    assert "during meetings" in shown.text
    # An admin lets Ana chair by replying to her message.
    hello = sim.send_text(ana, "hi all", chat=group)
    sent = sim.send_text(admin, "/meeting chair", chat=group, reply_to=hello)
    await bot_says(sim, group, "Ana can now chair", after=sent.message_id)
    started = await say(sim, ana, "/meeting start speaker", chat=group)
    assert "Speaker" in started.text
    timer = await say(sim, ana, "/meeting timer 5", chat=group)
    assert "5 minutes" in timer.text
    wrong = await say(sim, ana, "/meeting timer 500", chat=group)
    assert "from 1 to 30" in wrong.text
    unknown = await say(sim, ben, "/meeting start karaoke", chat=group)
    assert "already running" in unknown.text


async def test_delete_mode_needs_the_right_to_delete(harness: Harness) -> None:
    sim = harness.sim
    group, admin, _ = group_with(sim, can_delete=False)
    refused = await say(sim, admin, "/etiquette delete", chat=group)
    assert "right to delete messages" in refused.text
    unknown = await say(sim, admin, "/meeting start karaoke", chat=group)
    assert "open-discussion" in unknown.text


async def test_a_meeting_survives_a_restart_and_asks_for_hands_again(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, _, _, _) = group_with(sim)
    await start(sim, admin, group)
    await say(sim, admin, "/meeting timer 7", chat=group)
    await say(sim, ana, "/share", chat=group)
    await harness.restart()
    await bot_says(sim, group, "raise your hands again")
    meeting = next(iter(meetings_in(harness.app.bot_data).values()))
    assert meeting.queue == []
    assert meeting.timer == timedelta(minutes=7)
    queue = await say(sim, ana, "/queue", chat=group)
    assert "Nobody has a hand up" in queue.text
    ended = await say(sim, admin, "/meeting end", chat=group)
    assert "I keep no minutes, no attendance and no shares" in ended.text
    assert "Telegram history" in ended.text
    assert await harness.services.store.meetings(harness.clock()) == []


CROSSTALK = [
    "you should really just cut him off",
    "that's your ego talking",
    "that's not true, nobody has to hit rock bottom first",
    "what Ana said about her dad made me so angry",
    "Ana, you're in denial about the drinking",
    "have you tried going to more meetings?",
]
LEFT_ALONE = [
    "I've been struggling with my own dad this week, and I went for a long walk instead",
    "I relate to that so much",
    "thank you for sharing",
    "can someone post the link to the reading?",
    "I'm on day 12 and step 4 scares me too",
    '"Cravings are skilled editors. They show us the opening scene only." That line stayed with me',
]


async def test_delete_mode_removes_each_kind_of_crosstalk_and_leaves_the_rest(
    harness: Harness,
) -> None:
    sim = harness.sim
    group, admin, (ana, ben, cai, dee) = group_with(sim)
    await say(sim, admin, "/etiquette delete", chat=group)
    await start(sim, admin, group)
    sim.send_text(ana, "my dad and I had another row and I nearly picked up", chat=group)
    await say(sim, admin, "/share", chat=group)
    crosstalk = [sim.send_text(ben, words, chat=group) for words in CROSSTALK]
    left_alone = [sim.send_text(cai, words, chat=group) for words in LEFT_ALONE]
    marker = sim.send_text(dee, "/queue", chat=group)
    await bot_says(sim, group, "The queue", after=marker.message_id)
    assert [m.text for m in crosstalk if not m.deleted] == []
    assert [m.text for m in left_alone if m.deleted] == []
    removed = [m for m in sim.messages(group) if "I removed a message" in (m.text or "")]
    assert len(removed) == 1  # Ben is told once, however many were removed


async def test_parking_lot_welcomes_conversation_but_not_contact_details(
    harness: Harness,
) -> None:
    sim = harness.sim
    group, admin, (ana, ben, _, _) = group_with(sim)
    await say(sim, admin, "/etiquette delete", chat=group)
    await start(sim, admin, group)
    refused = await say(sim, ben, "/meeting parking", chat=group)
    assert "Only the group's admins" in refused.text
    opened = await say(sim, admin, "/meeting parking", chat=group)
    assert "open conversation is welcome" in opened.text
    question = sim.send_text(ben, "Ana, have you tried the Thursday group?", chat=group)
    number = sim.send_text(ana, "call me on 07700 900123", chat=group)
    await bot_says(sim, group, "contact details", after=number.message_id)
    assert number.deleted
    assert not question.deleted


async def test_notices_delete_themselves(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(meeting_handlers, "NOTICE_LIFETIME", timedelta(seconds=0.2))
    sim = harness.sim
    group, admin, (ana, _, _, _) = group_with(sim)
    await start(sim, admin, group)
    raised = await say(sim, ana, "/share", chat=group)
    await sim.wait_for(lambda: raised.deleted, timeout=5)


async def test_remind_mode_answers_each_kind_of_crosstalk_once_and_never_the_chair(
    harness: Harness,
) -> None:
    sim = harness.sim
    admin = sim.add_user("Chair")
    writers = [sim.add_user(f"Member{n}") for n in range(len(CROSSTALK))]
    group = sim.add_group(
        "Remind Group", members=writers, admins=[admin], bot_is_admin=True, bot_can_delete=True
    )
    await start(sim, admin, group)
    sim.send_text(writers[0], "my dad and I had another row and I nearly picked up", chat=group)
    chairing = sim.send_text(
        admin, "you should all keep shares to three minutes, thank you", chat=group
    )
    sent = [
        sim.send_text(writer, words, chat=group)
        for writer, words in zip(writers, CROSSTALK, strict=True)
    ]
    marker = sim.send_text(admin, "/queue", chat=group)
    await bot_says(sim, group, "Nobody has a hand up", after=marker.message_id)
    reminders = [m for m in sim.messages(group) if "A gentle reminder" in (m.text or "")]
    answered = {m.reply_to.message_id for m in reminders if m.reply_to is not None}
    assert answered == {m.message_id for m in sent}  # each kind, each member, once
    assert chairing.message_id not in answered
    assert not any(m.deleted for m in sent)  # remind mode deletes nothing


async def test_an_anonymous_admin_runs_a_meeting_as_the_group(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, _, _, _) = group_with(sim)
    sent = sim.send_text(admin, "/meeting start speaker", chat=group, as_anonymous_admin=True)
    opening = await bot_says(sim, group, "stays here", after=sent.message_id)
    assert "Speaker" in opening.text
    await say(sim, ana, "/share", chat=group)
    sent = sim.send_text(admin, "/next", chat=group, as_anonymous_admin=True)
    await bot_says(sim, group, "Ana, you have the floor", after=sent.message_id)


async def test_a_meeting_follows_its_group_to_a_supergroup_and_leaves_with_the_bot(
    harness: Harness,
) -> None:
    sim = harness.sim
    admin = sim.add_user("Chair")
    ana = sim.add_user("Ana")
    group = sim.add_group(
        "Small Group", supergroup=False, members=[ana], admins=[admin], bot_is_admin=True
    )
    await start(sim, admin, group)
    bigger = sim.migrate_group(group)
    await sim.wait_for(lambda: any(k[0] == bigger.id for k in meetings_in(harness.app.bot_data)))
    raised = await say(sim, ana, "/share", chat=bigger)
    assert "Ana, your hand is up" in raised.text
    sim.my_chat_member_update(bigger, admin, "left")
    await sim.wait_for(lambda: not meetings_in(harness.app.bot_data))
    assert await harness.services.store.meetings(harness.clock()) == []
