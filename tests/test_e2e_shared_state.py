"""The bot with REDIS_URL: what lives for minutes is kept in Redis, survives a restart,
and holds nothing that names a member, before /forget or after it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from bot.meetings.live import meetings_in
from bot.meetings.shared_meetings import SharedMeetings
from bot.memory import sweep_now
from bot.peers.room_snapshot import room_records
from bot.peers.service import room_of
from bot.peers.shared_room import shared_room_of
from bot.sim import SimUser
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
)
from tests.privacy_audit import KnownMember, find_leaks, forbidden_needles
from tests.shared_backends import delete_namespace, dump_redis, redis_server, require_redis
from tests.test_e2e_foundation import say
from tests.test_e2e_listening import CRISIS_WORDS
from tests.test_e2e_meetings import group_with, start

AGAIN = "Thank you for writing again."


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Redis, and a secret of this test's own: the bot's namespace there comes from its
    secret, and no other test (nor another run on the same Redis) may share it."""
    url = redis_server()
    secret = f"a shared-state test's own secret, {secrets.token_hex(16)}"
    return {} if url is None else {"redis_url": url, "secret": secret, **PEER_SETTINGS}


@pytest.fixture
async def on_redis(harness: Harness) -> AsyncIterator[Harness]:
    """The harness, on Redis; the bot's keys are deleted after the test."""
    url = require_redis()
    yield harness
    await delete_namespace(url, namespace_of(harness))


def namespace_of(harness: Harness) -> str:
    return harness.services.keyring.check_value()[:16]


async def redis_dump(harness: Harness) -> bytes:
    url = harness.services.settings.redis_url
    assert url is not None
    return await dump_redis(url, namespace_of(harness))


def known(member: SimUser, *words: str) -> KnownMember:
    assert member.username is not None
    return KnownMember(member.id, member.first_name, member.username, list(words))


async def test_the_crisis_window_outlives_a_restart(on_redis: Harness) -> None:
    """A member's next words after a crisis reach whichever instance is up, and are met in
    the light of it."""
    harness = on_redis
    sim = harness.sim
    member = sim.add_user("Ash", started=True)
    await say(sim, member, CRISIS_WORDS)
    assert b"crisis:" in await redis_dump(harness)
    await harness.restart()
    after = await say(sim, member, "ok")
    assert after.text.startswith(AGAIN)


async def test_redis_holds_no_id_name_or_words_and_nothing_after_forget(
    on_redis: Harness,
) -> None:
    harness = on_redis
    sim = harness.sim
    member = sim.add_user("Bexley", username="bexley_at_night", user_id=5734215599, started=True)
    await say(sim, member, CRISIS_WORDS)
    dump = await redis_dump(harness)
    assert dump
    needles = forbidden_needles([known(member, CRISIS_WORDS)], sim.token)
    assert find_leaks({"the Redis dump": dump}, "", needles) == []
    await say(sim, member, "/forget")
    assert await redis_dump(harness) == b""


async def test_a_peer_chat_carries_on_through_a_restart(on_redis: Harness) -> None:
    """The room is in Redis: a restart (a deploy, or another instance taking over) ends
    nobody's chat and loses nobody's place in line."""
    harness = on_redis
    sim = harness.sim
    listener, member = await live_chat(harness, "Ivo", "Juno")
    waiting = sim.add_user("Kit", started=True)
    await check_in(sim, waiting)
    await harness.restart()
    fast_relay(harness)
    sent = sim.send_text(member, "are you still there?")
    to_listener = sim.private_chat(listener)
    await bot_says(sim, to_listener, "are you still there?", after=sent.message_id)
    to_member = sim.private_chat(member)
    floor = to_member.last_message_id
    sim.send_text(listener, "still here")
    await bot_says(sim, to_member, "still here", after=floor)
    for person in (member, listener, waiting):
        assert not any("restart" in (m.text or "") for m in sim.messages(sim.private_chat(person)))
    assert room_of(harness.app).matchmaker.position(harness.services.keyring.pseudonym(waiting.id))


