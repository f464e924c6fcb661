"""Crisis answers as members meet them: private chats, commands, groups, topics, regions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from telegram import Bot

from bot.platform.catalog import Catalog
from bot.plumbing.priority import BROADCAST
from bot.safety import Level, assess_rules
from bot.safety.assessor import Assessor
from bot.sim import BotApiSimulator, SimChat, SimMessage, SimUser
from tests.conftest import Harness
from tests.test_e2e_foundation import button_labels, is_everyday_answer, say

CATALOG = Catalog.load()
OPENING = CATALOG.text("crisis.opening", "en")


def urls(message: SimMessage) -> list[str]:
    return [b.url for row in message.buttons for b in row if b.url]


async def bot_messages_after(
    sim: BotApiSimulator, chat: SimChat, sent: SimMessage, count: int
) -> list[SimMessage]:
    await sim.wait_for(
        lambda: len([m for m in sim.messages(chat) if m.message_id > sent.message_id]) >= count
    )
    return [m for m in sim.messages(chat) if m.message_id > sent.message_id]


def group_with_bot_as_admin(sim: BotApiSimulator, *people: SimUser, forum: bool = False) -> SimChat:
    """A bot that is an admin sees all messages in a group, as live with privacy mode."""
    return sim.add_group(
        "Evening Group", forum=forum, members=people, admins=people[:1], bot_is_admin=True
    )


async def test_crisis_in_a_private_chat_gets_lines_at_once(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Ari", started=True)
    answer = await say(sim, member, "i cant do this anymore, i want to die tonight")
    assert answer.text.startswith(OPENING)
    assert "If you are in danger right now, call your local emergency number" in answer.text
    assert "https://findahelpline.com" in urls(answer)
    # No region known: the country first, so a number to call is one tap away.
    assert "Tap your country below" in answer.text
    assert button_labels(answer)[0] == "United States"
    # Only what the bot really does: no listener is on shift, and it says so.
    assert "No peer listener is on shift right now" in answer.text
    assert "Talk with a peer now" not in button_labels(answer)
    assert button_labels(answer)[-2:] == ["Something to read", "Today's reflection"]
    assert "keep writing" not in answer.text
    assert answer.reply_to is None
    # One answer, and no fallback pointer after it.
    probe = await say(sim, member, "/help")
    chat = sim.private_chat(member)
    assert [
        m for m in sim.messages(chat) if answer.message_id < m.message_id < probe.message_id
    ] == []
    sent = sim.calls_to("sendMessage")[-1]
    assert "where are you" not in sent.params["text"].lower()


async def test_a_command_s_input_is_assessed_too(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Bo", started=True)
    sent = sim.send_text(member, "/help everyone would be better off without me")
    first, second = await bot_messages_after(sim, sim.private_chat(member), sent, 2)
    assert first.text.startswith(OPENING)
    assert "What I can do" in second.text


async def test_an_overdose_gets_the_emergency_number_first_and_the_steps(
    harness: Harness,
) -> None:
    member = harness.sim.add_user("Cy", started=True)
    answer = await say(harness.sim, member, "my friend took too much and he wont wake up")
    assert answer.text.startswith("Call your local emergency number now.")
    assert "naloxone" in answer.text
    assert "Stay with them" in answer.text


async def test_concern_gets_a_gentle_answer_without_alarm(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Di", started=True)
    answer = await say(sim, member, "this craving is killing me tonight")
    # The gentle answer, or (heard as distress) the private chat's own, the lines beside it.
    assert answer.text.startswith("That sounds")
    assert "emergency" not in answer.text
    sim.press_button(member, answer, index=button_labels(answer).index("People to talk to now"))
    lines = await sim.next_bot_message(sim.private_chat(member), after=answer.message_id)
    assert "findahelpline.com" in lines.text


async def test_everyday_speech_gets_no_crisis_answer(harness: Harness) -> None:
    member = harness.sim.add_user("Ed", started=True)
    for text in ("I killed it at work today", "my phone died", "I'd kill for a coffee"):
        answer = await say(harness.sim, member, text)
        assert is_everyday_answer(answer.text), answer.text
        assert "emergency" not in answer.text


async def test_a_country_in_one_tap_then_another(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Fi", started=True)
    answer = await say(sim, member, "i dont want to wake up tomorrow")
    sim.press_button(member, answer, index=button_labels(answer).index("Ireland"))
    await sim.wait_for(lambda: "Samaritans" in answer.text)
    assert answer.text.startswith(OPENING)
    assert "112 or 999" in answer.text
    assert "Tap your country" not in answer.text
    sim.press_button(member, answer, index=button_labels(answer).index("Another region"))
    await sim.wait_for(lambda: "Spain" in button_labels(answer))
    sim.press_button(member, answer, index=button_labels(answer).index("Spain"))
    await sim.wait_for(lambda: "024" in answer.text)
    assert "Something to read" in button_labels(answer)


@pytest.mark.parametrize(
    "settings_overrides",
    [{"region": code} for code in CATALOG.crisis_lines.regions] + [{"region": "JP"}],
    ids=[*CATALOG.crisis_lines.regions, "unknown-region"],
)
async def test_each_region_s_lines_and_the_fallback(
    harness: Harness, settings_overrides: dict[str, str]
) -> None:
    member = harness.sim.add_user("Gus", started=True)
    answer = await say(harness.sim, member, "im going to kill myself")
    region = CATALOG.crisis_lines.region(settings_overrides["region"])
    if region is None:
        assert "your local emergency number" in answer.text
        assert "I don't have a checked line for this region yet" in answer.text
    else:
        assert f"call <b>{region.emergency('en')}</b>" in answer.html
        for line in region.lines:
            if line.kind == "crisis":
                assert line.contact("en") in answer.text
                if line.url:
                    assert line.url in urls(answer)
    assert "https://findahelpline.com" in urls(answer)


async def test_spanish_speakers_are_answered_in_spanish(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Lu", started=True, language_code="es-MX")
    answer = await say(sim, member, "ya no quiero vivir, esta noche me quito la vida")
    assert answer.text.startswith("Me alegra mucho que me lo hayas contado.")
    assert "llama al número de emergencias de tu país" in answer.text
    assert "líneas de ayuda verificadas" in answer.text
    assert "Toca tu país" in answer.text
    assert button_labels(answer)[:3] == ["Estados Unidos", "Canadá", "Reino Unido"]
    assert_no_english(answer.text)
    sim.press_button(member, answer, index=button_labels(answer).index("Estados Unidos"))
    await sim.wait_for(lambda: "988" in answer.text)
    # Spanish speakers in the US learn 988's Spanish options.
    assert "en español, llama al 988 y marca 2, o envía AYUDA" in answer.text
    assert "Chat de 988 Lifeline" in button_labels(answer)
    assert "Otra región" in button_labels(answer)
    assert_no_english(answer.text)
    sim.press_button(member, answer, index=button_labels(answer).index("Otra región"))
    await sim.wait_for(lambda: "Reino Unido" in button_labels(answer))
    sim.press_button(member, answer, index=button_labels(answer).index("Reino Unido"))
    await sim.wait_for(lambda: "Samaritans" in answer.text)
    assert "999 (también funciona el 112)" in answer.text
    assert "llamada gratuita" in answer.text
    assert_no_english(answer.text)


# Words of the English answers and data that must never appear in a Spanish one.
ENGLISH_WORDS = (
    "your local",
    "also works",
    "free",
    "verified human",
    "call or text",
    "veterans press",
    " or ",
    "you can",
    "keep writing",
)


def assert_no_english(text: str) -> None:
    for words in ENGLISH_WORDS:
        assert words not in text, words


async def test_a_group_gets_a_post_not_a_reply_inviting_a_private_chat(harness: Harness) -> None:
    sim = harness.sim
    admin, member = sim.add_user("Chair"), sim.add_user("Hal")
    group = group_with_bot_as_admin(sim, admin, member)
    post = await say(sim, member, "honestly i dont want to be alive anymore", chat=group)
    assert post.reply_to is None
    assert "If anyone here is going through something heavy" in post.text
    assert "Hal" not in post.text
    invite = [u for u in urls(post) if "start=resources" in u]
    assert invite == [f"https://t.me/{sim.bot_user.username}?start=resources"]
    # The invitation's deep link opens the lines in a private chat.
    private = await say(sim, member, "/start resources")
    assert "findahelpline.com" in private.text
    # The message itself is untouched: never deleted or treated as a rule break.
    assert not [m for m in sim.messages(group, from_bot=False) if m.deleted]


async def test_a_forum_topic_gets_the_post_in_that_topic(harness: Harness) -> None:
    sim = harness.sim
    admin = sim.add_user("Chair")
    hall = group_with_bot_as_admin(sim, admin, forum=True)
    topic = sim.add_topic(hall, "Monday meeting")
    words = "she took something and now shes turning blue"
    sent = sim.send_text(admin, words, chat=hall, thread_id=topic)
    post = await sim.next_bot_message(hall, thread_id=topic, after=sent.message_id)
    assert post.thread_id == topic
    # In a topic, Telegram points every message at the topic's first message; the post
    # must not point at the member's message.
    assert post.reply_to is not sent
    assert post.text.startswith("Call your local emergency number now.")
    calls = [c for c in sim.calls_to("sendMessage") if c.params.get("message_thread_id") == topic]
    assert calls
    assert all("reply_parameters" not in c.params for c in calls)


async def test_group_admins_can_turn_posts_off_and_on(harness: Harness) -> None:
    sim = harness.sim
    admin, member = sim.add_user("Chair"), sim.add_user("Ivo")
    group = group_with_bot_as_admin(sim, admin, member)
    refused = await say(sim, member, "/crisisposts off", chat=group)
    assert "Only the group's admins" in refused.text
    turned_off = await say(sim, admin, "/crisisposts off", chat=group)
    assert "Crisis posts are off" in turned_off.text
    quiet = sim.send_text(member, "i want to end my life", chat=group)
    probe = await say(sim, member, "/help", chat=group)
    assert [
        m.text for m in sim.messages(group) if quiet.message_id < m.message_id < probe.message_id
    ] == []
    # Private answers can never be turned off.
    private = await say(sim, member, "i want to end my life")
    assert private.text.startswith(OPENING)
    # An anonymous admin, posting as the group, counts as an admin.
    sent = sim.send_text(admin, "/crisisposts on", chat=group, as_anonymous_admin=True)
    on = await sim.next_bot_message(group, after=sent.message_id)
    assert "Crisis posts are on" in on.text


async def test_an_edited_message_is_not_answered_twice(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Jay", started=True)
    sent = sim.send_text(member, "i want to die")
    answer = await sim.next_bot_message(sim.private_chat(member), after=sent.message_id)
    sim.edit_text(member, sent, "i want to die, i mean it")
    probe = await say(sim, member, "/help")
    assert [
        m
        for m in sim.messages(sim.private_chat(member))
        if answer.message_id < m.message_id < probe.message_id
    ] == []


async def test_a_crisis_post_goes_ahead_of_queued_broadcasts(harness: Harness) -> None:
    """Telegram allows about 20 messages a minute into one group; the rate limiter queues
    the rest. A crisis post must not wait behind that queue."""
    sim = harness.sim
    admin, member = sim.add_user("Chair"), sim.add_user("Kit")
    group = group_with_bot_as_admin(sim, admin, member)
    bot: Bot = harness.app.bot
    broadcasts = [
        asyncio.create_task(
            bot.send_message(group.id, f"Scheduled reading {n}", rate_limit_args=BROADCAST)
        )
        for n in range(26)
    ]
    await sim.wait_for(lambda: len(sim.messages(group)) >= 20, timeout=10)
    sent = sim.send_text(member, "i am going to kill myself tonight", chat=group)
    post = await sim.next_bot_message(group, after=sent.message_id, timeout=5)
    assert "If anyone here is going through something heavy" in post.text
    waiting = [task for task in broadcasts if not task.done()]
    assert waiting, "the broadcasts were still queued when the crisis post went out"
    for task in broadcasts:
        task.cancel()
    await asyncio.gather(*broadcasts, return_exceptions=True)


OPERATOR_CHAT = -1009990001


@pytest.mark.parametrize("settings_overrides", [{"operator_chat": OPERATOR_CHAT}])
async def test_operators_see_counts_only_in_their_chat(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Lee", started=True)
    await say(sim, member, "i want to die")
    # Others: a member's next words within minutes of a crisis are read as one too.
    await say(sim, sim.add_user("Max", started=True), "he's not breathing")
    await say(sim, sim.add_user("Ned", started=True), "this craving is killing me")
    not_here = await say(sim, member, "/stats")
    assert "I don't know that command" in not_here.text
    operator = sim.add_user("Operator")
    room = sim.add_group("Operators", members=[operator], admins=[operator], chat_id=OPERATOR_CHAT)
    today = harness.clock().date().isoformat()
    # An answer is counted just after it is sent; chats run side by side, so wait for it.
    store = harness.services.store
    for _ in range(100):
        if sum((await store.daily_counts(harness.clock())).get(today, {}).values()) >= 3:
            break
        await asyncio.sleep(0.05)
    stats = await say(sim, operator, "/stats", chat=room)
    assert f"{today}  1 · 1 · 1 · 0 · 0 · 0" in stats.text
    assert "Lee" not in stats.text
    assert str(member.id) not in stats.text
    assert "crisis model" not in stats.text
    # With the crisis model off, the operator hears it first.
    await harness.services.assessor.close()
    harness.services.assessor = Assessor(None, "the sentence encoder is missing")
    stats = await say(sim, operator, "/stats", chat=room)
    assert stats.text.startswith("The crisis model is off (the sentence encoder is missing)")


@pytest.mark.parametrize("fault", ["500", "502", "drop", "429"])
async def test_a_crisis_answer_is_tried_again_when_telegram_fails(
    harness: Harness, fault: str
) -> None:
    sim = harness.sim
    member = sim.add_user("Max", started=True)
    sim.faults.add("sendMessage", fault, retry_after=1)
    answer = await say(sim, member, "i want to kill myself")
    assert answer.text.startswith(OPENING)
    failed = [c for c in sim.calls_to("sendMessage") if c.status != 200]
    assert len(failed) == 1


async def test_a_crisis_in_words_no_rule_was_written_for_is_answered(harness: Harness) -> None:
    member = harness.sim.add_user("Pim", started=True)
    words = "I'm in the bathroom with a razor"
    assert assess_rules(words).level is not Level.CRISIS, "the learned layer's case"
    answer = await say(harness.sim, member, words)
    assert answer.text.startswith(OPENING)


async def test_distress_right_after_a_crisis_is_read_as_one(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Rio", started=True)
    later = sim.add_user("Sol", started=True)
    # Alone, it is a concern: the gentle answer.
    gentle = await say(sim, later, "what's the point of anything")
    assert gentle.text.startswith(CATALOG.text("concern.opening", "en"))
    first = await say(sim, member, "i want to kill myself tonight")
    assert first.text.startswith(OPENING)
    again = await say(sim, member, "what's the point of anything")
    assert again.text.startswith(OPENING)
    # Ten minutes on, the same words are read on their own again.
    harness.clock.advance(timedelta(minutes=11))
    calmer = await say(sim, member, "what's the point of anything")
    assert calmer.text.startswith(CATALOG.text("concern.opening", "en"))


async def test_forget_lets_go_of_a_recent_crisis_at_once(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Tova", started=True)
    first = await say(sim, member, "i want to kill myself tonight")
    assert first.text.startswith(OPENING)
    await say(sim, member, "/forget")
    calmer = await say(sim, member, "what's the point of anything")
    assert calmer.text.startswith(CATALOG.text("concern.opening", "en"))
