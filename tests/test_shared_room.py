"""The peer room shared by two instances through Redis: each sees the other's changes,
changes made at once are never lost, a lock left by an instance that died lets go, and
Redis holds only ciphertext."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.peers.room import CheckIn, PeerRoom
from bot.peers.room_snapshot import room_records
from bot.peers.shared_room import SharedRoom
from bot.platform.privacy import Keyring, Pseudonym
from bot.platform.shared import MemoryState, RedisState
from bot.platform.shared.lock import SharedLock
from tests.shared_backends import dump_redis, fresh_redis
from tests.test_room_snapshot import LISTENER, MEMBER, NOW, OTHER, a_busy_room

HOUR = timedelta(hours=1)

KEYRING = Keyring.from_secret(b"a shared-room test secret")


@pytest.fixture
async def redis_pair() -> AsyncIterator[tuple[str, str, RedisState, RedisState]]:
    """Two connections to one namespace: two instances of one bot."""
    async with fresh_redis() as (url, namespace):
        first = await RedisState.connect(url, namespace)
        second = await RedisState.connect(url, namespace)
        try:
            yield url, namespace, first, second
        finally:
            await first.close()
            await second.close()


async def test_one_holder_at_a_time_across_instances(
    redis_pair: tuple[str, str, RedisState, RedisState],
) -> None:
    _, _, first, second = redis_pair
    holding: list[str] = []
    most = 0

    async def hold(lock: SharedLock, name: str) -> None:
        nonlocal most
        async with lock.held() as hold:
            assert hold.held
            holding.append(name)
            most = max(most, len(holding))
            await asyncio.sleep(0.01)
            holding.remove(name)

    locks = [SharedLock(first, "lock"), SharedLock(second, "lock")]
    await asyncio.gather(*(hold(locks[i % 2], f"task {i}") for i in range(20)))
    assert most == 1


async def test_a_busy_instance_hands_the_lock_on_and_still_lets_another_in(
    redis_pair: tuple[str, str, RedisState, RedisState],
) -> None:
    _, _, first, second = redis_pair
    busy, other = SharedLock(first, "lock"), SharedLock(second, "lock")
    handed_on = 0
    stop = asyncio.Event()

    async def churn() -> None:
        nonlocal handed_on
        while not stop.is_set():
            async with busy.held() as hold:
                handed_on += hold.handed_on
                await asyncio.sleep(0.001)

    churning = [asyncio.create_task(churn()) for _ in range(4)]
    await asyncio.sleep(0.1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with other.held() as hold:
        assert hold.held
        waited = loop.time() - started
    stop.set()
    await asyncio.gather(*churning)
    assert handed_on > 10
    assert waited < 1.0


async def test_a_lock_left_by_an_instance_that_died_lets_go_after_its_lease(
    redis_pair: tuple[str, str, RedisState, RedisState],
) -> None:
    _, _, first, second = redis_pair
    await first.put_new("lock", "an instance that died", timedelta(milliseconds=300))
    lock = SharedLock(second, "lock", lease=timedelta(seconds=5))
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with lock.held() as hold:
        assert hold.held
    assert 0.2 < loop.time() - started < 2


async def test_a_long_hold_keeps_its_lock(
    redis_pair: tuple[str, str, RedisState, RedisState],
) -> None:
    _, _, first, second = redis_pair
    short = timedelta(milliseconds=300)
    async with SharedLock(first, "lock", lease=short).held():
        await asyncio.sleep(0.8)  # more than twice the lease: renewed meanwhile
        assert not await second.put_new("lock", "theirs", short)


async def test_each_instance_sees_the_other_s_changes(
    redis_pair: tuple[str, str, RedisState, RedisState],
) -> None:
    _, _, first, second = redis_pair
    one, other = SharedRoom(PeerRoom(), first, KEYRING), SharedRoom(PeerRoom(), second, KEYRING)
    busy = a_busy_room()
    async with one.changing() as room:
        room.chat_ids.update(busy.chat_ids)
        room.matchmaker.pairs.update(busy.matchmaker.pairs)
    await other.refresh()
    assert other.room.matchmaker.pair_of(MEMBER) is not None
    async with other.changing() as room:
        pair = room.matchmaker.end(MEMBER)
        assert pair is not None
    await one.refresh()
    assert one.room.matchmaker.pair_of(MEMBER) is None
    assert await one.found_in_shared_state()


async def test_changes_made_at_once_by_two_instances_are_all_kept(
    redis_pair: tuple[str, str, RedisState, RedisState],
) -> None:
    _, _, first, second = redis_pair
    rooms = [SharedRoom(PeerRoom(), first, KEYRING), SharedRoom(PeerRoom(), second, KEYRING)]

    async def ask(index: int) -> None:
        async with rooms[index % 2].changing() as room:
            member = Pseudonym(f"member-{index}")
            await asyncio.sleep(0)  # another task's turn, mid-change
            room.matchmaker.ask(member, NOW)

    await asyncio.gather(*(ask(i) for i in range(40)))
    await rooms[0].refresh()
    assert len(rooms[0].room.matchmaker.requests) == 40


async def test_work_inside_a_change_joins_it_and_work_begun_after_waits(
    redis_pair: tuple[str, str, RedisState, RedisState],
) -> None:
    """A paced send started inside a change is part of it; the same hold is not taken
    twice (which would wait for ever)."""
    _, _, first, _ = redis_pair
    shared = SharedRoom(PeerRoom(), first, KEYRING)
    async with shared.changing() as room:
        async with shared.changing() as inner:
            assert inner is room
            inner.chat_ids[MEMBER] = 1

        async def later() -> None:
            async with shared.changing() as again:
                again.chat_ids[MEMBER] = 2

        joined = asyncio.create_task(later())
        await asyncio.wait_for(joined, timeout=2)
    assert shared.room.chat_ids[MEMBER] == 2


async def test_redis_holds_the_room_sealed(
    redis_pair: tuple[str, str, RedisState, RedisState], caplog: pytest.LogCaptureFixture
) -> None:
    url, namespace, first, _ = redis_pair
    shared = SharedRoom(PeerRoom(), first, KEYRING)
    busy = a_busy_room()
    async with shared.changing() as room:
        room.chat_ids.update(busy.chat_ids)
        room.held_contacts.update(busy.held_contacts)
        room.checkins.update(busy.checkins)
    dump = await dump_redis(url, namespace)
    assert b"peers:records" in dump
    # Ids long enough that base64 could not hold them by chance.
    for needle in (b"555 0100", b"a long night", b"5734215599", b"6120337841", MEMBER.encode()):
        assert needle not in dump
    stranger = SharedRoom(PeerRoom(), first, Keyring.from_secret(b"another secret"))
    await stranger.refresh()  # cannot open it, and says so in the log; holds nothing
    assert not stranger.room.chat_ids
    said = [r for r in caplog.records if r.name == "bot.peers.shared_room"]
    assert len(said) == 1  # once for the read, however many records
    assert "cannot be read" in said[0].getMessage()


async def test_in_memory_nothing_is_written_and_changes_are_the_room_itself() -> None:
    memory = MemoryState()
    shared = SharedRoom(PeerRoom(), memory, KEYRING)
    async with shared.changing() as room:
        room.chat_ids[MEMBER] = 1
    assert room is shared.room
    assert await memory.keys("") == []
    assert not await shared.found_in_shared_state()


class SharingMemory(MemoryState):
    """Memory standing in for Redis: two SharedRooms on one of these are two instances."""

    spans_instances = True


def build_a_busy_room_step_by_step(room: PeerRoom) -> list[Callable[[PeerRoom], object]]:
    """What a_busy_room does, and then the chat ending and a member forgotten, as steps:
    each is made through the room's own methods, as handlers make them."""
    busy = a_busy_room()

    def end_the_chat(room: PeerRoom) -> None:
        pair = room.matchmaker.end(MEMBER)
        assert pair is not None
        room.close_chat(pair, NOW)

    return [
        lambda room: room.chat_ids.update(busy.chat_ids),
        lambda room: room.languages.update(busy.languages),
        lambda room: room.matchmaker.make_available(LISTENER, NOW, timedelta(hours=2)),
        lambda room: room.matchmaker.ask(MEMBER, NOW, crisis=True),
        lambda room: room.matchmaker.next_offers(NOW),
        lambda room: room.matchmaker.accept(LISTENER, NOW),
        lambda room: room.log_of(room.matchmaker.pairs[MEMBER]).recent.append(("a", "b")),
        lambda room: setattr(room.matchmaker.pair_of(LISTENER), "last_activity", NOW + HOUR),
        lambda room: room.note_sent(MEMBER, 41),
        lambda room: room.checkins.setdefault(OTHER, CheckIn("ok", NOW)),
        lambda room: setattr(room.checkins[OTHER], "words", "a few words"),
        lambda room: room.may_ask(OTHER, NOW),
        lambda room: room.discreet.add(OTHER),
        lambda room: room.blocked_pairs.add((MEMBER, OTHER)),
        end_the_chat,
        lambda room: room.forget(OTHER),
        lambda room: room.discreet.discard(OTHER),
        lambda room: room.release(OTHER),
    ]


async def test_another_instance_sees_every_change_of_every_kind() -> None:
    """Each change, made through one instance, is what the other reads: nothing is left
    out of the records written, though only the people touched are looked at."""
    shared = SharingMemory()
    one, other = SharedRoom(PeerRoom(), shared, KEYRING), SharedRoom(PeerRoom(), shared, KEYRING)
    for number, step in enumerate(build_a_busy_room_step_by_step(one.room)):
        async with one.changing() as room:
            step(room)
        await other.refresh()
        assert room_records(other.room) == room_records(one.room), f"after step {number}"
