"""Two instances of the bot behind a load balancer, on one store and one Redis: each
update reaches either, and a peer chat or a meeting goes on whichever instance each
message reaches, and after one of them stops. Both run here, in one process, each with
its own memory (its own copy of the peer room and the meetings, its own pacer and recent
verdicts)."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.delivery import deliver
from bot.delivery.deliver import REFLECTION
from bot.etiquette.distress import RecentDistress
from bot.etiquette.reminded import RemindedOutsideMeetings
from bot.handlers.common import App
from bot.handlers.daily import deliver_now
from bot.meetings.live import NOTICE_LIFETIME, post_notice, timer_tick_now
from bot.meetings.notices import TAKEN_UP_AFTER
from bot.peers.service import room_of
from bot.peers.tick import peer_tick_now
from bot.platform.shared import RedisState
from bot.platform.store import Subscription
from bot.plumbing.runner import run_webhook
from bot.safety.assessor import RecentCrises
from bot.safety.recent import RecentVerdicts
from bot.services import Services
from bot.sim import BotApiSimulator, SimUser
from bot.sim.ratelimits import RateLimits
from bot.startup import prepare
from tests.balancer import Balancer
from tests.conftest import MovableClock, make_settings
from tests.peer_helpers import (
    PEER_SETTINGS,
    approved_listener,
    bot_says,
    connect,
    moderators_chat,
)
from tests.shared_backends import delete_namespace, require_redis
from tests.test_e2e_etiquette import NOTE, REMINDER, REMOVED, meeting_group, said, settle
from tests.test_e2e_foundation import say
from tests.test_e2e_meetings import group_with, start
from tests.test_e2e_webhook import free_port


@dataclasses.dataclass
class Instance:
    app: App
    services: Services
    stop: asyncio.Event
    task: asyncio.Task[int]


@dataclasses.dataclass
class TwoInstances:
    sim: BotApiSimulator
    clock: MovableClock
    balancer: Balancer
    instances: list[Instance]

    async def stop(self, instance: Instance) -> None:
        instance.stop.set()
        await asyncio.wait_for(instance.task, timeout=15)


async def start_instance(services: Services, clock: MovableClock) -> Instance:
    app = build_application(services)
    room_of(app).pacer.interval = 0.02  # the relay's pacing, shortened
    stop = asyncio.Event()
    task = asyncio.create_task(run_webhook(app, stop, services.settings))
    return Instance(app, services, stop, task)


async def second_instance_of(services: Services, port: int, url: str) -> Services:
    """The same bot, as another process would run it: the same store, the same Redis and
    secret, and memory of its own."""
    redis_url = services.settings.redis_url
    assert redis_url is not None
    shared = await RedisState.connect(redis_url, services.keyring.check_value()[:16])
    return dataclasses.replace(
        services,
        settings=dataclasses.replace(services.settings, webhook_port=port),
        shared=shared,
        recent_crises=RecentCrises(shared),
        verdicts=RecentVerdicts(),
        recent_distress=RecentDistress(shared, services.keyring.shared_name),
        reminded_outside=RemindedOutsideMeetings(shared, services.keyring.shared_name),
    )


@pytest.fixture
async def two(sim: BotApiSimulator, tmp_path: Path) -> AsyncIterator[TwoInstances]:
    redis_url = require_redis()
    clock = MovableClock()
    ports = [free_port(), free_port()]
    balancer = Balancer([f"http://127.0.0.1:{port}/telegram" for port in ports])
    url = await balancer.start(free_port())
    settings = make_settings(
        sim,
        tmp_path / "data",
        redis_url=redis_url,
        secret=f"two instances' own secret, {secrets.token_hex(16)}",
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=ports[0],
        **PEER_SETTINGS,
    )
    prepared = await prepare(settings, clock=clock)
    first = prepared.services
    second = await second_instance_of(first, ports[1], url)
    instances = [await start_instance(first, clock), await start_instance(second, clock)]
    running = TwoInstances(sim, clock, balancer, instances)
    try:
        # Both serving: each looked at the webhook, and the first to look set it.
        await sim.wait_for(lambda: len(sim.calls_to("getWebhookInfo")) >= 2, timeout=10)
        assert len(sim.calls_to("setWebhook")) == 1
        yield running
    finally:
        for instance in instances:
            if not instance.task.done():
                await running.stop(instance)
        await second.shared.close()
        await prepared.close()
        await balancer.stop()
        await delete_namespace(redis_url, first.keyring.check_value()[:16])


async def exchange(sim: BotApiSimulator, writer: SimUser, reader: SimUser, words: str) -> None:
    """writer's words reach reader, relayed."""
    chat = sim.private_chat(reader)
    floor = chat.last_message_id
    sim.send_text(writer, words)
    await bot_says(sim, chat, words, after=floor)


