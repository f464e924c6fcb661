"""Telegram errors are retried or reported, never a crash; the member hears something kind."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.handlers.common import Context
from tests.conftest import Harness
from tests.test_e2e_foundation import say


async def test_a_429_is_waited_out_and_the_answer_arrives(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Hal", started=True)
    sim.faults.add("sendMessage", "429", retry_after=1)
    reply = await say(sim, member, "/help")
    assert "What I can do" in reply.text
    statuses = [call.status for call in sim.calls_to("sendMessage")]
    assert statuses[-2:] == [429, 200]


async def test_a_failing_handler_is_logged_by_type_and_the_member_told_kindly(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: Update, context: Context) -> None:
        raise ValueError("secret words from the member: I am not okay")

    harness.app.add_handler(CommandHandler("broken", broken), group=-1)
    sim = harness.sim
    member = sim.add_user("Ivy", started=True)
    with caplog.at_level(logging.DEBUG, logger="bot"):
        reply = await say(sim, member, "/broken")
    assert "something went wrong on my side" in reply.text
    assert "/resources" in reply.text
    failures = [r.getMessage() for r in caplog.records if r.name == "bot.handlers.fallback"]
    assert any("ValueError" in line and "update" in line for line in failures)
    assert all("not okay" not in r.getMessage() for r in caplog.records)
    assert all(r.exc_info is None for r in caplog.records if r.name.startswith("bot"))


async def test_a_server_error_on_a_reply_is_retried_unseen(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Jun", started=True)
    sim.faults.add("sendMessage", "500")
    reply = await say(sim, member, "/help")
    assert "What I can do" in reply.text
    assert [c.status for c in sim.calls_to("sendMessage")][-2:] == [500, 200]


async def test_a_reply_that_keeps_failing_is_reported_and_the_bot_goes_on(
    harness: Harness,
) -> None:
    sim = harness.sim
    member = sim.add_user("Kai", started=True)
    sim.faults.add("sendMessage", "502", times=4)
    sent = sim.send_text(member, "/help")
    apology = await sim.next_bot_message(
        sim.private_chat(member), after=sent.message_id, timeout=10
    )
    assert "something went wrong on my side" in apology.text
    again = await say(sim, member, "/help")
    assert "What I can do" in again.text
