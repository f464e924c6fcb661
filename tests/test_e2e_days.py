"""Counting days end to end, with an injected clock: a count in the member's own zone
(across a date line and a clock change), nothing kept unless asked, keeping the date,
milestone messages on the morning of the day exactly once (in discreet mode too), reset
and a new date, /days forget, /forget and blocking the bot; and the privacy audit with a
kept date."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

import pytest

from bot.handlers.daily import deliver_now
from bot.platform.store import Store
from bot.sim import BotApiSimulator, SimChat, SimUser
from tests.conftest import Harness
from tests.peer_helpers import press
from tests.privacy_audit import KnownMember, captured_logs, find_leaks, forbidden_needles
from tests.test_e2e_foundation import button_labels, say

# 2 December 2025, 20:00 UTC: already the 3rd in Tokyo, still the 2nd in Los Angeles.
EVENING = datetime(2025, 12, 2, 20, 0, tzinfo=UTC)


def milestone_messages(sim: BotApiSimulator, chat: SimChat) -> list[str]:
    return [
        m.text or "" for m in sim.messages(chat) if " today. However today goes" in (m.text or "")
    ]


async def member_in(sim: BotApiSimulator, name: str, zone: str) -> SimUser:
    member = sim.add_user(name, started=True)
    answer = await say(sim, member, f"/zone {zone}")
    assert zone in answer.text
    return member


async def kept_count(store: Store, harness: Harness, member: SimUser) -> date | None:
    kept = await store.kept_days(harness.services.keyring.pseudonym(member.id), harness.clock())
    return None if kept is None else harness.services.keyring.unseal_date(kept.sealed_start)


async def test_a_count_in_the_members_own_day(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = EVENING
    tokyo = await member_in(sim, "Aiko", "Asia/Tokyo")
    angeles = await member_in(sim, "Lupe", "America/Los_Angeles")
    east = await say(sim, tokyo, "/days 2025-03-14")
    assert "That's 264 days." in east.text
    west = await say(sim, angeles, "/days 14 March 2025")
    assert west.text.startswith("That's 263 days.")
    assert "Next: 9 months, on 14 December (in 12 days)." in west.text
    assert "I haven't kept anything" in west.text
    assert button_labels(west) == ["Keep this date"]
    assert await kept_count(harness.services.store, harness, angeles) is None
    spanish = sim.add_user("Rocío", started=True, language_code="es")
    counted = await say(sim, spanish, "/days 14 de marzo de 2025")
    assert counted.text.startswith("Son 263 días.")
    assert "Próximo: 9 meses, el 14 de diciembre (dentro de 12 días)." in counted.text
    alone = await say(sim, angeles, "/days")
    assert "Send /days and the date you count from" in alone.text
    wrong = await say(sim, angeles, "/days whenever it was")
    assert "couldn't read that date" in wrong.text
    assert "whenever" not in wrong.text
    ahead = await say(sim, angeles, "/days 2026-01-01")
    assert "hasn't come yet" in ahead.text
    first = await say(sim, angeles, "/days today")
    assert first.text.startswith("That's today: day one starts now.")
    assert "Next: 24 hours, tomorrow (3 December)." in first.text
    admin = sim.add_user("Chair")
    group = sim.add_group("Evening", members=[angeles], admins=[admin])
    in_group = await say(sim, angeles, "/days 2025-03-14", chat=group)
    assert "send /days to me in a private chat" in in_group.text
    assert "263" not in in_group.text
    # Across a clock change: from 28 March 2026 to the 30th is two days in London.
    harness.clock.now = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)  # 00:30 BST on the 30th
    london = await member_in(sim, "Nell", "Europe/London")
    assert (await say(sim, london, "/days 28 March 2026")).text.startswith("That's 2 days.")


async def test_a_kept_date_its_milestones_a_reset_and_forgetting(harness: Harness) -> None:
    sim = harness.sim
    store = harness.services.store
    harness.clock.now = EVENING
    member = await member_in(sim, "Mara", "Europe/Berlin")
    chat = sim.private_chat(member)
    need = await say(sim, member, "/days milestones on")
    assert "need a kept date" in need.text
    counted = await say(sim, member, "/days 2025-03-14")
    press(sim, member, counted, "Keep this date")
    kept = await sim.next_bot_message(chat, after=counted.message_id)
    assert kept.text.startswith("Kept, encrypted.")
    assert await kept_count(store, harness, member) == date(2025, 3, 14)
    shown = await say(sim, member, "/days")
    assert shown.text.startswith("That's 263 days.")
    assert "Milestone messages: off." in shown.text
    await say(sim, member, "/daily 07:30")
    on = await say(sim, member, "/days milestones on")
    assert "at 07:30" in on.text
    await say(sim, member, "/discreet on")
    # 14 December: nine months. 07:30 in Berlin is 06:30 UTC.
    harness.clock.now = datetime(2025, 12, 14, 6, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    assert milestone_messages(sim, chat) == []
    harness.clock.now = datetime(2025, 12, 14, 6, 30, tzinfo=UTC)
    await deliver_now(harness.app)
    await deliver_now(harness.app)
    await sim.wait_for(lambda: len(milestone_messages(sim, chat)) == 1)
    [word] = milestone_messages(sim, chat)
    assert word.startswith("A message for you.")  # discreet mode covers it
    assert "9 months today." in word
    harness.clock.now = datetime(2025, 12, 15, 6, 30, tzinfo=UTC)
    await deliver_now(harness.app)
    await asyncio.sleep(0.2)
    assert len(milestone_messages(sim, chat)) == 1  # no milestone the next day
    # A slip: start again, with no questions; the old date is overwritten.
    reset = await say(sim, member, "/days reset")
    assert "Starting again from today. A slip isn't a failure" in reset.text
    assert await kept_count(store, harness, member) == date(2025, 12, 15)
    again = await say(sim, member, "/days 10 Dec 2025")
    assert "Starting again from 10 December." in again.text
    assert "That's 5 days." in again.text
    assert await kept_count(store, harness, member) == date(2025, 12, 10)
    forgot = await say(sim, member, "/days forget")
    assert "no longer keep a date" in forgot.text
    assert await kept_count(store, harness, member) is None
    pseudonym = harness.services.keyring.pseudonym(member.id)
    assert [s.kind for s in await store.subscriptions_of(pseudonym)] == ["reflection"]
    # Kept again, then /forget; and for another member, blocking the bot.
    counted = await say(sim, member, "/days 2025-03-14")
    press(sim, member, counted, "Keep this date")
    await sim.next_bot_message(chat, after=counted.message_id)
    await say(sim, member, "/forget")
    assert await kept_count(store, harness, member) is None
    other = await member_in(sim, "Otto", "Europe/Berlin")
    counted = await say(sim, other, "/days 2025-03-14")
    press(sim, other, counted, "Keep this date")
    await sim.next_bot_message(sim.private_chat(other), after=counted.message_id)
    sim.block_bot(other)
    for _ in range(50):
        if await kept_count(store, harness, other) is None:
            break
        await asyncio.sleep(0.1)
    assert await kept_count(store, harness, other) is None


async def test_milestone_messages_follow_the_daily_time(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = EVENING
    member = await member_in(sim, "Ines", "Europe/Madrid")
    counted = await say(sim, member, "/days 2025-11-13")  # 30 days on 13 December
    press(sim, member, counted, "Keep this date")
    await sim.next_bot_message(sim.private_chat(member), after=counted.message_id)
    on = await say(sim, member, "/days milestones on")
    assert "at 09:00" in on.text  # no daily time yet: the morning
    await say(sim, member, "/daily 06:45")
    shown = await say(sim, member, "/days")
    assert "Milestone messages: on, at 06:45." in shown.text
    harness.clock.now = datetime(2025, 12, 13, 5, 45, tzinfo=UTC)  # 06:45 in Madrid
    await deliver_now(harness.app)
    chat = sim.private_chat(member)
    await sim.wait_for(lambda: len(milestone_messages(sim, chat)) == 1)
    assert "30 days today." in milestone_messages(sim, chat)[0]
    stopped = await say(sim, member, "/stop")
    assert "milestone messages at 06:45" in stopped.text


THE_DATE = KnownMember(7712345801, "Cordelia", "cordelia_counts", ["2025-03-14", "14 March 2025"])


@pytest.mark.parametrize("settings_overrides", [{"secret": "audit-" + "y" * 40}])
async def test_a_kept_date_is_never_stored_or_logged_in_clear(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = EVENING
    member = sim.add_user(
        THE_DATE.first_name, username=THE_DATE.username, user_id=THE_DATE.telegram_id, started=True
    )
    chat = sim.private_chat(member)
    with captured_logs(sim.token) as logs:
        counted = await say(sim, member, "/days 14 March 2025")
        press(sim, member, counted, "Keep this date")
        await sim.next_bot_message(chat, after=counted.message_id)
        await say(sim, member, "/days milestones on")
        harness.clock.now = datetime(2025, 12, 14, 9, 0, tzinfo=UTC)
        await deliver_now(harness.app)
        await sim.wait_for(lambda: len(milestone_messages(sim, chat)) == 1)
        logging.getLogger("bot.audit").debug("scenario finished")
    assert "scenario finished" in logs.getvalue()
    needles = forbidden_needles([THE_DATE], sim.token)
    for form in ("20250314", "14/03/2025", str(date(2025, 3, 14).toordinal())):
        needles[f"the date as {form}"] = form.encode()
    assert find_leaks(await harness.stored(), logs.getvalue(), needles) == []
    assert await kept_count(harness.services.store, harness, member) == date(2025, 3, 14)
