"""Live meetings shared by two instances through Redis: a meeting's record holds all of it,
each instance works on the queue the other left, changes made at once are all kept, one
meeting's hold keeps no other waiting, and Redis holds only ciphertext."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.meetings.queue import Hand, Meeting, Runner
from bot.meetings.shared_meetings import SharedMeetings, meeting_from_text, meeting_text
from bot.platform.privacy import Keyring
from bot.platform.shared import MemoryState, RedisState
from bot.plumbing.types import Place
from tests.shared_backends import dump_redis, fresh_redis

KEYRING = Keyring.from_secret(b"a shared-meetings test secret")
GROUP = -1009876543210
PLACE: Place = (GROUP, None)
TOPIC: Place = (GROUP, 77)


def a_busy_meeting() -> Meeting:
    """Something in every field."""
    return Meeting(
        chat_id=GROUP,
        thread_id=77,
        format_id="open-discussion",
        timer=timedelta(minutes=5),
        queue=[Hand(5734215599, "Annabelle"), Hand(6120337841, "Benedikt")],
        speaker=Hand(7011223344, "Caius"),
        share_started=datetime(2026, 12, 4, 21, 30, tzinfo=UTC),
        timer_noticed=True,
        reminded={5734215599},
        contact_reminded={6120337841},
        parking_lot=True,
        runner=Runner(7788990011, "es"),
    )


def test_a_meeting_s_record_holds_every_field() -> None:
    meeting = a_busy_meeting()
    assert meeting_from_text(meeting_text(meeting)) == meeting
    # A field added to Meeting later cannot be left out of sharing unnoticed.
    assert len(json.loads(meeting_text(meeting))) == len(dataclasses.fields(Meeting))
    quiet = Meeting(GROUP, None, "speaker")
    assert meeting_from_text(meeting_text(quiet)) == quiet


@pytest.fixture
async def two_instances() -> AsyncIterator[tuple[str, str, SharedMeetings, SharedMeetings]]:
    async with fresh_redis() as (url, namespace):
        first = await RedisState.connect(url, namespace)
        second = await RedisState.connect(url, namespace)
        try:
            yield (
                url,
                namespace,
                SharedMeetings({}, first, KEYRING),
                SharedMeetings({}, second, KEYRING),
            )
        finally:
            await first.close()
            await second.close()


async def test_each_instance_works_on_the_queue_the_other_left(
    two_instances: tuple[str, str, SharedMeetings, SharedMeetings],
) -> None:
    _, _, one, other = two_instances
    async with one.holding(PLACE) as meeting:
        assert meeting is None
        one.meetings[PLACE] = Meeting(GROUP, None, "speaker")
    async with other.holding(PLACE) as meeting:
        assert meeting is not None
        meeting.raise_hand(Hand(5734215599, "Ana"))
    async with one.holding(PLACE) as meeting:
        assert meeting is not None
        assert [hand.first_name for hand in meeting.queue] == ["Ana"]
        meeting.call_next(datetime(2026, 12, 4, 21, 0, tzinfo=UTC))
    assert await other.read_all() == [PLACE]
    assert other.meetings[PLACE].speaker == Hand(5734215599, "Ana")
    # Ended through one: gone from the other at its next read.
    async with one.holding(PLACE):
        del one.meetings[PLACE]
    assert await other.read_all() == []
    assert other.meetings == {}


async def test_hands_raised_at_once_through_two_instances_are_all_kept(
    two_instances: tuple[str, str, SharedMeetings, SharedMeetings],
) -> None:
    _, _, one, other = two_instances
    async with one.holding(PLACE):
        one.meetings[PLACE] = Meeting(GROUP, None, "speaker")

    async def raise_hand(index: int) -> None:
        shared = (one, other)[index % 2]
        async with shared.holding(PLACE) as meeting:
            assert meeting is not None
            await asyncio.sleep(0)  # others run meanwhile, and must wait
            meeting.raise_hand(Hand(1000 + index, f"Member {index}"))

    await asyncio.gather(*(raise_hand(index) for index in range(40)))
    async with other.holding(PLACE) as meeting:
        assert meeting is not None
        assert sorted(hand.user_id for hand in meeting.queue) == list(range(1000, 1040))


async def test_one_meeting_s_hold_keeps_no_other_waiting(
    two_instances: tuple[str, str, SharedMeetings, SharedMeetings],
) -> None:
    _, _, one, other = two_instances
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow_answer() -> None:
        async with one.holding(PLACE):
            entered.set()
            await release.wait()

    slow = asyncio.create_task(slow_answer())
    await entered.wait()
    async with asyncio.timeout(2):
        async with other.holding(TOPIC):
            other.meetings[TOPIC] = Meeting(GROUP, 77, "speaker")
        async with one.holding(TOPIC) as meeting:  # another task of the busy instance
            assert meeting is not None
    release.set()
    await slow


async def test_a_read_of_every_meeting_leaves_one_mid_change_alone(
    two_instances: tuple[str, str, SharedMeetings, SharedMeetings],
) -> None:
    _, _, one, _ = two_instances
    async with one.holding(PLACE):
        one.meetings[PLACE] = Meeting(GROUP, None, "speaker")
    async with one.holding(PLACE) as meeting:
        assert meeting is not None
        meeting.raise_hand(Hand(5734215599, "Ana"))
        await one.read_all()  # a tick of this instance, meanwhile
        assert one.meetings[PLACE] is meeting
    await one.read_all()
    assert [hand.first_name for hand in one.meetings[PLACE].queue] == ["Ana"]


async def test_redis_holds_meetings_sealed(
    two_instances: tuple[str, str, SharedMeetings, SharedMeetings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, namespace, one, _ = two_instances
    busy = a_busy_meeting()
    place = (busy.chat_id, busy.thread_id)
    async with one.holding(place):
        one.meetings[place] = busy
    dump = await dump_redis(url, namespace)
    assert b"meetings:records" in dump
    # Long enough that base64 could not hold them by chance.
    for needle in (b"9876543210", b"5734215599", b"6120337841", b"Annabelle", b"Benedikt"):
        assert needle not in dump
    stranger = SharedMeetings({}, one._shared, Keyring.from_secret(b"another secret"))
    assert await stranger.read_all() == []
    said = [r for r in caplog.records if r.name == "bot.meetings.shared_meetings"]
    assert len(said) == 1
    assert "cannot be read" in said[0].getMessage()


async def test_in_memory_nothing_is_written_and_the_meetings_are_memory_itself() -> None:
    memory = MemoryState()
    meetings: dict[Place, Meeting] = {}
    shared = SharedMeetings(meetings, memory, KEYRING)
    async with shared.holding(PLACE):
        meetings[PLACE] = Meeting(GROUP, None, "speaker")
    assert await shared.read_all() == [PLACE]
    assert meetings[PLACE] is shared.meetings[PLACE]
    assert await memory.keys("") == []
