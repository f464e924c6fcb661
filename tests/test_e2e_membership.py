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
    await say(sim, admin, "/resources IE", chat=group)
    pseudonym = svc.keyring.pseudonym(group.id)
    assert await svc.store.get_region(pseudonym, harness.clock()) == "IE"
    sim.my_chat_member_update(group, admin, "left")
    await _until(lambda: svc.store.get_region(pseudonym, harness.clock()), None)


async def test_blocking_the_bot_erases_what_it_held(harness: Harness) -> None:
    sim, svc = harness.sim, harness.services
    member = sim.add_user("Gale", started=True)
    await say(sim, member, "/resources NZ")
    pseudonym = svc.keyring.pseudonym(member.id)
    assert await svc.store.get_region(pseudonym, harness.clock()) == "NZ"
    sim.block_bot(member)
    await _until(lambda: svc.store.get_region(pseudonym, harness.clock()), None)


async def test_a_group_that_becomes_a_supergroup_keeps_its_settings(harness: Harness) -> None:
    sim, svc = harness.sim, harness.services
    admin = sim.add_user("Chair")
    group = sim.add_group(
        "Small Group", supergroup=False, members=[admin], admins=[admin], bot_is_admin=True
    )
    await say(sim, admin, "/resources DE", chat=group)
    bigger = sim.migrate_group(group)
    await _until(
        lambda: svc.store.get_region(svc.keyring.pseudonym(bigger.id), harness.clock()), "DE"
    )
    reply = await say(sim, admin, "/resources", chat=bigger)
    assert "TelefonSeelsorge" in reply.text


async def _until(read, expected, attempts: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Poll a store read until it gives expected: the update is handled asynchronously."""
    for _ in range(attempts):
        if await read() == expected:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"store never read {expected!r}")
