"""Privacy is a test, not a promise: after a scenario with known members, nothing on disk
or in the logs may contain their ids, names, usernames or words (or the token)."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.handlers.common import Context
from bot.sim import BotApiSimulator, SimChat, SimMessage
from tests.conftest import Harness
from tests.privacy_audit import KnownMember, captured_logs, find_leaks, forbidden_needles

MEMBERS = [
    KnownMember(
        5839201746,
        "Marisol",
        "marisol_quietly",
        ["I slipped last night after the wedding", "I want to die tonight, I have the pills"],
    ),
    KnownMember(
        6120447893,
        "Tobiah",
        "tobiah_north",
        ["Ninety days today and scared of tomorrow", "my brother took too much and won't wake up"],
    ),
    KnownMember(
        7301958264,
        "Ingrid",
        "ingrid_at_dawn",
        ["Can't sleep again, the craving is loud", "everyone would be better off without me"],
    ),
]
GROUP_WORDS = "Thanks for holding the meeting, see you Thursday"
GROUP_CRISIS_WORDS = "/resources honestly I don't want to be alive anymore"


def labels(message: SimMessage) -> list[str]:
    return [button.text for row in message.buttons for button in row]


async def run_scenario(sim: BotApiSimulator) -> SimChat:
    """Several members doing everything the bot offers, crises included, one forgetting."""
    users = [
        sim.add_user(m.first_name, username=m.username, user_id=m.telegram_id) for m in MEMBERS
    ]
    group = sim.add_group("Evening Group", members=users, admins=users[:1])
    for user, member in zip(users, MEMBERS, strict=True):
        chat = sim.private_chat(user)
        for text in ("/start", "/privacy", *member.words, "/nonsense"):
            sent = sim.send_text(user, text)
            await sim.next_bot_message(chat, after=sent.message_id)
            if text == "/privacy":  # an answer in more than one message: wait for its end
                await sim.wait_for(lambda c=chat: "cannot erase" in sim.messages(c)[-1].text)
        sent = sim.send_text(user, "/resources")
        reply = await sim.next_bot_message(chat, after=sent.message_id)
        sim.press_button(user, reply, index=labels(reply).index("Australia"))
        await sim.wait_for(lambda r=reply: "Lifeline" in r.text, timeout=5)
    sent = sim.send_text(users[0], "/forget")
    await sim.next_bot_message(sim.private_chat(users[0]), after=sent.message_id)
    sim.send_text(users[1], GROUP_WORDS, chat=group)
    sent = sim.send_text(users[2], GROUP_CRISIS_WORDS, chat=group)
    # The crisis post, then the answer to /resources.
    await sim.wait_for(
        lambda: len([m for m in sim.messages(group) if m.message_id > sent.message_id]) >= 2
    )
    # Another member picks a country under the crisis post: answered privately.
    post = next(m for m in sim.messages(group) if "something heavy" in (m.text or ""))
    sim.press_button(users[1], post, index=labels(post).index("Ireland"))
    await sim.wait_for(lambda: "Samaritans" in sim.messages(sim.private_chat(users[1]))[-1].text)
    # Crisis words typed inline put the lines first.
    query = sim.inline_query(users[2], MEMBERS[2].words[1])
    await sim.wait_for(lambda: query in sim.inline_answers)
    sent = sim.send_text(users[0], "/crisisposts off", chat=group)
    await sim.next_bot_message(group, after=sent.message_id)
    return group


@pytest.mark.parametrize("settings_overrides", [{"secret": "audit-" + "s" * 40}])
async def test_nothing_identifying_is_stored_or_logged(harness: Harness) -> None:
    with captured_logs(harness.sim.token) as logs:
        group = await run_scenario(harness.sim)
        logging.getLogger("bot.audit").debug("scenario finished")
    assert "scenario finished" in logs.getvalue(), "the audit must see DEBUG lines"
    needles = forbidden_needles(MEMBERS, harness.sim.token)
    needles["group words"] = GROUP_WORDS.encode()
    needles["group crisis words"] = GROUP_CRISIS_WORDS.split(" ", 1)[1].encode()
    assert find_leaks(await harness.stored(), logs.getvalue(), needles) == []
    # The scenario did store something: the audit searched real rows, not an empty folder.
    svc = harness.services
    counts = await svc.store.daily_counts(harness.clock())
    assert sum(counts[harness.clock().date().isoformat()].values()) >= 4
    group_key = svc.keyring.pseudonym(group.id)
    assert not await svc.store.crisis_posts_enabled(group_key, harness.clock())


@pytest.mark.parametrize("settings_overrides", [{"secret": "audit-" + "s" * 40}])
async def test_canary_a_leaky_handler_makes_the_audit_fail(harness: Harness) -> None:
    """Proves the audit bites: a handler that logs who said what must be caught."""
    leaky_logger = logging.getLogger("bot.handlers.leaky")

    async def leaky(update: Update, context: Context) -> None:
        user, message = update.effective_user, update.effective_message
        if user and message:
            leaky_logger.debug("%s (%s) said %s", user.first_name, user.id, message.text)

    harness.app.add_handler(MessageHandler(filters.TEXT, leaky), group=-99)
    with captured_logs(harness.sim.token) as logs:
        await run_scenario(harness.sim)
    leaks = find_leaks(
        await harness.stored(), logs.getvalue(), forbidden_needles(MEMBERS, harness.sim.token)
    )
    assert any("name found in the log" in leak for leak in leaks)
    assert any("id as text found in the log" in leak for leak in leaks)
    assert any("words #0 found in the log" in leak for leak in leaks)
