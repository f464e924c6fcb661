"""Peer check-ins end to end: two members, two listeners, moderators, and the relay
between them through the real Application and the simulator."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.peers.service import room_of
from bot.peers.tick import peer_tick_now
from tests.conftest import Harness
from tests.peer_helpers import (
    PEER_SETTINGS,
    approved_listener,
    bot_says,
    check_in,
    connect,
    fast_relay,
    live_chat,
    moderators_chat,
    offer_to,
    press,
)
from tests.test_e2e_foundation import button_labels, is_everyday_answer, say

pytestmark = pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])


def identity_leaks(text: str, *users: object) -> list[str]:
    """Ids, names and usernames of users that appear in text."""
    leaks = []
    for user in users:
        for value in (
            str(getattr(user, "id", "")),
            getattr(user, "first_name", ""),
            getattr(user, "username", "") or "",
        ):
            if value and re.search(rf"\b{re.escape(value)}\b", text):
                leaks.append(value)
    return leaks


async def test_check_in_match_accept_and_relay_both_ways(harness: Harness) -> None:
    sim = harness.sim
    fast_relay(harness)
    moderators = moderators_chat(sim)
    listener = await approved_listener(harness, "Tamsin", moderators)
    member = sim.add_user("Quentin", username="quentin_q", started=True)
    to_member, to_listener = await connect(sim, member, listener, words="it's been a long week")
    assert "Peer " in to_member.text
    assert "Having a rough time" in to_listener.text
    their_words = await bot_says(sim, sim.private_chat(listener), "long week")
    assert "They wrote this with their check-in" in their_words.text
    for notice in (to_member, to_listener):
        assert "/report" in notice.text  # told before the chat starts
    listener_alias = re.search(r"connected with (Peer \w+)", to_member.text)
    member_alias = re.search(r"talking with (Peer \w+)", to_listener.text)
    assert listener_alias
    assert member_alias
    sim.send_text(member, "thanks for picking up")
    relayed = await bot_says(sim, sim.private_chat(listener), "thanks for picking up")
    assert relayed.text == f"{member_alias.group(1)}: thanks for picking up"
    assert relayed.protect_content
    sim.send_text(listener, "I'm here. What happened today?")
    back = await bot_says(sim, sim.private_chat(member), "What happened today?")
    assert back.text.startswith(listener_alias.group(1))
    sim.send_sticker(member)
    await sim.wait_for(
        lambda: any("sticker" in m.extra for m in sim.messages(sim.private_chat(listener)))
    )
    for message in sim.messages(sim.private_chat(listener)):
        assert identity_leaks(message.text or "", member) == []
        assert "forward_origin" not in message.extra
    for message in sim.messages(sim.private_chat(member)):
        assert identity_leaks(message.text or "", listener) == []
    assert not sim.calls_to("forwardMessage")


async def test_media_is_refused_and_edits_are_not_relayed(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Ines", "Piet")
    before = len(sim.messages(sim.private_chat(listener)))
    sim.send_photo(member)
    refused = await bot_says(sim, sim.private_chat(member), "wasn't passed on")
    assert "Only text, emoji and stickers" in refused.text
    sent = sim.send_text(member, "first version")
    await bot_says(sim, sim.private_chat(listener), "first version")
    sim.edit_text(member, sent, "second version")
    await bot_says(sim, sim.private_chat(member), "Edits don't reach your peer")
    assert len(sim.messages(sim.private_chat(listener))) == before + 1


async def test_pass_and_offer_time_out_go_to_the_next_listener(harness: Harness) -> None:
    sim = harness.sim
    fast_relay(harness)
    moderators = moderators_chat(sim)
    first = await approved_listener(harness, "Ada", moderators)
    second = await approved_listener(harness, "Bram", moderators)
    member = sim.add_user("Cleo", started=True)
    await check_in(sim, member)
    offered = room_of(harness.app).matchmaker.offers
    await sim.wait_for(lambda: len(offered) == 1)
    one, other = (
        (first, second)
        if any("asking to talk" in (m.text or "") for m in sim.messages(sim.private_chat(first)))
        else (second, first)
    )
    offer = await offer_to(sim, one)
    press(sim, one, offer, "Pass")
    await sim.wait_for(lambda: "Passed" in (offer.text or ""))
    second_offer = await offer_to(sim, other)
    # The bot learns the offer's message id when Telegram answers; wait for that too.
    other_pseudonym = harness.services.keyring.pseudonym(other.id)
    await sim.wait_for(lambda: other_pseudonym in room_of(harness.app).offer_messages)
    harness.clock.advance(timedelta(minutes=2, seconds=1))
    await peer_tick_now(harness.app)
    assert "expired" in (second_offer.text or "")
    assert second_offer.buttons == []
    # Both have had their turn for this member: nobody is offered it again.
    assert room_of(harness.app).matchmaker.offers == {}
    assert (
        room_of(harness.app).matchmaker.position(harness.services.keyring.pseudonym(member.id)) == 1
    )


async def test_a_crisis_check_in_jumps_the_line_and_the_listener_is_told(harness: Harness) -> None:
    sim = harness.sim
    fast_relay(harness)
    member_a = sim.add_user("Dov", started=True)
    member_b = sim.add_user("Esme", started=True)
    waiting = await check_in(sim, member_a)
    assert "number 1" in waiting.text
    waiting_b = await check_in(
        sim, member_b, mood="Really struggling", words="i want to die tonight"
    )
    assert "first in line" in waiting_b.text
    lines = await bot_says(sim, sim.private_chat(member_b), "talk to someone right now")
    assert lines is not None
    listener = await approved_listener(harness, "Fenna", moderators_chat(sim))
    offer = await offer_to(sim, listener)
    assert "it may be a crisis" in offer.text
    press(sim, listener, offer, "Take the chat")
    prompt = await bot_says(sim, sim.private_chat(listener), "This may be a crisis")
    assert "never promise" in prompt.text
    await bot_says(sim, sim.private_chat(member_b), "You're connected with")


async def test_crisis_language_in_the_relay_on_both_sides(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Gus", "Hana")
    sim.send_text(member, "honestly I want to kill myself")
    await bot_says(sim, sim.private_chat(member), "talk to someone right now")
    await bot_says(sim, sim.private_chat(listener), "I want to kill myself")
    prompt = await bot_says(sim, sim.private_chat(listener), "may be in crisis")
    assert "encourage them to call" in prompt.text
    sim.send_text(listener, "some nights I still want to kill myself, if I'm honest")
    await bot_says(sim, sim.private_chat(member), "some nights")
    # The listener's own crisis words get the crisis lines too: never suppressed.
    await bot_says(sim, sim.private_chat(listener), "talk to someone right now")


async def test_checkin_words_too_long_for_the_listener_are_said_to_be_cut(
    harness: Harness,
) -> None:
    sim = harness.sim
    member = sim.add_user("Mara", started=True)
    chat = sim.private_chat(member)
    ask = await say(sim, member, "/checkin")
    press(sim, member, ask, "Having a rough time")
    await bot_says(sim, chat, "What would help", after=ask.message_id)
    short = await say(sim, member, "it has been a long week")
    assert "first 1000 characters" not in short.text
    long = await say(sim, member, "and then " * 130)
    assert long.text.startswith("Before the chat starts, your listener sees only the first 1000")
    assert "Your words stay with me" in long.text


async def test_contact_details_cross_only_when_their_sender_says_so(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Olli", "Pem")
    to_listener, to_member = sim.private_chat(listener), sim.private_chat(member)
    asked = await say(sim, member, "my number is +44 7700 900123, text me")
    assert asked.text.startswith("That message has contact details in it")
    assert button_labels(asked) == ["Send it", "Don't send"]
    press(sim, member, asked, "Don't send")
    await bot_says(sim, to_member, "Not sent", after=asked.message_id)
    sim.send_text(listener, "how are you doing tonight")
    await bot_says(sim, to_member, "how are you doing tonight")
    assert [m for m in sim.messages(to_listener) if "7700" in (m.text or "")] == []
    again = await say(sim, member, "find me at t.me/pem_private")
    press(sim, member, again, "Send it")
    relayed = await bot_says(sim, to_listener, "t.me/pem_private")
    assert relayed.text.startswith("Peer")
    last = await say(sim, member, "or email pem@example.org")
    assert room_of(harness.app).held_contacts != {}
    await say(sim, member, "/end")
    assert room_of(harness.app).held_contacts == {}, "let go of when the chat ends"
    press(sim, member, last, "Send it")
    await bot_says(sim, to_member, "That message has expired", after=last.message_id)
    crossed = [m.text or "" for m in sim.messages(to_listener)]
    assert not [t for t in crossed if "7700" in t or "pem@example.org" in t]


async def test_a_crisis_with_contact_details_is_passed_on_at_once(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Quin", "Rhea")
    sim.send_text(member, "i want to kill myself tonight, call me on +44 7700 900456")
    await bot_says(sim, sim.private_chat(listener), "7700 900456")
    assert room_of(harness.app).held_contacts == {}


@pytest.mark.parametrize(
    ("mood", "answer"),
    [
        ("Really struggling", "I'm sorry it's this hard right now."),
        ("Doing well", "I'm glad you're doing well."),
        ("Having a craving", "A craving is hard, and it passes"),
    ],
)
async def test_each_mood_gets_its_own_answer_and_shows_the_choice(
    harness: Harness, mood: str, answer: str
) -> None:
    sim = harness.sim
    member = sim.add_user("Sky", started=True)
    ask = await say(sim, member, "/checkin")
    press(sim, member, ask, mood)
    answered = await bot_says(
        sim, sim.private_chat(member), "What would help", after=ask.message_id
    )
    assert answered.text.startswith(mood)
    assert answer in answered.text
    assert ask.buttons == []


async def test_something_to_read_after_a_check_in_is_never_a_meeting_topic(
    harness: Harness,
) -> None:
    sim = harness.sim
    library = harness.services.library
    meeting_titles = [r.title for r in library.in_topic("fear") if r.kind == "meeting"]
    assert meeting_titles, "the mood's topic holds meeting topics to avoid"
    for n in range(8):
        member = sim.add_user(f"Reader{n}", started=True)
        ask = await say(sim, member, "/checkin")
        press(sim, member, ask, "Really struggling")
        helps = await bot_says(sim, sim.private_chat(member), "What would help")
        press(sim, member, helps, "Something to read")
        reading = await bot_says(sim, sim.private_chat(member), "Take what you want")
        assert not [t for t in meeting_titles if t in reading.text]
        assert "This meeting" not in reading.text


async def test_checkin_in_a_live_chat_says_so_before_any_question(harness: Harness) -> None:
    sim = harness.sim
    _, member = await live_chat(harness, "Kai", "Lena")
    answer = await say(sim, member, "/checkin")
    assert answer.text.startswith("You're already in a chat with")
    assert "How are you, right now?" not in answer.text
    assert answer.buttons == []


async def test_end_way_back_and_deleting_the_copies(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Iris", "Jonas")
    sim.send_text(listener, "glad you reached out")
    await bot_says(sim, sim.private_chat(member), "glad you reached out")
    await say(sim, member, "/end")
    way_back = await bot_says(sim, sim.private_chat(member), "Thank you for reaching out")
    assert "/checkin" in way_back.text
    await bot_says(sim, sim.private_chat(listener), "ended the chat")
    await bot_says(sim, sim.private_chat(listener), "Thank you for listening")
    offer = await bot_says(sim, sim.private_chat(member), "delete my copies")
    copy = await bot_says(sim, sim.private_chat(member), "glad you reached out")
    assert "only you can delete them" in offer.text
    press(sim, member, offer, "Delete my copies")
    done = await bot_says(sim, sim.private_chat(member), "I deleted")
    assert "deleted 2 of my messages" in done.text, done.text
    assert copy.deleted
    later = await say(sim, member, "are you still there?")
    assert is_everyday_answer(later.text)  # the chat is over: nothing is relayed


async def test_idle_chat_warns_then_ends(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Kai", "Lena")
    harness.clock.advance(timedelta(minutes=15))
    await peer_tick_now(harness.app)
    await bot_says(sim, sim.private_chat(member), "quiet for 15 minutes")
    await bot_says(sim, sim.private_chat(listener), "quiet for 15 minutes")
    harness.clock.advance(timedelta(minutes=5))
    await peer_tick_now(harness.app)
    await bot_says(sim, sim.private_chat(member), "closed after 20 quiet minutes")
    await bot_says(sim, sim.private_chat(listener), "closed after 20 quiet minutes")
    assert room_of(harness.app).matchmaker.pairs == {}


async def test_hand_over_goes_to_the_next_listener_who_sees_nothing(harness: Harness) -> None:
    sim = harness.sim
    fast_relay(harness)
    moderators = moderators_chat(sim)
    first = await approved_listener(harness, "Mila", moderators)
    member = sim.add_user("Nico", started=True)
    await connect(sim, member, first)
    sim.send_text(member, "something private about my brother")
    await bot_says(sim, sim.private_chat(first), "my brother")
    second = await approved_listener(harness, "Olga", moderators)
    await say(sim, first, "/handover")
    await bot_says(sim, sim.private_chat(member), "needed to step away")
    offer = await offer_to(sim, second)
    press(sim, second, offer, "Take the chat")
    await bot_says(sim, sim.private_chat(second), "You're talking with")
    assert all("brother" not in (m.text or "") for m in sim.messages(sim.private_chat(second)))


async def test_block_means_never_matched_again(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Pia", "Rafa")
    await say(sim, member, "/block")
    await bot_says(sim, sim.private_chat(member), "never be matched again")
    floor = sim.private_chat(listener).last_message_id
    await check_in(sim, member)
    await peer_tick_now(harness.app)
    assert room_of(harness.app).matchmaker.offers == {}
    assert all(
        "asking to talk" not in (m.text or "")
        for m in sim.messages(sim.private_chat(listener))
        if m.message_id > floor
    )


async def test_report_reaches_the_moderators_and_can_suspend(harness: Harness) -> None:
    sim = harness.sim
    fast_relay(harness)
    moderators = moderators_chat(sim)
    mod_chat, moderator = moderators
    listener = await approved_listener(harness, "Sven", moderators)
    member = sim.add_user("Tove", username="tove_t", started=True)
    await connect(sim, member, listener)
    sim.send_text(listener, "send me your phone number")
    await bot_says(sim, sim.private_chat(member), "phone number")
    answer = await say(sim, member, "/report")
    assert "What happened?" in answer.text, "asked first, before the chat's closing"
    ask = answer
    await bot_says(sim, sim.private_chat(listener), "ended the chat")
    press(sim, member, ask, "Harassment")
    report = await bot_says(sim, mod_chat, "Report: Harassment")
    assert "send me your phone number" in report.text
    assert identity_leaks(report.text, member, listener) == []
    await bot_says(sim, sim.private_chat(member), "Sent to the moderators")
    tables = await harness.services.store.table_names()  # type: ignore[attr-defined]
    assert "reports" not in tables
    press(sim, moderator, report, "Suspend this listener")
    await bot_says(sim, sim.private_chat(listener), "paused for you")
    again = await say(sim, listener, "/listen")
    assert "paused" in again.text
    assert report.buttons == []  # the report stays readable, its button gone
    suspended = await bot_says(sim, mod_chat, "is suspended")
    press(sim, moderator, suspended, "Lift the suspension")
    await bot_says(sim, sim.private_chat(listener), "lifted the pause")
    back = await say(sim, listener, "/listen")
    assert "on shift" in back.text


async def test_listener_approval_and_decline(harness: Harness) -> None:
    sim = harness.sim
    mod_chat, moderator = moderators_chat(sim)
    hopeful = sim.add_user("Uma", started=True)
    guide = await say(sim, hopeful, "/listen")
    press(sim, hopeful, guide, "I'll listen this way")
    await bot_says(sim, sim.private_chat(hopeful), "asked the moderators")
    request = await bot_says(sim, mod_chat, "Listener request")
    assert identity_leaks(request.text, hopeful) == []
    pending = await say(sim, hopeful, "/listen")
    assert "with the moderators" in pending.text
    press(sim, moderator, request, "Decline")
    await bot_says(sim, sim.private_chat(hopeful), "not approved")
    again = await say(sim, hopeful, "/listen")
    assert "not approved" in again.text
    # A stale approve button, pressed after the decision, changes nothing.
    press(sim, moderator, request, "Approve") if request.buttons else None
    assert "not approved" in (await say(sim, hopeful, "/listen")).text


async def test_waiting_member_hears_alternatives_and_can_stop(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Vera", started=True)
    await check_in(sim, member)
    nobody = await bot_says(sim, sim.private_chat(member), "No listener is on shift")
    assert "Stop waiting" in button_labels(nobody)
    harness.clock.advance(timedelta(minutes=5))
    await peer_tick_now(harness.app)
    long_wait = await bot_says(sim, sim.private_chat(member), "Nobody has taken your chat yet")
    press(sim, member, long_wait, "Something to read")
    await bot_says(sim, sim.private_chat(member), "Here is something to read")
    press(sim, member, long_wait, "Stop waiting")
    await bot_says(sim, sim.private_chat(member), "You've left the line")
    assert room_of(harness.app).matchmaker.requests == []


async def test_a_long_wait_is_never_silent(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Wren", started=True)
    chat = sim.private_chat(member)
    await check_in(sim, member)
    await bot_says(sim, chat, "No listener is on shift")

    async def marks_after(minutes: int) -> list[str]:
        harness.clock.advance(timedelta(minutes=minutes))
        await peer_tick_now(harness.app)
        await peer_tick_now(harness.app)  # a second tick at the same mark says nothing more
        return [m.text for m in sim.messages(chat) if "minutes so far" in (m.text or "")]

    assert await marks_after(5) == []
    long_wait = await bot_says(sim, chat, "Nobody has taken your chat yet")
    press(sim, member, long_wait, "Keep waiting")
    await bot_says(sim, chat, "still in line")
    told = await marks_after(5)
    assert len(told) == 1
    assert "(10 minutes so far)" in told[0]
    assert "number 1" in told[0]
    counts = [len(await marks_after(5)) for _ in range(7)]  # at 15, 20 ... 45 minutes
    # Every five minutes up to half an hour, then every fifteen.
    assert counts == [2, 3, 4, 5, 5, 5, 6]
    assert "(45 minutes so far)" in (await marks_after(0))[-1]


async def test_a_listener_at_their_cap_and_the_member_waiting_are_told_the_truth(
    harness: Harness,
) -> None:
    sim = harness.sim
    fast_relay(harness)
    listener = await approved_listener(harness, "Cato", moderators_chat(sim))
    capped = await say(sim, listener, "/listen cap 1")
    assert "up to <b>1</b> chats this shift" in capped.html
    first = sim.add_user("Dara", started=True)
    await connect(sim, first, listener)
    await say(sim, first, "/end")
    told = await bot_says(sim, sim.private_chat(listener), "That was your")
    assert "won't send you more offers" in told.text
    assert "/listen cap 2" in told.text
    await bot_says(sim, sim.private_chat(listener), "delete my copies")
    again = await say(sim, listener, "/listen cap 1")
    assert "no offers will come" in again.text
    bare = await say(sim, listener, "/listen")
    assert "no offers will come" in bare.text
    second = sim.add_user("Eske", started=True)
    line = await check_in(sim, second)
    assert "number 1" in line.text
    await bot_says(sim, sim.private_chat(second), "taken all the chats they can this shift")
    more = await say(sim, listener, "/listen cap 2")
    assert "I'll send you offers here" in more.text
    await offer_to(sim, listener)


async def test_asking_too_often_is_limited(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Wim", started=True)
    for _ in range(5):
        await check_in(sim, member)
        await say(sim, member, "/cancel")
    chat = sim.private_chat(member)
    sent = sim.send_text(member, "/checkin")
    ask = await bot_says(sim, chat, "How are you", after=sent.message_id)
    press(sim, member, ask, "Okay")
    helps = await bot_says(sim, chat, "What would help", after=ask.message_id)
    press(sim, member, helps, "Talk with a peer now")
    await bot_says(sim, chat, "several times this hour", after=helps.message_id)


async def test_a_restart_mid_chat_tells_both_sides(harness: Harness) -> None:
    sim = harness.sim
    fast_relay(harness)
    listener = await approved_listener(harness, "Xan", moderators_chat(sim))
    member = sim.add_user("Yara", started=True)
    waiting = sim.add_user("Zeno", started=True)
    await connect(sim, member, listener)
    await check_in(sim, waiting)
    await harness.restart()
    await bot_says(sim, sim.private_chat(member), "your peer chat ended")
    await bot_says(sim, sim.private_chat(listener), "your peer chat ended")
    await bot_says(sim, sim.private_chat(waiting), "lost your place in line")
    assert await harness.services.store.take_peer_sessions() == []


async def test_forget_mid_chat_ends_it_and_erases_the_markers(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Abe", "Bea")
    await say(sim, member, "/forget")
    await bot_says(sim, sim.private_chat(listener), "ended the chat")
    assert room_of(harness.app).matchmaker.pairs == {}
    pseudonym = harness.services.keyring.pseudonym(member.id)
    assert pseudonym not in room_of(harness.app).chat_ids


async def test_a_member_who_blocks_the_bot_leaves_the_chat_and_the_listener_hears(
    harness: Harness,
) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Cora", "Dara")
    sim.block_bot(member)
    await bot_says(sim, sim.private_chat(listener), "ended the chat")
    assert room_of(harness.app).matchmaker.pairs == {}
    gone = harness.services.keyring.pseudonym(member.id)
    await sim.wait_for(lambda: gone not in room_of(harness.app).chat_ids)


async def test_a_check_in_left_half_done_is_let_go(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Edda", started=True)
    chat = sim.private_chat(member)
    sent = sim.send_text(member, "/checkin")
    ask = await bot_says(sim, chat, "How are you", after=sent.message_id)
    press(sim, member, ask, "Getting by")
    helps = await bot_says(sim, chat, "What would help", after=ask.message_id)
    harness.clock.advance(timedelta(minutes=31))
    await peer_tick_now(harness.app)
    assert room_of(harness.app).checkins == {}
    later = await say(sim, member, "hello again")
    assert is_everyday_answer(later.text)  # not taken as words for a check-in
    query = sim.press_button(
        member, helps, index=button_labels(helps).index("Talk with a peer now")
    )
    await sim.wait_for(lambda: query in sim.callback_answers)
    assert "That check-in has ended" in str(sim.callback_answers[query]["text"])
    assert room_of(harness.app).matchmaker.requests == []
