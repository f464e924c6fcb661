"""Around the peer chats: pacing, discreet mode, the daily nudge, shifts and their
options, the operator's listener policy, reports without moderators, and /stats."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.handlers.daily import deliver_now
from bot.peers.service import room_of
from bot.peers.tick import peer_tick_now
from tests.conftest import Harness
from tests.peer_helpers import (
    MODERATOR_CHAT,
    PEER_SETTINGS,
    approved_listener,
    bot_says,
    connect,
    fast_relay,
    live_chat,
    moderators_chat,
    press,
)
from tests.test_e2e_foundation import button_labels, say

OPERATOR_CHAT = -1009990003


@pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
async def test_relay_is_paced_in_order_and_a_fast_typist_is_told(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Pace", "Quick")
    room_of(harness.app).pacer.interval = 1.0  # Telegram's pace for one chat
    for number in range(6):
        sim.send_text(member, f"line {number}")
    await bot_says(sim, sim.private_chat(member), "one a second", timeout=10)
    await bot_says(sim, sim.private_chat(listener), "line 5", timeout=15)
    relays = [
        call
        for call in sim.calls_to("sendMessage")
        if call.params.get("chat_id") == listener.id and "line " in str(call.params.get("text"))
    ]
    assert [str(c.params["text"]).split()[-1] for c in relays] == [str(n) for n in range(6)]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(relays)]
    assert min(gaps) >= 0.9


@pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
async def test_discreet_mode_starts_everything_with_a_plain_line(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Shared", started=True)
    usage = await say(sim, member, "/discreet")
    assert "Right now it is off" in usage.text
    on = await say(sim, member, "/discreet on")
    assert on.text.startswith("A message for you.\n\nDiscreet mode is on")
    today = await say(sim, member, "/today")
    assert today.text.startswith("A message for you.\n\n")
    await harness.restart()
    after_restart = await say(sim, member, "/help")
    assert after_restart.text.startswith("A message for you.")
    off = await say(sim, member, "/discreet off")
    assert off.text == "Discreet mode is off."
    group = sim.add_group("Room", members=[member], bot_is_admin=True)
    in_group = await say(sim, member, "/discreet on", chat=group)
    assert "private chats" in in_group.text


@pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
async def test_daily_check_in_nudge_arrives_and_stops(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    member = sim.add_user("Nudge", started=True)
    wrong = await say(sim, member, "/checkin remind later")
    assert "couldn't read that time" in wrong.text
    assert "/checkin remind 21:30" in wrong.text
    bare = await say(sim, member, "/checkin remind")
    assert bare.text.startswith("Send /checkin remind and a time")
    evening = await say(sim, member, "/checkin remind 9 pm")
    assert "every day at <b>21:00</b> (UTC)" in evening.html
    done = await say(sim, member, "/checkin remind 21:30")
    assert "every day at <b>21:30</b> (UTC)" in done.html
    current = await say(sim, member, "/checkin remind")
    assert "A check-in nudge comes here every day at <b>21:30</b> (UTC)" in current.html
    harness.clock.now = datetime(2027, 3, 1, 21, 30, tzinfo=UTC)
    report = await deliver_now(harness.app)
    assert report.sent == 1
    nudge = await bot_says(sim, sim.private_chat(member), "A gentle check-in")
    assert "Really struggling" in button_labels(nudge)
    press(sim, member, nudge, "Doing well")
    await bot_says(sim, sim.private_chat(member), "What would help")
    stopped = await say(sim, member, "/stop")
    assert "the check-in nudge at 21:30" in stopped.text
    nothing_left = await say(sim, member, "/checkin remind off")
    assert "no check-in nudge to stop" in nothing_left.text
    group = sim.add_group("Room", members=[member], bot_is_admin=True)
    assert "private chat" in (await say(sim, member, "/checkin", chat=group)).text


@pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
async def test_shift_length_cap_and_off(harness: Harness) -> None:
    sim = harness.sim
    listener = await approved_listener(harness, "Shift", moderators_chat(sim))
    longer = await say(sim, listener, "/listen 20h")
    assert "<b>12 h</b>" in longer.html  # never more than twelve hours, and said so
    assert "A shift is at most 12 hours" in longer.text
    capped = await say(sim, listener, "/listen cap 1")
    assert "up to <b>1</b> chats this shift" in capped.html
    assert "at most" not in capped.text
    harness.clock.advance(timedelta(hours=1))
    current = await say(sim, listener, "/listen")
    assert "on shift as a peer listener for another <b>11 h</b>" in current.html
    assert "up to <b>1</b> chats this shift" in current.html
    wrong = await say(sim, listener, "/listen forever")
    assert "/listen 2h" in wrong.text
    off = await say(sim, listener, "/listen off")
    assert "Thank you for listening" in off.text
    again = await say(sim, listener, "/listen off")
    assert "not on shift" in again.text
    short = await say(sim, listener, "/listen 30m")
    assert "<b>30 min</b>" in short.html
    harness.clock.advance(timedelta(minutes=31))
    await peer_tick_now(harness.app)
    await bot_says(sim, sim.private_chat(listener), "Your listening shift has ended")
    assert room_of(harness.app).matchmaker.listeners == {}


@pytest.mark.parametrize("settings_overrides", [{"listeners": "open"}])
async def test_open_listening_needs_only_the_guide(harness: Harness) -> None:
    sim = harness.sim
    volunteer = sim.add_user("Open", started=True)
    guide = await say(sim, volunteer, "/listen")
    press(sim, volunteer, guide, "I'll listen this way")
    await bot_says(sim, sim.private_chat(volunteer), "on shift")


@pytest.mark.parametrize("settings_overrides", [{"listeners": "open"}])
async def test_a_too_long_first_shift_is_told_after_the_guide_too(harness: Harness) -> None:
    sim = harness.sim
    volunteer = sim.add_user("Eager", started=True)
    guide = await say(sim, volunteer, "/listen 30h")
    press(sim, volunteer, guide, "I'll listen this way")
    shift = await bot_says(sim, sim.private_chat(volunteer), "on shift")
    assert "<b>12 h</b>" in shift.html
    assert "A shift is at most 12 hours" in shift.text


async def test_approved_listening_without_moderators_says_so(harness: Harness) -> None:
    sim = harness.sim
    volunteer = sim.add_user("Keen", started=True)
    guide = await say(sim, volunteer, "/listen")
    press(sim, volunteer, guide, "I'll listen this way")
    await bot_says(sim, sim.private_chat(volunteer), "no moderators' chat")


@pytest.mark.parametrize("settings_overrides", [{"listeners": "open"}])
async def test_a_report_without_moderators_still_blocks(harness: Harness) -> None:
    sim = harness.sim
    fast_relay(harness)
    volunteer = sim.add_user("Lone", started=True)
    guide = await say(sim, volunteer, "/listen")
    press(sim, volunteer, guide, "I'll listen this way")
    await bot_says(sim, sim.private_chat(volunteer), "on shift")
    member = sim.add_user("Mira", started=True)
    await connect(sim, member, volunteer)
    nowhere = await say(sim, member, "/report")
    await bot_says(sim, sim.private_chat(member), "reports go nowhere else")
    assert nowhere is not None
    svc = harness.services
    blocks = await svc.store.blocks(harness.clock())
    pair = (svc.keyring.pseudonym(member.id), svc.keyring.pseudonym(volunteer.id))
    assert pair in blocks


@pytest.mark.parametrize(
    "settings_overrides", [{"operator_chat": OPERATOR_CHAT, "moderator_chat": MODERATOR_CHAT}]
)
async def test_stats_count_check_ins_and_chats_without_ids(harness: Harness) -> None:
    sim = harness.sim
    _, member = await live_chat(harness, "Count", "Tally")
    await say(sim, member, "/end")
    operator = sim.add_user("Op")
    room = sim.add_group("Ops", members=[operator], admins=[operator], chat_id=OPERATOR_CHAT)
    stats = await say(sim, operator, "/stats", chat=room)
    assert "check-ins · asks for a peer · peer chats started · peer chats ended" in stats.text
    assert "1 · 1 · 1 · 1 · 0 · 0 · 0" in stats.text
    assert "Having a rough time 1" in stats.text
    assert "Talk with a peer now 1" in stats.text
    assert "under 1m 1" in stats.text
    assert str(member.id) not in stats.text


@pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
async def test_a_nudge_comes_in_the_member_s_language(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    member = sim.add_user("Lucia", language_code="es", started=True)
    await say(sim, member, "/checkin remind 21:30")
    harness.clock.now = datetime(2027, 3, 1, 21, 30, tzinfo=UTC)
    await deliver_now(harness.app)
    chat = sim.private_chat(member)
    nudge = await sim.wait_for(lambda: next((m for m in sim.messages(chat) if m.buttons), None))
    assert "Lo estoy pasando muy mal" in button_labels(nudge)
    assert "Really struggling" not in button_labels(nudge)