async def test_a_peer_chat_goes_on_through_either_instance_and_after_one_stops(
    two: TwoInstances,
) -> None:
    sim = two.sim
    listener = await approved_listener(two, "Nell", moderators_chat(sim))
    member = sim.add_user("Oren", started=True)
    await connect(sim, member, listener)
    for turn in range(6):
        writer, reader = (member, listener) if turn % 2 == 0 else (listener, member)
        await exchange(sim, writer, reader, f"message number {turn}")
    assert all(two.balancer.served[backend] > 5 for backend in two.balancer.backends)
    # In order, on both sides.
    for person, numbers in ((listener, "024"), (member, "135")):
        relayed = [m.text or "" for m in sim.messages(sim.private_chat(person))]
        assert [t[-1] for t in relayed if "message number" in t] == list(numbers)
    await two.stop(two.instances[0])
    await exchange(sim, member, listener, "is anyone there now?")
    await exchange(sim, listener, member, "yes, still here")
    floor = sim.private_chat(listener).last_message_id
    sim.send_text(member, "/end")
    await bot_says(sim, sim.private_chat(listener), "ended the chat", after=floor)


async def test_a_flood_relayed_through_both_instances_keeps_its_order_and_its_pace(
    two: TwoInstances,
) -> None:
    """Telegram takes about one message a second into a chat: a member's flood, handled
    by both instances in turn, reaches the other side in order and never faster."""
    sim = two.sim
    interval = 0.25  # the relay's pace, a quarter of the real one
    for instance in two.instances:
        room_of(instance.app).pacer.interval = interval
    listener = await approved_listener(two, "Rue", moderators_chat(sim))
    member = sim.add_user("Sol", started=True)
    await connect(sim, member, listener)
    for number in range(8):
        sim.send_text(member, f"flood number {number}")
    chat = sim.private_chat(listener)
    await bot_says(sim, chat, "flood number 7", timeout=15)
    relayed = [
        call
        for call in sim.calls_to("sendMessage")
        if call.params.get("chat_id") in (listener.id, str(listener.id))
        and "flood number" in str(call.params.get("text"))
    ]
    assert [str(call.params["text"])[-1] for call in relayed] == [str(n) for n in range(8)]
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(relayed)]
    assert min(gaps) >= interval * 0.8
    assert all(two.balancer.served[backend] > 3 for backend in two.balancer.backends)
    # The chat ends: the turns it took go with it, and the next chat waits for none.
    assert await two.instances[0].services.shared.keys("relay-pace:")
    floor = chat.last_message_id
    sim.send_text(member, "/end")
    await bot_says(sim, chat, "ended the chat", after=floor)
    assert await two.instances[0].services.shared.keys("relay-pace:") == []


async def test_a_quiet_chat_is_warned_once_whichever_instances_tick(two: TwoInstances) -> None:
    sim = two.sim
    listener = await approved_listener(two, "Pia", moderators_chat(sim))
    member = sim.add_user("Quin", started=True)
    await connect(sim, member, listener)
    two.clock.advance(timedelta(minutes=16))
    await asyncio.gather(*(peer_tick_now(instance.app) for instance in two.instances))
    await asyncio.gather(*(peer_tick_now(instance.app) for instance in two.instances))
    for person in (member, listener):
        chat = sim.private_chat(person)
        await bot_says(sim, chat, "quiet for 15 minutes")
        warnings = [m for m in sim.messages(chat) if "quiet for 15 minutes" in (m.text or "")]
        assert len(warnings) == 1


async def test_a_meeting_keeps_one_queue_whichever_instance_each_message_reaches(
    two: TwoInstances,
) -> None:
    sim = two.sim
    group, admin, (ana, ben, cai, _) = group_with(sim)
    await start(sim, admin, group)
    for member, raise_it in ((ana, "/share"), (ben, "!"), (cai, "/share")):
        sent = sim.send_text(member, raise_it, chat=group)
        await bot_says(sim, group, f"{member.first_name}, your hand is up", after=sent.message_id)
    queue = await say(sim, ben, "/queue", chat=group)
    assert all(f"{n}. {name}" in queue.text for n, name in ((1, "Ana"), (2, "Ben"), (3, "Cai")))
    called = await say(sim, admin, "/next", chat=group)
    assert "Ana, you have the floor" in called.text
    # Both instances tick when the share's time is up: one notice.
    two.clock.advance(timedelta(minutes=3))
    for _ in range(2):
        await asyncio.gather(*(timer_tick_now(instance.app) for instance in two.instances))
    await bot_says(sim, group, "Ana, your share time has passed")
    said = [m.text or "" for m in sim.messages(group)]
    assert sum("share time has passed" in text for text in said) == 1
    assert all(two.balancer.served[backend] >= 3 for backend in two.balancer.backends)
    # One instance stops: the queue goes on in the other, and nobody is asked for hands.
    await two.stop(two.instances[0])
    sim.send_text(ana, "that's all from me [done]", chat=group)
    await bot_says(sim, group, "Thank you, Ana")
    called = await say(sim, admin, "/next", chat=group)
    assert "Ben, you have the floor" in called.text
    ended = await say(sim, admin, "/meeting end", chat=group)
    assert "I keep no minutes" in ended.text
    assert not any("raise your hands again" in (m.text or "") for m in sim.messages(group))


