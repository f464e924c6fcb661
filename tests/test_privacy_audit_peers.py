"""The privacy audit over peer check-ins: listeners approved by moderators, check-ins with
words, relayed chats, a report, a block, a nudge and discreet mode. Afterwards nothing on
disk or in the logs may hold any of their ids, names, usernames or words."""

from __future__ import annotations

import logging

import pytest

from bot.sim import BotApiSimulator
from tests.conftest import Harness
from tests.peer_helpers import (
    MODERATOR_CHAT,
    approved_listener,
    bot_says,
    connect,
    fast_relay,
    moderators_chat,
    press,
)
from tests.privacy_audit import KnownMember, captured_logs, find_leaks, forbidden_needles
from tests.test_e2e_foundation import say

LISTENERS = [
    KnownMember(5512093377, "Philippa", "philippa_listens", ["I'm here, tell me what happened"]),
    KnownMember(5623104488, "Augustin", "augustin_hears", ["that sounds like a brutal night"]),
]
MEMBERS = [
    KnownMember(
        6734215599,
        "Rosalind",
        "rosalind_awake",
        ["my sister found the bottles under the sink", "the craving started at the bus stop"],
    ),
    KnownMember(
        6845326600,
        "Casimir",
        "casimir_alone",
        ["I relapsed on my daughter's birthday", "I want to kill myself tonight"],
    ),
]
SETTINGS = {"secret": "audit-" + "p" * 40, "moderator_chat": MODERATOR_CHAT}


async def run_scenario(harness: Harness) -> None:
    sim: BotApiSimulator = harness.sim
    fast_relay(harness)
    moderators = moderators_chat(sim)
    listeners = []
    for known in LISTENERS:
        listener = await approved_listener(
            harness,
            known.first_name,
            moderators,
            username=known.username,
            user_id=known.telegram_id,
        )
        listeners.append(listener)
    members = [
        sim.add_user(m.first_name, username=m.username, user_id=m.telegram_id, started=True)
        for m in MEMBERS
    ]
    for member, known, listener, known_listener in zip(
        members, MEMBERS, listeners, LISTENERS, strict=True
    ):
        await connect(sim, member, listener, words=known.words[0])
        sim.send_text(member, known.words[1])
        await bot_says(sim, sim.private_chat(listener), known.words[1][:20])
        sim.send_text(listener, known_listener.words[0])
        await bot_says(sim, sim.private_chat(member), known_listener.words[0][:20])
    # The first chat is reported, the second blocked.
    await say(sim, members[0], "/report")
    ask = await bot_says(sim, sim.private_chat(members[0]), "What happened?")
    press(sim, members[0], ask, "Something else")
    await bot_says(sim, sim.private_chat(members[0]), "Sent to the moderators")
    await say(sim, members[1], "/block")
    for member in members:
        assert "nudge" in (await say(sim, member, "/checkin remind 21:30")).text
        assert "Discreet mode is on" in (await say(sim, member, "/discreet on")).text
    # One member checks in again and waits: a live marker stays on disk for the audit.
    sent = sim.send_text(members[1], "/checkin")
    await bot_says(sim, sim.private_chat(members[1]), "How are you", after=sent.message_id)


@pytest.mark.parametrize("settings_overrides", [SETTINGS])
async def test_nothing_identifying_is_stored_or_logged_in_peer_chats(harness: Harness) -> None:
    with captured_logs(harness.sim.token) as logs:
        await run_scenario(harness)
        logging.getLogger("bot.audit").debug("scenario finished")
    assert "scenario finished" in logs.getvalue()
    needles = forbidden_needles([*LISTENERS, *MEMBERS], harness.sim.token)
    assert find_leaks(await harness.stored(), logs.getvalue(), needles) == []
    # The audit searched real rows: listeners, blocks, subscriptions, discreet chats.
    svc = harness.services
    now = harness.clock()
    assert len(await svc.store.blocks(now)) == 2
    assert len(await svc.store.discreet_chats(now)) == 2
    for known in LISTENERS:
        record = await svc.store.listener(svc.keyring.pseudonym(known.telegram_id))
        assert record is not None
        assert record.status == "approved"
