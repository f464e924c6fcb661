"""The foundation as a member meets it: the real Application, polling the simulator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.platform import inventory
from bot.platform.catalog import Catalog
from bot.sim import BotApiSimulator
from tests.conftest import Harness


async def say(sim: BotApiSimulator, user, text: str, *, chat=None, thread_id=None):  # type: ignore[no-untyped-def]
    """Send text as user and return the bot's first answer to it."""
    sent = sim.send_text(user, text, chat=chat, thread_id=thread_id)
    where = chat if chat is not None else sim.private_chat(user)
    return await sim.next_bot_message(where, thread_id=thread_id, after=sent.message_id)


def button_labels(message) -> list[str]:  # type: ignore[no-untyped-def]
    return [button.text for row in message.buttons for button in row]


_CATALOG = Catalog.load()
# What plain words in a private chat may get: one of the private chat's own answers (to a
# greeting, thanks, a sleepless night...), perhaps with the light question the crisis
# model adds when it cannot rule a crisis out. Each kind, none an error.
EVERYDAY_ANSWERS = tuple(
    _CATALOG.text(key, "en")
    for key in (
        "conversation.other",
        "conversation.greeting",
        "conversation.help",
        "conversation.about",
        "conversation.sleep",
        "conversation.distress",
        "conversation.thanks",
    )
)


def is_everyday_answer(text: str) -> bool:
    return text.startswith(EVERYDAY_ANSWERS)


