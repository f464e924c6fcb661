"""The broadcasts' pace shared by instances side by side: however many take turns at once,
no second holds more than its share; out of reach, nobody is held up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.platform.shared import MemoryState, RedisState, SharedState, SharedStateError
from bot.plumbing.broadcast_pace import BroadcastPace
from tests.shared_backends import fresh_redis

PER_SECOND = 10


@pytest.fixture(params=["memory", "redis"])
async def two_states(request: pytest.FixtureRequest) -> AsyncIterator[list[SharedState]]:
    """What two instances share: one memory (standing in), or two connections to Redis."""
    if request.param == "memory":
        memory = MemoryState()
        yield [memory, memory]
        return
    async with fresh_redis() as (url, namespace):
        states = [await RedisState.connect(url, namespace) for _ in range(2)]
        try:
            yield list(states)
        finally:
            for state in states:
                await state.close()


async def test_turns_taken_at_once_through_two_instances_go_out_evenly(
    two_states: list[SharedState],
) -> None:
    """As Telegram counts: no second, starting anywhere, holds more than the share (one
    more at most, for a sleeper woken late)."""
    paces = [BroadcastPace(state, PER_SECOND) for state in two_states]
    granted: list[float] = []

    async def send(index: int) -> None:
        await paces[index % 2].wait_for_turn()
        granted.append(time.monotonic())

    await asyncio.gather(*(send(index) for index in range(25)))
    granted.sort()
    assert len(granted) == 25
    busiest = max(sum(1 for t in granted if start <= t < start + 1) for start in granted)
    assert busiest <= PER_SECOND + 1
    assert granted[-1] - granted[0] >= 2.0  # 25 at 10 a second


class Unreachable(MemoryState):
    spans_instances = True

    async def pace(self, key: str, every: timedelta) -> float:
        raise SharedStateError("Redis at 127.0.0.1:9 does not answer")


async def test_out_of_reach_nobody_waits_and_it_is_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pace = BroadcastPace(Unreachable(), PER_SECOND)
    async with asyncio.timeout(1):
        for _ in range(3 * PER_SECOND):
            await pace.wait_for_turn()
    said = [r for r in caplog.records if r.name == "bot.plumbing.broadcast_pace"]
    assert len(said) == 1
