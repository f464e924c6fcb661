"""Deliveries after the clock jumps, and when a group refuses them for a while: the real
Application, the simulator and an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.refusals import GIVE_UP_AFTER
from bot.handlers.daily import deliver_now
from bot.sim import BotApiSimulator, SimChat, SimUser
from tests.conftest import Harness
from tests.test_e2e_daily import REFLECTIONS, deliveries, subscribe_in_berlin
from tests.test_e2e_foundation import say

OPERATOR_CHAT = -1009990004


def titles(sim: BotApiSimulator, chat: SimChat, thread_id: int | None = None) -> list[str]:
    return [m.text.split("\n")[1] for m in deliveries(sim, chat, thread_id)]


def reflection(month_day: str) -> str:
    return REFLECTIONS[month_day].title


async def test_a_jump_forward_sends_the_missed_day_once_and_keeps_the_time(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 4, 20, 0, tzinfo=UTC)
    early, late = sim.add_user("Ada", started=True), sim.add_user("Bo", started=True)
    await subscribe_in_berlin(harness, early, "07:30")
    await subscribe_in_berlin(harness, late, "10:00")
    harness.clock.now = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
    await deliver_now(harness.app)
    # The clock jumps three days ahead, to 09:00 in Berlin on the 8th.
    harness.clock.now = datetime(2027, 1, 8, 8, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    await deliver_now(harness.app)
    # 07:30 was an hour and a half ago: the 8th's reflection, once, not one per day missed.
    assert titles(sim, sim.private_chat(early)) == [reflection("01-05"), reflection("01-08")]
    # 10:00 is still to come today: nothing yet, and the 8th is not skipped.
    assert titles(sim, sim.private_chat(late)) == [reflection("01-05")]
    harness.clock.now = datetime(2027, 1, 8, 9, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    assert titles(sim, sim.private_chat(late)) == [reflection("01-05"), reflection("01-08")]
    # The next ones come at the chosen times on the next local day.
    harness.clock.now = datetime(2027, 1, 9, 6, 30, tzinfo=UTC)
    await deliver_now(harness.app)
    assert titles(sim, sim.private_chat(early))[-1] == reflection("01-09")
    assert len(titles(sim, sim.private_chat(late))) == 2


async def test_a_jump_back_repeats_nothing_today_and_resumes_the_next_day(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 4, 20, 0, tzinfo=UTC)
    member = sim.add_user("Cy", started=True)
    chat = sim.private_chat(member)
    await subscribe_in_berlin(harness, member, "07:30")
    for day in (5, 6, 7):
        harness.clock.now = datetime(2027, 1, day, 6, 30, tzinfo=UTC)
        await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == 3
    # An hour and a half after the 7th's delivery the clock goes back two days.
    harness.clock.now = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    harness.clock.now = datetime(2027, 1, 5, 23, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == 3  # nothing more on the 5th
    # The next local day at 07:30, not the 8th as planned before the jump.
    harness.clock.now = datetime(2027, 1, 6, 6, 30, tzinfo=UTC)
    await deliver_now(harness.app)
    await deliver_now(harness.app)
    assert titles(sim, chat)[3:] == [reflection("01-06")]
    harness.clock.now = datetime(2027, 1, 7, 6, 30, tzinfo=UTC)
    await deliver_now(harness.app)
    assert titles(sim, chat)[3:] == [reflection("01-06"), reflection("01-07")]


async def _group_with_daily(harness: Harness, time: str, *, forum: bool = False) -> SimChat:
    sim = harness.sim
    admin = sim.add_user("Dee")
    group = sim.add_group("Morning Group", forum=forum, members=[admin], admins=[admin])
    done = await say(sim, admin, f"/daily {time}", chat=group)
    assert "every day at" in done.text
    return group


async def _counts(harness: Harness) -> dict[str, int]:
    days = await harness.services.store.daily_counts(harness.clock() - timedelta(days=10))
    totals: dict[str, int] = {}
    for numbers in days.values():
        for name, number in numbers.items():
            totals[name] = totals.get(name, 0) + number
    return totals


async def _retry(harness: Harness, group: SimChat, thread_id: int | None = None) -> None:
    """Move the clock to the subscription's next try, and run a delivery."""
    key = harness.services.keyring.pseudonym(group.id)
    subscription = await harness.services.store.subscription(key, "reflection", thread_id)
    assert subscription is not None
    harness.clock.now = subscription.next_due_at
    await deliver_now(harness.app)