async def test_a_broadcast_through_both_instances_stays_within_telegram_s_limits(
    two: TwoInstances, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both instances deliver at once, each claiming its own batches, and together keep
    under the 30 a second Telegram allows the bot: the simulator refuses nothing."""
    sim = two.sim
    monkeypatch.setattr(deliver, "BATCH", 20)  # small batches, so both take some
    sim.rate_limits = RateLimits()
    readers = [sim.add_user(f"Reader {n}", started=True) for n in range(90)]
    services = two.instances[0].services
    now = two.clock()
    for reader in readers:
        chat, sealed = services.keyring.pseudonym(reader.id), services.keyring.seal(reader.id)
        minute = now.hour * 60 + now.minute
        await services.store.subscribe(
            Subscription(chat, REFLECTION, None, sealed, minute, "UTC", None, now), now
        )
    reports = await asyncio.gather(*(deliver_now(instance.app) for instance in two.instances))
    assert all(report.sent > 0 for report in reports)
    assert sum(report.sent for report in reports) == len(readers)
    for reader in readers:
        dailies = [m for m in sim.messages(sim.private_chat(reader)) if "For today:" in m.text]
        assert len(dailies) == 1
    assert sim.rate_limits.refused == 0


async def test_care_after_a_crisis_is_left_alone_whichever_instance_reads_it(
    two: TwoInstances,
) -> None:
    """The setting chosen through one instance holds in the other; distress read by one
    is known to the other, so care that follows it is never removed, and whoever runs the
    meeting is told once."""
    sim = two.sim
    group, chair, (ana, ben, cai, dee, eli) = meeting_group(sim)
    await say(sim, chair, "/etiquette delete", chat=group)
    await start(sim, chair, group)
    crisis = sim.send_text(ana, "I don't want to be alive anymore", chat=group)
    await bot_says(sim, group, "talk to someone now", after=crisis.message_id)
    care = [
        sim.send_text(ben, "Ana, are you safe right now?", chat=group, reply_to=crisis),
        sim.send_text(cai, "please call someone tonight, you matter", chat=group, reply_to=crisis),
        sim.send_text(dee, "<3", chat=group, reply_to=crisis),
        sim.send_text(eli, "we're here for you Ana", chat=group, reply_to=crisis),
    ]
    await settle(sim, group, eli)
    assert [m.text for m in care if m.deleted] == []
    assert said(sim, group, REMINDER) == said(sim, group, REMOVED) == []
    advice = sim.send_text(ben, "you should really just cut him off", chat=group)
    await bot_says(sim, group, REMOVED, after=advice.message_id)
    await bot_says(sim, sim.private_chat(chair), NOTE)
    assert len(said(sim, sim.private_chat(chair), NOTE)) == 1
    assert all(two.balancer.served[backend] > 3 for backend in two.balancer.backends)


async def test_a_notice_left_by_an_instance_that_stopped_is_deleted_once_by_another(
    two: TwoInstances,
) -> None:
    """A deploy stops an instance before its notices' time is up: one still running
    deletes them when they are overdue, and only one does."""
    sim = two.sim
    group, admin, _ = group_with(sim)
    await start(sim, admin, group)
    first, second = two.instances
    notice = await post_notice(first.app, (group.id, None), "Ana, your hand is up")
    await two.stop(first)
    two.clock.advance(NOTICE_LIFETIME)
    await timer_tick_now(second.app)
    assert not sim.calls_to("deleteMessage")  # not overdue yet: its own instance may yet
    two.clock.advance(TAKEN_UP_AFTER)
    await asyncio.gather(timer_tick_now(second.app), timer_tick_now(second.app))
    deletions = [
        call
        for call in sim.calls_to("deleteMessage")
        if int(call.params["message_id"]) == notice.message_id
    ]
    assert len(deletions) == 1
    assert await second.services.shared.records("notices") == {}
