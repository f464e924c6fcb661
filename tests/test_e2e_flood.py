"""One member's flood stands in nobody's way, with Telegram's limits on in the simulator
(bot/plumbing/update_order.py, bot/handlers/pace.py)."""

from __future__ import annotations

from bot.platform.catalog import Catalog
from bot.plumbing.update_order import BACKLOG
from bot.sim import SimMessage
from bot.sim.ratelimits import RateLimits
from tests.conftest import Harness
from tests.test_e2e_foundation import say

_CATALOG = Catalog.load()
NOTICE = _CATALOG.text("pace.notice", "en")
CRISIS_OPENING = _CATALOG.text("crisis.opening", "en")


async def test_a_flood_is_told_once_while_others_and_crises_are_answered_at_once(
    harness: Harness,
) -> None:
    sim = harness.sim
    sim.rate_limits = RateLimits()
    flooder = sim.add_user("Flo", started=True)
    other = sim.add_user("Oli", started=True)
    chat = sim.private_chat(flooder)
    for _ in range(40):
        sim.send_text(flooder, "/library gratitude")

    # Someone else is answered at once: the flood's answers take a second each.
    answer = await say(sim, other, "/help")
    assert "/checkin" in (answer.text or "")
    # The flooder is told once, kindly, and a crisis of theirs skips their own backlog.
    await sim.wait_for(lambda: any(m.text == NOTICE for m in sim.messages(chat)))
    sent = sim.send_text(flooder, "i want to end my life tonight")

    def crisis_answer() -> SimMessage | None:
        return next(
            (
                m
                for m in sim.messages(chat)
                if m.message_id > sent.message_id and CRISIS_OPENING in (m.text or "")
            ),
            None,
        )

    await sim.wait_for(crisis_answer, timeout=5)

    # The backlog is answered in full, then what came past it is let go: no more answers.
    def answers() -> list[SimMessage]:
        return [m for m in sim.messages(chat) if m.text != NOTICE and m is not crisis_answer()]

    await sim.wait_for(lambda: len(answers()) >= BACKLOG, timeout=20)
    caught_up = await say(sim, flooder, "/help")
    assert "/checkin" in (caught_up.text or "")
    assert len(answers()) == BACKLOG + 1  # the backlog and the /help after it
    assert [m.text for m in sim.messages(chat)].count(NOTICE) == 1