@pytest.mark.parametrize("settings_overrides", [{"operator_chat": OPERATOR_CHAT}])
async def test_a_group_without_rights_keeps_its_daily_and_gets_it_once_rights_return(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 10, 6, 0, tzinfo=UTC)
    group = await _group_with_daily(harness, "07:00")
    key = harness.services.keyring.pseudonym(group.id)
    # The group's admins take the bot's right to send messages away.
    sim.set_member_status(group, sim.bot_user, "restricted", can_send_messages=False)
    harness.clock.now = datetime(2027, 1, 10, 7, 0, tzinfo=UTC)
    report = await deliver_now(harness.app)
    assert (report.refused, report.removed) == (1, 0)
    assert await harness.services.store.subscriptions_of(key) != []
    await _retry(harness, group)  # 15 minutes later
    await _retry(harness, group)  # an hour after that: the admins would be told now
    assert deliveries(sim, group) == []
    # Posting anywhere in the group is refused, so the notice could go nowhere: counted.
    counts = await _counts(harness)
    assert counts["deliveries_refused"] == 3
    assert counts["delivery_notices_unsent"] == 1
    assert "delivery_notices" not in counts
    # Rights come back: the next try delivers today's reflection, once.
    sim.set_member_status(group, sim.bot_user, "member")
    await _retry(harness, group)
    await deliver_now(harness.app)
    assert titles(sim, group) == [reflection("01-10")]
    harness.clock.now = datetime(2027, 1, 11, 7, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    assert titles(sim, group) == [reflection("01-10"), reflection("01-11")]
    subscription = (await harness.services.store.subscriptions_of(key))[0]
    assert (subscription.refusals, subscription.refused_since) == (0, None)
    # The operator sees the refusals among the numbers, with no ids.
    operator = sim.add_user("Op")
    room = sim.add_group("Ops", members=[operator], admins=[operator], chat_id=OPERATOR_CHAT)
    stats = await say(sim, operator, "/stats", chat=room)
    legend = "daily deliveries refused · admins told · admins could not be told · daily"
    assert legend in stats.text
    assert "2027-01-10</code>  3 · 0 · 1 · 0" in stats.html
    assert str(group.id) not in stats.text


async def test_a_closed_topic_tells_the_admins_once_in_the_group_s_language(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 12, 7, 0, tzinfo=UTC)
    admin = sim.add_user("Eva", language_code="es")
    hall = sim.add_group("Sala", forum=True, members=[admin], admins=[admin])
    topic = sim.add_topic(hall, "Lecturas")
    done = await say(sim, admin, "/daily 08:00", chat=hall, thread_id=topic)
    assert "cada día" in done.text
    sim.close_topic(hall, topic)
    harness.clock.now = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    for _ in range(6):  # the rest of the day's tries, and the next day's
        await _retry(harness, hall, topic)
    # Told once, in Spanish, outside the closed topic (the forum's General topic).
    notices = [m for m in sim.messages(hall) if "No he podido publicar" in m.text]
    assert len(notices) == 1
    assert notices[0].thread_id is None
    assert "08:00" in notices[0].text
    assert "reabrir el tema" in notices[0].text
    assert deliveries(sim, hall, topic) == []
    sim.reopen_topic(hall, topic)
    await _retry(harness, hall, topic)
    assert len(deliveries(sim, hall, topic)) == 1
    assert (await _counts(harness))["delivery_notices"] == 1


async def test_refusals_for_three_days_end_the_daily(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 14, 6, 0, tzinfo=UTC)
    group = await _group_with_daily(harness, "07:00")
    key = harness.services.keyring.pseudonym(group.id)
    sim.set_member_status(group, sim.bot_user, "restricted", can_send_messages=False)
    harness.clock.now = datetime(2027, 1, 14, 7, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    tries = 1
    while await harness.services.store.subscriptions_of(key):
        await _retry(harness, group)
        tries += 1
        assert tries < 30
    assert harness.clock() - datetime(2027, 1, 14, 7, 0, tzinfo=UTC) >= GIVE_UP_AFTER
    counts = await _counts(harness)
    assert counts["deliveries_given_up"] == 1
    assert counts["delivery_notices_unsent"] == 1  # tried once, not every day


async def test_a_group_that_removed_the_bot_loses_its_daily(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 16, 6, 0, tzinfo=UTC)
    group = await _group_with_daily(harness, "07:00")
    sim.set_member_status(group, sim.bot_user, "kicked")  # without the bot hearing of it
    harness.clock.now = datetime(2027, 1, 16, 7, 0, tzinfo=UTC)
    report = await deliver_now(harness.app)
    assert (report.removed, report.refused) == (1, 0)
    key = harness.services.keyring.pseudonym(group.id)
    assert await harness.services.store.subscriptions_of(key) == []


async def test_a_blocked_bot_s_daily_is_removed_at_once(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 17, 5, 0, tzinfo=UTC)
    member: SimUser = sim.add_user("Fen", started=True)
    await subscribe_in_berlin(harness, member, "07:00")
    member.blocked = True
    harness.clock.now = datetime(2027, 1, 17, 6, 0, tzinfo=UTC)
    report = await deliver_now(harness.app)
    assert (report.removed, report.refused) == (1, 0)
    key = harness.services.keyring.pseudonym(member.id)
    assert await harness.services.store.subscriptions_of(key) == []
    assert "deliveries_refused" not in await _counts(harness)
