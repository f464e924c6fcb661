"""/forget leaves nobody behind, and a chair is allowed where the admins said
(bot/handlers/privacy.py, bot/handlers/meetings.py)."""

from __future__ import annotations

import pytest

from bot.meetings.live import meetings_in
from bot.memory import held, sweep_now
from bot.peers.service import room_of
from bot.platform.store import StoreError
from tests.conftest import Harness
from tests.peer_helpers import PEER_SETTINGS, bot_says, live_chat
from tests.test_e2e_foundation import say
from tests.test_e2e_meetings import group_with, start


async def test_a_chair_runs_meetings_in_their_own_topic_until_they_forget(
    harness: Harness,
) -> None:
    sim = harness.sim
    group, admin, (ana, *_) = group_with(sim, forum=True)
    ours = sim.add_topic(group, "Tuesdays", by=admin)
    other = sim.add_topic(group, "Newcomers", by=admin)
    hello = sim.send_text(ana, "hi all", chat=group, thread_id=ours)
    sent = sim.send_text(admin, "/meeting chair", chat=group, thread_id=ours, reply_to=hello)
    await bot_says(sim, group, "Ana can now chair", after=sent.message_id)
    refused = await say(sim, ana, "/meeting start", chat=group, thread_id=other)
    assert "Only the group's admins" in refused.text
    await start(sim, ana, group, thread_id=ours)
    await say(sim, ana, "/meeting end", chat=group, thread_id=ours)
    # Her /forget takes back what the admins gave her, and the meeting kept nothing of her.
    await say(sim, ana, "/forget")
    refused = await say(sim, ana, "/meeting start", chat=group, thread_id=ours)
    assert "Only the group's admins" in refused.text


async def test_forget_lowers_a_raised_hand_and_ends_discreet_mode(harness: Harness) -> None:
    sim = harness.sim
    group, admin, (ana, ben, *_) = group_with(sim)
    await start(sim, admin, group)
    await say(sim, ana, "/share", chat=group)
    await say(sim, ben, "/share", chat=group)
    await say(sim, ana, "/discreet on")
    await say(sim, ana, "/forget")
    (meeting,) = meetings_in(harness.app.bot_data).values()
    assert [hand.first_name for hand in meeting.queue] == ["Ben"]
    assert harness.services.keyring.pseudonym(ana.id) not in room_of(harness.app).discreet
    plain = await say(sim, ana, "/help")
    assert not plain.text.startswith("A message for you.")  # discreet mode went too


@pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
async def test_forget_mid_chat_says_the_chat_ended(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Ola", "Pia")
    answer = await say(sim, member, "/forget")
    assert answer.text.startswith("Your peer chat has ended.")
    assert "I held nothing" not in answer.text
    await bot_says(sim, sim.private_chat(listener), "ended the chat")
    shift_over = await say(sim, listener, "/forget")
    assert shift_over.text.startswith("Your listening shift has ended.")


async def test_an_admin_command_sent_as_a_channel_is_refused_kindly(harness: Harness) -> None:
    sim = harness.sim
    group, _admin, (ana, *_) = group_with(sim)
    sent = sim.send_text(ana, "/meeting start", chat=group, as_channel=True)
    refused = await sim.next_bot_message(group, after=sent.message_id)
    assert "Only the group's admins" in (refused.text or "")


async def test_forget_on_a_full_disk_says_so_and_erases_on_a_later_try(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, store = harness.sim, harness.services.store
    member = sim.add_user("Vic", started=True)
    await say(sim, member, "/zone Europe/Berlin")
    chat = harness.services.keyring.pseudonym(member.id)
    assert await store.get_zone(chat, harness.clock()) == "Europe/Berlin"
    erase = store.forget

    async def full_disk(who: object) -> int:
        raise StoreError("the disk holding the database is full; free some space")

    monkeypatch.setattr(store, "forget", full_disk)
    answer = await say(sim, member, "/forget")
    assert answer.text.startswith("I couldn't erase what I keep about you just now")
    assert await store.get_zone(chat, harness.clock()) == "Europe/Berlin"
    await sweep_now(harness.app)  # still full: kept for the next try
    monkeypatch.setattr(store, "forget", erase)
    await sweep_now(harness.app)
    assert await store.get_zone(chat, harness.clock()) is None
    assert (await held(harness.app))["erasures to try again"] == 0


async def test_forget_says_truthfully_whether_memory_held_anything(harness: Harness) -> None:
    sim = harness.sim
    newcomer = sim.add_user("Noa", started=True)
    answer = await say(sim, newcomer, "/forget")
    assert "I held nothing about you" in answer.text
    # A check-in's mood is held in memory for a while: /forget lets it go, and says so.
    member = sim.add_user("Ivo", started=True)
    chat = sim.private_chat(member)
    sent = sim.send_text(member, "/checkin")
    ask = await bot_says(sim, chat, "How are you, right now?", after=sent.message_id)
    sim.press_button(member, ask, index=0)
    await bot_says(sim, chat, "What would help", after=ask.message_id)
    answer = await say(sim, member, "/forget")
    assert "what I held in memory while you were here is gone too" in answer.text
    assert "I held nothing" not in answer.text
