"""Memory lets go on time and at /forget: every structure the memory inventory lists
empties once its lifetime has passed, and after a member's /forget nothing reachable
from the bot's memory holds their id, name or words (bot/memory.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.memory import held, sweep_now
from bot.peers.tick import peer_tick_now
from bot.platform import inventory
from bot.platform.privacy_notice import memory_table
from bot.plumbing.update_order import PerChatOrder
from bot.services import SERVICES_KEY
from tests.conftest import Harness
from tests.peer_helpers import PEER_SETTINGS, bot_says, live_chat
from tests.test_e2e_foundation import say
from tests.test_e2e_meetings import group_with, start

WITH_PEERS = pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
WORDS = "the bus driver waved at me like he knew about the lilacs"


def everything_held(harness: Harness) -> Iterator[object]:
    """Every value reachable from what the bot keeps in memory: its bot_data (the
    services aside, walked for their memory only), PTB's user and chat data, and the
    update processor's bookkeeping."""
    app = harness.app
    roots: list[object] = [
        {key: value for key, value in app.bot_data.items() if key != SERVICES_KEY},
        harness.services.recent_crises,
        harness.services.recent_distress,
        harness.services.reminded_outside,
        dict(app.user_data),
        dict(app.chat_data),
    ]
    order = app.update_processor
    if isinstance(order, PerChatOrder):
        roots.append(vars(order))
    seen: set[int] = set()
    stack = roots
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        yield value
        if isinstance(value, str | bytes | int | float | bool) or value is None:
            continue
        if isinstance(value, asyncio.Task | asyncio.Future | asyncio.Event | asyncio.Lock):
            continue
        if isinstance(value, Mapping):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list | tuple | set | frozenset) or hasattr(value, "popleft"):
            stack.extend(value)
        elif dataclasses.is_dataclass(value) or hasattr(value, "__dict__"):
            stack.extend(vars(value).values())
        elif hasattr(value, "__slots__"):
            stack.extend(getattr(value, name, None) for name in value.__slots__)


def traces_of(harness: Harness, user_id: int, name: str, words: str) -> list[Any]:
    return [
        value
        for value in everything_held(harness)
        if (isinstance(value, int) and not isinstance(value, bool) and value == user_id)
        or (isinstance(value, str) and (name in value or words in value))
    ]


async def test_every_structure_is_in_the_inventory(harness: Harness) -> None:
    listed = {entry.name for entry in inventory.MEMORY if not entry.in_flight}
    assert set(await held(harness.app)) == listed


@WITH_PEERS
async def test_memory_lets_go_of_everything_once_its_lifetime_has_passed(
    harness: Harness,
) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Rae", "Sol")
    sim.send_text(member, "hello there")
    await bot_says(sim, sim.private_chat(listener), "hello there")
    # A report left without its reason, a block, copies that could be deleted.
    sim.send_text(member, "/report")
    await bot_says(sim, sim.private_chat(member), "What happened")
    # A crisis read, a meeting never ended with hands raised.
    await say(sim, sim.add_user("Tam", started=True), "i want to end my life tonight")
    group, admin, (ana, ben, *_) = group_with(sim)
    await start(sim, admin, group)
    await say(sim, ana, "/share", chat=group)
    await say(sim, ben, "@Ana thank you, you should try meditation", chat=group)
    await say(sim, ana, "i don't want to be alive anymore", chat=group)
    for _ in range(100):
        if (await held(harness.app))["distress in meetings"]:
            break
        await asyncio.sleep(0.05)
    full = {name: count for name, count in (await held(harness.app)).items() if count}
    assert "embeddings for the etiquette" not in full, "each is taken by its own update"
    for name in (
        "distress in meetings",
        "reports waiting for a reason",
        "blocks",
        "meetings",
        "crisis verdicts and answered messages",
        "recent crises",
        "peer chat ids",
    ):
        assert name in full, name
    harness.clock.advance(timedelta(days=31))
    await peer_tick_now(harness.app)
    await sweep_now(harness.app)
    assert {name: count for name, count in (await held(harness.app)).items() if count} == {}


@WITH_PEERS
async def test_after_forget_nothing_in_memory_holds_the_member(harness: Harness) -> None:
    sim = harness.sim
    listener, member = await live_chat(harness, "Uma", "Quillon")
    sim.send_text(member, WORDS)
    await bot_says(sim, sim.private_chat(listener), "lilacs")
    await say(sim, member, "/discreet on")
    group, admin, _ = group_with(sim)
    sim.set_member_status(group, member, "member")
    await start(sim, admin, group)
    await say(sim, member, "/share", chat=group)
    await say(sim, member, "i want to end my life tonight")
    assert traces_of(harness, member.id, member.first_name, WORDS)
    await say(sim, member, "/forget")
    # What is in flight (the /forget update itself) goes as its handling ends.
    order = harness.app.update_processor
    assert isinstance(order, PerChatOrder)
    await sim.wait_for(lambda: not any(order.held().values()))
    assert traces_of(harness, member.id, member.first_name, WORDS) == []


def test_the_readme_lists_what_memory_holds() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert memory_table() in readme, "regenerate with: python -m bot.platform.privacy_notice"