async def test_start_welcomes_a_member(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Robin", username="robin_r")
    reply = await say(sim, member, "/start")
    assert "Porchlight" in reply.text
    assert "peer support, not professional care" in reply.text
    assert "I keep no names, usernames or messages" in reply.text
    for command in ("/resources", "/privacy", "/forget", "/help"):
        assert command in reply.text


async def test_help_lists_what_the_bot_can_do(harness: Harness) -> None:
    member = harness.sim.add_user("Kai", started=True)
    reply = await say(harness.sim, member, "/help")
    assert "What I can do" in reply.text
    assert "/forget" in reply.text


async def test_privacy_is_read_from_the_inventory(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Lee", started=True)
    summary = await say(sim, member, "/privacy")
    # What a member cares about first: nothing identifying kept, what a report sends.
    assert "I keep no names, usernames or messages" in summary.text
    assert "the last six messages of that chat" in summary.text
    assert "cannot erase them from its servers" in summary.text
    assert button_labels(summary) == ["Everything I store"]
    chat = sim.private_chat(member)
    sim.press_button(member, summary, index=0)
    first = await sim.next_bot_message(chat, after=summary.message_id)
    await sim.wait_for(lambda: "cannot erase them from Telegram" in sim.messages(chat)[-1].text)
    answer = "\n".join(m.text or "" for m in sim.messages(chat) if m.message_id >= first.message_id)
    catalog = harness.services.catalog
    for table in inventory.TABLES:
        assert catalog.text(f"privacy.tables.{table.name}.what", "en") in answer
    assert "Telegram cloud chats" in answer


async def test_commands_are_registered_for_private_chats_and_groups(harness: Harness) -> None:
    calls = harness.sim.calls_to("setMyCommands")
    scopes = {call.params["scope"]["type"] for call in calls if call.status == 200}
    assert scopes == {"all_private_chats", "all_group_chats"}


async def test_resources_default_to_the_international_directory(harness: Harness) -> None:
    member = harness.sim.add_user("Ash", started=True)
    reply = await say(harness.sim, member, "/resources")
    assert "findahelpline.com" in reply.text
    assert "your local emergency number" in reply.text
    # With no region known, the countries come first: a number to call is one tap away.
    assert "Tap your country below" in reply.text
    labels = button_labels(reply)
    assert labels[:3] == ["United States", "Canada", "United Kingdom"]
    assert labels[-2:] == ["International", "Find A Helpline"]
    assert reply.buttons[-1][0].url == "https://findahelpline.com"


async def test_picking_a_region_shows_its_lines_and_stores_nothing(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Jo", started=True, language_code="en-GB")
    reply = await say(sim, member, "/resources")
    sim.press_button(member, reply, index=button_labels(reply).index("Australia"))
    await sim.wait_for(lambda: "Lifeline" in reply.text, timeout=5)
    assert "13 11 14" in reply.text
    assert "000" in reply.text
    assert "Tap your country" not in reply.text
    sim.press_button(member, reply, index=button_labels(reply).index("Another region"))
    await sim.wait_for(lambda: "Ireland" in button_labels(reply))
    sim.press_button(member, reply, index=button_labels(reply).index("International"))
    await sim.wait_for(lambda: "Lifeline" not in reply.text, timeout=5)
    assert "findahelpline.com" in reply.text
    assert "Tap your country" not in reply.text
    # The choice travelled in the button; nothing was stored against the member.
    again = await say(sim, member, "/resources")
    assert "Lifeline" not in again.text
    forgot = await say(sim, member, "/forget")
    assert "I held nothing about you" in forgot.text


async def test_a_website_is_a_button_and_numbers_stay_in_the_text(harness: Harness) -> None:
    member = harness.sim.add_user("Nia", started=True)
    reply = await say(harness.sim, member, "/resources NL")
    assert "113 or 0800-0113" in reply.text
    assert "https://www.113.nl" in [b.url for row in reply.buttons for b in row]


async def test_resources_with_a_region_code(harness: Harness) -> None:
    member = harness.sim.add_user("Sam", started=True)
    reply = await say(harness.sim, member, "/resources us")
    assert "988" in reply.text
    assert "SAMHSA" in reply.text
    assert "911" in reply.text


async def test_resources_with_a_country_named_as_the_buttons_show_it(harness: Harness) -> None:
    member = harness.sim.add_user("Sol", started=True, language_code="es")
    for typed in ("United Kingdom", "reino unido", "Reino Unido"):
        reply = await say(harness.sim, member, f"/resources {typed}")
        assert "116 123" in reply.text, typed
    spain = await say(harness.sim, member, "/resources espana")
    assert "024" in spain.text


async def test_resources_with_a_wrong_code_explains_kindly(harness: Harness) -> None:
    member = harness.sim.add_user("Sam", started=True)
    reply = await say(harness.sim, member, "/resources narnia")
    assert "I don't know that region" in reply.text
    assert "GB" in reply.text
    assert "INT" in reply.text
    # Never the member's words back: they could be anything, a crisis included.
    assert "narnia" not in reply.text.lower()


async def test_forget_with_nothing_stored_says_so(harness: Harness) -> None:
    member = harness.sim.add_user("New", started=True)
    reply = await say(harness.sim, member, "/forget")
    assert "I held nothing about you" in reply.text
    assert "kept by Telegram" in reply.text


@pytest.mark.parametrize("settings_overrides", [{"region": "GB"}])
async def test_the_operators_region_is_the_default(harness: Harness) -> None:
    member = harness.sim.add_user("Ola", started=True)
    reply = await say(harness.sim, member, "/resources")
    assert "Samaritans" in reply.text
    assert "116 123" in reply.text
    assert "999" in reply.text


async def test_group_commands_answer_in_the_group(harness: Harness) -> None:
    sim = harness.sim
    admin = sim.add_user("Chair")
    member = sim.add_user("Pat")
    group = sim.add_group("Evening Group", members=[admin, member], admins=[admin])
    started = await say(sim, member, "/start@" + sim.bot_user.username, chat=group)
    assert "Hello, everyone" in started.text
    helped = await say(sim, member, "/help", chat=group)
    assert "in a group" in helped.text
    resources = await say(sim, member, "/resources", chat=group)
    assert "findahelpline.com" in resources.text
    forgot = await say(sim, member, "/forget", chat=group)
    assert "erased everything I held about you" in forgot.text


async def test_replies_stay_in_the_forum_topic(harness: Harness) -> None:
    sim = harness.sim
    admin = sim.add_user("Chair")
    hall = sim.add_group("Fellowship Hall", forum=True, members=[admin], admins=[admin])
    topic = sim.add_topic(hall, "Monday meeting")
    reply = await say(sim, admin, "/resources", chat=hall, thread_id=topic)
    assert reply.thread_id == topic
    sim.press_button(admin, reply, index=button_labels(reply).index("Ireland"))
    # A post in a group belongs to everyone: the chosen lines come as a message of their own
    # (the admin has no private chat with the bot here), in the same topic.
    answer = await sim.next_bot_message(hall, thread_id=topic, after=reply.message_id)
    assert "Samaritans" in answer.text
    assert "Samaritans" not in reply.text
    assert sim.messages(hall, thread_id=None)[-1].thread_id == topic


async def test_a_forged_button_says_it_has_expired(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Max", started=True)
    reply = await say(sim, member, "/resources")
    sim.press_raw_callback(member, reply, "res:set:GB:zzzz:forgedsigna")
    answer = await sim.next_bot_message(sim.private_chat(member), after=reply.message_id)
    assert "This button has expired" in answer.text
    assert "What I can do" in answer.text
    answered = sim.calls_to("answerCallbackQuery")[-1]
    assert "expired" in answered.params.get("text", "")


async def test_a_stale_button_says_it_has_expired(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Mo", started=True)
    reply = await say(sim, member, "/resources")
    harness.clock.advance(timedelta(days=31))
    sim.press_button(member, reply, index=button_labels(reply).index("Ireland"))
    answer = await sim.next_bot_message(sim.private_chat(member), after=reply.message_id)
    assert "This button has expired" in answer.text


async def test_a_button_from_another_chat_says_it_has_expired(harness: Harness) -> None:
    sim = harness.sim
    first = sim.add_user("Ana", started=True)
    second = sim.add_user("Ben", started=True)
    theirs = await say(sim, first, "/resources")
    mine = await say(sim, second, "/resources")
    data = theirs.buttons[0][0].callback_data
    sim.press_raw_callback(second, mine, data)
    answer = await sim.next_bot_message(sim.private_chat(second), after=mine.message_id)
    assert "This button has expired" in answer.text