async def test_redis_holds_a_peer_chat_sealed_and_nothing_of_a_member_after_forget(
    on_redis: Harness,
) -> None:
    harness = on_redis
    sim = harness.sim
    fast_relay(harness)
    listener = await approved_listener(harness, "Lior", moderators_chat(sim))
    member = sim.add_user("Mina", username="mina_at_night", started=True)
    await connect(sim, member, listener)
    words = "the night shift at the depot was hard"
    sent = sim.send_text(member, words)
    await bot_says(sim, sim.private_chat(listener), words, after=sent.message_id)
    needles = forbidden_needles([known(member, words), known(listener)], sim.token)
    dump = await redis_dump(harness)
    assert b"peers:records" in dump
    assert find_leaks({"the Redis dump": dump}, "", needles) == []
    await say(sim, member, "/forget")
    await bot_says(sim, sim.private_chat(listener), "ended the chat")
    # Opened with the secret, the room holds nothing of the member either.
    keeper = shared_room_of(harness.app)
    await keeper.refresh()
    pseudonym = harness.services.keyring.pseudonym(member.id)
    opened = str(room_records(keeper.room))
    assert pseudonym not in opened
    assert str(member.id) not in opened
    assert find_leaks({"the Redis dump": await redis_dump(harness)}, "", needles) == []


async def test_redis_holds_a_meeting_sealed_and_nothing_of_a_member_after_forget(
    on_redis: Harness,
) -> None:
    """A meeting with hands up, a crisis read in it and care after it: Redis holds the
    queue, the distress and the pace of the bot's answers, none of it in clear; after a
    member's /forget, the meeting opened with the secret holds nothing of them."""
    harness = on_redis
    sim = harness.sim
    chair = sim.add_user("Chair", started=True)
    member = sim.add_user("Wrenna", username="wrenna_in_the_group", started=True)
    other = sim.add_user("Ottoline", username="ottoline_listens")
    group = sim.add_group(
        "Evening Group", members=[member, other], admins=[chair], bot_is_admin=True
    )
    await start(sim, chair, group)
    await say(sim, member, "/share", chat=group)
    words = "I keep the bottle under the sink and I hate it"
    crisis = sim.send_text(other, "I don't want to be alive anymore", chat=group)
    await bot_says(sim, group, "talk to someone now", after=crisis.message_id)
    sim.send_text(member, words, chat=group, reply_to=crisis)
    await say(sim, other, "/queue", chat=group)
    needles = forbidden_needles([known(member, words), known(other)], sim.token)
    dump = await redis_dump(harness)
    assert b"meetings:records" in dump
    assert b"distress:" in dump
    assert find_leaks({"the Redis dump": dump}, "", needles) == []
    await say(sim, member, "/forget")
    opened = SharedMeetings({}, harness.services.shared, harness.services.keyring)
    (place,) = await opened.read_all()
    assert not opened.meetings[place].holds(member.id)
    assert find_leaks({"the Redis dump": await redis_dump(harness)}, "", needles) == []


async def test_a_meeting_keeps_its_queue_through_a_restart(on_redis: Harness) -> None:
    """Without Redis a restart loses the queue and asks for hands again; with it the
    meeting goes on as it was. Only if Redis lost it too does the memory tick bring it
    back from the store, asking for hands."""
    harness = on_redis
    sim = harness.sim
    group, admin, (ana, ben, _, _) = group_with(sim)
    await start(sim, admin, group)
    await say(sim, ana, "/share", chat=group)
    await say(sim, ben, "/share", chat=group)
    dump = await redis_dump(harness)
    assert b"meetings:records" in dump
    assert str(ana.id).encode() not in dump  # nor her name, sealed with it (too short to look for)
    await harness.restart()
    queue = await say(sim, ben, "/queue", chat=group)
    assert "1. Ana" in queue.text
    assert "2. Ben" in queue.text
    assert not any("raise your hands again" in (m.text or "") for m in sim.messages(group))
    # Redis restarted without its data: the store still says the meeting runs.
    await delete_namespace(require_redis(), namespace_of(harness))
    await sweep_now(harness.app)
    await bot_says(sim, group, "raise your hands again")
    (meeting,) = meetings_in(harness.app.bot_data).values()
    assert meeting.queue == []
    ended = await say(sim, admin, "/meeting end", chat=group)
    assert "I keep no minutes" in ended.text
    assert b"meetings:records" not in await redis_dump(harness)
