"""The bot joining and leaving groups, being blocked, and groups changing their id."""

from __future__ import annotations

import asyncio

from tests.conftest import Harness
from tests.test_e2e_foundation import say


async def test_the_bot_greets_a_group_that_adds_it(harness: Harness) -> None:
    sim = harness.sim
    admin = sim.add_user("Chair")
    group = sim.add_group("Evening Group", members=[admin], admins=[admin])
    sim.set_member_status(group, sim.bot_user, "left")
    sim.my_chat_member_update(group, admin, "administrator")
    greeting = await sim.next_bot_message(group)
    assert "Hello, everyone" in greeting.text


async def test_a_group_that_removes_the_bot_loses_its_settings(harness: Harness) -> None:
    sim, svc = harness.sim, harness.services
    admin = sim.add_user("Chair")
    group = sim.add_group("Evening Group", members=[admin], admins=[admin])
    await say(sim, admin, "/crisisposts off", chat=group)
    pseudonym = svc.keyring.pseudonym(group.id)
    assert await svc.store.crisis_posts_enabled(pseudonym, harness.clock()) is False
    sim.my_chat_member_update(group, admin, "left")
    await _until(lambda: svc.store.crisis_posts_enabled(pseudonym, harness.clock()), True)


async def test_a_group_that_becomes_a_supergroup_keeps_its_settings(harness: Harness) -> None:
    sim, svc = harness.sim, harness.services
    admin = sim.add_user("Chair")
    group = sim.add_group(
        "Small Group", supergroup=False, members=[admin], admins=[admin], bot_is_admin=True
    )
    await say(sim, admin, "/crisisposts off", chat=group)
    bigger = sim.migrate_group(group)
    await _until(
        lambda: svc.store.crisis_posts_enabled(svc.keyring.pseudonym(bigger.id), harness.clock()),
        False,
    )
    reply = await say(sim, admin, "/crisisposts", chat=bigger)
    assert "Right now they are off" in reply.text


async def _until(read, expected, attempts: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Poll a store read until it gives expected: the update is handled asynchronously."""
    for _ in range(attempts):
        if await read() == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"store never read {expected!r}")
