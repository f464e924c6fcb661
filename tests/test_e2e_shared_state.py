"""The bot with REDIS_URL: what lives for minutes is kept in Redis, survives a restart,
and holds nothing that names a member, before /forget or after it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from bot.sim import SimUser
from tests.conftest import Harness
from tests.privacy_audit import KnownMember, find_leaks, forbidden_needles
from tests.shared_backends import delete_namespace, dump_redis, redis_server, require_redis
from tests.test_e2e_foundation import say
from tests.test_e2e_listening import CRISIS_WORDS

AGAIN = "Thank you for writing again."


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Redis, and a secret of this test's own: the bot's namespace there comes from its
    secret, and no other test (nor another run on the same Redis) may share it."""
    url = redis_server()
    secret = f"a shared-state test's own secret, {secrets.token_hex(16)}"
    return {} if url is None else {"redis_url": url, "secret": secret}


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
