"""Shared ephemeral state, in memory and in Redis: the same answers from both."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.platform.shared import (
    MemoryState,
    RedisState,
    RedisUrlError,
    SharedState,
    SharedStateError,
    parse_redis_url,
)
from tests.shared_backends import fresh_redis


@pytest.fixture(params=["memory", "redis"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[SharedState]:
    if request.param == "memory":
        yield MemoryState()
        return
    async with fresh_redis() as (url, namespace):
        opened = await RedisState.connect(url, namespace)
        try:
            yield opened
        finally:
            await opened.close()


async def test_values_come_back_until_their_time_to_live_runs_out(state: SharedState) -> None:
    await state.put("crisis:a:b", "1.5", timedelta(seconds=60))
    await state.put("crisis:c:d", "2.5", timedelta(milliseconds=50))
    assert await state.get("crisis:a:b") == "1.5"
    await asyncio.sleep(0.15)
    assert await state.get("crisis:c:d") is None
    assert await state.keys("crisis:") == ["crisis:a:b"]
    assert await state.delete("crisis:a:b", "crisis:none") == 1
    assert await state.get("crisis:a:b") is None


async def test_a_value_is_set_only_where_none_is_and_let_go_only_by_its_holder(
    state: SharedState,
) -> None:
    minute = timedelta(minutes=1)
    assert await state.put_new("lock", "mine", minute)
    assert not await state.put_new("lock", "theirs", minute)
    assert not await state.renew("lock", "theirs", minute)
    assert await state.renew("lock", "mine", timedelta(milliseconds=50))
    assert not await state.delete_if("lock", "theirs")
    await asyncio.sleep(0.15)
    assert await state.get("lock") is None  # the renewed lease ran out
    assert await state.put_new("lock", "theirs", minute)
    assert await state.delete_if("lock", "theirs")
    assert await state.get("lock") is None


async def test_a_pace_gives_turns_one_step_apart_and_none_in_the_past(
    state: SharedState,
) -> None:
    step = timedelta(milliseconds=100)
    waits = [await state.pace("send-pace", step) for _ in range(4)]
    # Asked at once: now, then a step, two and three later (less the time asking took).
    assert waits[0] == 0
    for earlier, later in itertools.pairwise(waits):
        assert 0.05 < later - earlier <= 0.1
    await asyncio.sleep(0.5)
    assert await state.pace("send-pace", step) == 0  # idle since: no debt carried


async def test_records_are_read_back_by_what_changed_since_a_version(
    state: SharedState,
) -> None:
    hour = timedelta(hours=1)
    assert await state.changes_since("room", None) == (0, None)
    first = await state.put_records("room", {"a": "1", "b": "2"}, [], hour)
    second = await state.put_records("room", {"c": "3"}, ["a"], hour)
    assert second == first + 1
    assert await state.changes_since("room", first) == (second, {"c", "a"})
    assert await state.changes_since("room", second) == (second, set())
    assert await state.changes_since("room", None) == (second, None)
    assert await state.records("room", ["a", "c"]) == {"c": "3"}
    assert await state.records("room") == {"b": "2", "c": "3"}


async def test_a_reader_too_far_behind_reads_everything(state: SharedState) -> None:
    hour = timedelta(hours=1)
    start = await state.put_records("room", {"a": "0"}, [], hour)
    for n in range(300):
        await state.put_records("room", {"a": str(n)}, [], hour)
    now, changed = await state.changes_since("room", start)
    assert now == start + 300
    assert changed is None
    assert (await state.changes_since("room", now - 2))[1] == {"a"}
    many = {f"k{n}": "x" for n in range(600)}
    latest = await state.put_records("room", many, [], hour)
    listed = (await state.changes_since("room", latest - 1))[1]
    assert listed is None or listed == set(many)


async def test_keys_are_found_by_prefix_and_by_what_they_name(state: SharedState) -> None:
    for key in ("crisis:chat1:m1", "crisis:chat2:m2", "crisis:m1:-", "other:m1"):
        await state.put(key, "x", timedelta(minutes=1))
    assert await state.keys("crisis:", "m1") == ["crisis:chat1:m1", "crisis:m1:-"]
    assert await state.keys("crisis:", "*") == []  # a pattern's characters are only text
    assert sorted(await state.keys("crisis:")) == [
        "crisis:chat1:m1",
        "crisis:chat2:m2",
        "crisis:m1:-",
    ]


async def test_two_bots_on_one_redis_never_see_each_other_s_keys() -> None:
    async with fresh_redis() as (url, namespace), fresh_redis() as (_, other_namespace):
        ours = await RedisState.connect(url, namespace)
        theirs = await RedisState.connect(url, other_namespace)
        try:
            await ours.put("crisis:a:b", "1", timedelta(minutes=1))
            assert await theirs.get("crisis:a:b") is None
            assert await theirs.keys("crisis:") == []
        finally:
            await ours.close()
            await theirs.close()


async def test_a_redis_that_does_not_answer_is_one_line_without_the_password() -> None:
    with pytest.raises(SharedStateError) as caught:
        await RedisState.connect("redis://:hunter2@127.0.0.1:1/0", "x")
    message = str(caught.value)
    assert message.startswith("Redis at 127.0.0.1:1/0 does not answer")
    assert "hunter2" not in message


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("http://cache:6379", "REDIS_URL is a http:// URL: use redis:// or rediss://"),
        ("cache:6379", "REDIS_URL is not a URL: use redis:// or rediss://"),
        ("redis://:pw@cache:port/0", "REDIS_URL's port is not a number"),
        ("redis://cache:6379/zero", "REDIS_URL's database (after the host) must be a number"),
    ],
)
def test_a_wrong_redis_url_is_explained(value: str, problem: str) -> None:
    with pytest.raises(RedisUrlError) as caught:
        parse_redis_url(value)
    assert str(caught.value) == problem


def test_redis_urls_hosts_hand_out_are_taken() -> None:
    assert parse_redis_url(None) is None
    assert parse_redis_url("  ") is None
    assert (
        parse_redis_url("rediss://:pw@cache.example:6380/2") == "rediss://:pw@cache.example:6380/2"
    )
