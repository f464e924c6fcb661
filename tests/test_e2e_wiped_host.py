"""A host that wipes its disk on every deploy (Heroku and the like), with DATABASE_URL
naming PostgreSQL: the bot keeps nothing in the data folder, and after a restart on an
empty one finds every subscription, zone and listener approval in the database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.delivery.schedule import local_instant
from bot.handlers.daily import deliver_now
from tests.conftest import Harness
from tests.peer_helpers import PEER_SETTINGS, approved_listener, moderators_chat
from tests.test_e2e_daily import BERLIN, REFLECTIONS, deliveries, subscribe_in_berlin
from tests.test_e2e_foundation import say


@pytest.fixture
def backend() -> str:
    return "postgres"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return PEER_SETTINGS


async def test_a_restart_on_an_empty_data_folder_finds_everything(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 8, 12, 0, tzinfo=UTC)
    member = sim.add_user("Ines", started=True)
    await subscribe_in_berlin(harness, member, "07:00")
    listener = await approved_listener(harness, "Lior", moderators_chat(sim))
    assert not harness.data_dir.exists(), "nothing that must survive goes in the data folder"

    await harness.restart(wipe_data_folder=True)

    # The zone: today is Berlin's, without asking again.
    harness.clock.now = datetime(2027, 1, 8, 23, 30, tzinfo=UTC)  # the 9th in Berlin
    today = await say(sim, member, "/today")
    assert REFLECTIONS["01-09"].title in today.text
    # The subscription: delivered at 07:00 Berlin time, once.
    chat = sim.private_chat(member)
    harness.clock.now = local_instant(date(2027, 1, 9), 7 * 60, BERLIN)
    await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == 1
    # The approval: the listener starts a shift without asking the moderators again.
    shift = await say(sim, listener, "/listen")
    assert "on shift" in shift.text
    assert not harness.data_dir.exists()
