"""The privacy audit over a meeting: known members share, raise hands, crosstalk and post
a phone number; afterwards nothing on disk or in the logs holds their ids, names,
usernames or words. The meeting's record itself is checked to hold none of it either."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Harness
from tests.peer_helpers import bot_says
from tests.privacy_audit import KnownMember, captured_logs, find_leaks, forbidden_needles
from tests.test_e2e_foundation import say

CHAIR = KnownMember(7712345601, "Wilhelmina", "wil_chairs", ["please keep shares short"])
MEMBERS = [
    KnownMember(
        7712345602,
        "Bartholomew",
        "bart_shares",
        ["my brother found my stash behind the boiler", "you should try harder, honestly"],
    ),
    KnownMember(
        7712345603,
        "Evangeline",
        "evie_listens",
        ["the casino bus still stops outside my flat", "ring me on 07700 900456"],
    ),
]


@pytest.mark.parametrize("settings_overrides", [{"secret": "audit-" + "m" * 40}])
async def test_nothing_identifying_is_stored_or_logged_in_meetings(harness: Harness) -> None:
    sim = harness.sim
    chair = sim.add_user(CHAIR.first_name, username=CHAIR.username, user_id=CHAIR.telegram_id)
    members = [
        sim.add_user(m.first_name, username=m.username, user_id=m.telegram_id) for m in MEMBERS
    ]
    group = sim.add_group(
        "Audit group", members=members, admins=[chair], bot_is_admin=True, bot_can_delete=True
    )
    with captured_logs(sim.token) as logs:
        await say(sim, chair, "/etiquette delete", chat=group)
        await say(sim, chair, "/meeting start", chat=group)
        sim.send_text(chair, CHAIR.words[0], chat=group)
        for user, known in zip(members, MEMBERS, strict=True):
            await say(sim, user, "/share", chat=group)
            for words in known.words:
                sim.send_text(user, words, chat=group)
        await bot_says(sim, group, "contact details")
        await bot_says(sim, group, "I removed a message")
        await say(sim, chair, "/next", chat=group)
        logging.getLogger("bot.audit").debug("scenario finished")
        records = await harness.services.store.meetings(harness.clock())
    assert "scenario finished" in logs.getvalue()
    needles = forbidden_needles([CHAIR, *MEMBERS], sim.token)
    assert find_leaks(await harness.stored(), logs.getvalue(), needles) == []
    # The audit searched a real row: the running meeting, keyed and sealed.
    assert len(records) == 1
    assert records[0].group == harness.services.keyring.pseudonym(group.id)
