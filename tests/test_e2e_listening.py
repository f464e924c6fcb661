"""Help a member can act on, and a private chat that listens: plain words get a short answer
by what they mean, a crisis answer offers only what the bot really has, and no limit,
group post or error stands between a member and help."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.peers.room import ASKS_PER_HOUR
from bot.peers.service import room_of
from tests.conftest import Harness
from tests.peer_helpers import PEER_SETTINGS, approved_listener, bot_says, moderators_chat, press
from tests.test_e2e_foundation import button_labels, say
from tests.test_e2e_safety import OPENING, assert_no_english, group_with_bot_as_admin

CRISIS_WORDS = "i cant do this anymore, i want to die tonight"


@pytest.mark.parametrize(
    ("language_code", "words", "expected"),
    [
        ("en", "hello", "Hello, and welcome."),
        ("en", "what is this?", "Porchlight is an anonymous peer-support bot"),
        ("en", "help", "Here is what I can do right now"),
        ("en", "i cant sleep", "Nights can be long."),
        ("en", "thank you", "You're welcome."),
        ("en", "feeling pretty hopeless lately", "That sounds hard, and I'm glad you said it."),
        ("en", "my phone died", "I'm a bot, so I can't follow a conversation"),
        ("es", "hola", "Hola, te doy la bienvenida."),
        ("es", "¿qué es esto?", "Porchlight es un bot anónimo"),
        ("es", "ayuda", "Esto es lo que puedo hacer ahora mismo"),
        ("es", "no puedo dormir", "Las noches pueden hacerse largas."),
        ("es", "gracias", "De nada."),
    ],
)
async def test_plain_words_get_an_answer_by_what_they_mean(
    harness: Harness, language_code: str, words: str, expected: str
) -> None:
    member = harness.sim.add_user("Ana", started=True, language_code=language_code)
    answer = await say(harness.sim, member, words)
    assert answer.text.startswith(expected), answer.text
    assert "commands for now" not in answer.text
    if " " in words:
        assert words not in answer.text  # never the member's words back
    if language_code == "es":
        assert_no_english(answer.text)


async def test_the_answers_buttons_lead_somewhere(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Bea", started=True)
    chat = sim.private_chat(member)
    hello = await say(sim, member, "hello")
    assert button_labels(hello) == ["Check in", "Something to read", "Today's reflection"]
    press(sim, member, hello, "Check in")
    await bot_says(sim, chat, "How are you, right now?", after=hello.message_id)
    worried = await say(sim, member, "feeling pretty hopeless lately")
    assert "No peer listener is on shift right now" in worried.text
    press(sim, member, worried, "People to talk to now")
    lines = await bot_says(sim, chat, "findahelpline.com", after=worried.message_id)
    assert "Tap your country below" in lines.text
    press(sim, member, worried, "Something to read")
    reading = await bot_says(sim, chat, "Take what you want", after=lines.message_id)
    assert reading.text


async def test_after_a_crisis_answer_the_next_words_are_met_warmly(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Cal", started=True)
    crisis = await say(sim, member, CRISIS_WORDS)
    assert crisis.text.startswith(OPENING)
    after = await say(sim, member, "ok")
    assert after.text.startswith("Thank you for writing again.")
    assert "No peer listener is on shift right now" in after.text
    assert "People to talk to now" in button_labels(after)
    assert "follow a conversation" not in after.text
    miembro = sim.add_user("Dani", started=True, language_code="es")
    await say(sim, miembro, "ya no puedo más, esta noche me quito la vida")
    despues = await say(sim, miembro, "vale")
    assert despues.text.startswith("Gracias por volver a escribir.")
    assert_no_english(despues.text)
    # The few minutes pass; then plain words get the everyday answer again.
    harness.clock.advance(harness.services.recent_crises.span + timedelta(minutes=1))
    later = await say(sim, member, "ok")
    assert not later.text.startswith("Thank you for writing again.")


@pytest.mark.parametrize("settings_overrides", [PEER_SETTINGS])
async def test_with_a_listener_on_shift_a_crisis_answer_offers_them_first_in_line(
    harness: Harness,
) -> None:
    sim = harness.sim
    await approved_listener(harness, "Lin", moderators_chat(sim))
    member = sim.add_user("Dov", started=True)
    chat = sim.private_chat(member)
    # Asked for a peer as often as an hour allows, then a crisis: no limit stands in between.
    room = room_of(harness.app)
    for _ in range(ASKS_PER_HOUR):
        assert room.may_ask(harness.services.keyring.pseudonym(member.id), harness.clock())
    crisis = await say(sim, member, CRISIS_WORDS)
    assert "A volunteer peer listener is on shift now" in crisis.text
    press(sim, member, crisis, "Talk with a peer now")
    waiting = await bot_says(sim, chat, "you are first in line", after=crisis.message_id)
    assert "hold off" not in waiting.text


async def test_a_crisis_check_in_skips_the_hourly_limit(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Eli", started=True)
    chat = sim.private_chat(member)
    room = room_of(harness.app)
    for _ in range(ASKS_PER_HOUR):
        assert room.may_ask(harness.services.keyring.pseudonym(member.id), harness.clock())
    sent = sim.send_text(member, "/checkin")
    ask = await bot_says(sim, chat, "How are you, right now?", after=sent.message_id)
    press(sim, member, ask, "Having a rough time")
    helps = await bot_says(sim, chat, "What would help", after=ask.message_id)
    press(sim, member, helps, "Crisis help")
    lines = await bot_says(sim, chat, OPENING, after=helps.message_id)
    again = await bot_says(sim, chat, "the choice is yours", after=lines.message_id)
    press(sim, member, again, "Talk with a peer now")
    waiting = await bot_says(sim, chat, "in line", after=again.message_id)
    assert "first in line" in waiting.text
    assert "hold off" not in waiting.text


async def test_an_overdose_answer_holds_for_any_substance_in_both_languages(
    harness: Harness,
) -> None:
    sim = harness.sim
    member = sim.add_user("Flo", started=True)
    answer = await say(sim, member, "my friend took too much and he wont wake up")
    assert answer.text.startswith("Call your local emergency number now.")
    assert "whatever was taken" in answer.text
    assert "on their side" in answer.text
    assert "Do not make them vomit" in answer.text
    assert "Support their breathing" not in answer.text
    hermano = sim.add_user("Gus", started=True, language_code="es")
    respuesta = await say(sim, hermano, "mi hermano se metió algo y no despierta, está morado")
    assert respuesta.text.startswith("Llama al número de emergencias de tu país ahora.")
    assert "sea lo que sea lo que haya tomado" in respuesta.text
    assert_no_english(respuesta.text)


async def test_inline_crisis_words_put_the_lines_first(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Hal", started=True)
    query = sim.inline_query(member, "I want to kill myself")
    await sim.wait_for(lambda: query in sim.inline_answers)
    first = sim.inline_answers[query][0]
    assert first["title"] == "People to talk to now"
    assert "findahelpline.com" in first["input_message_content"]["message_text"]
    urls = [b.get("url", "") for row in first["reply_markup"]["inline_keyboard"] for b in row]
    assert f"https://t.me/{sim.bot_user.username}?start=resources" in urls
    miembro = sim.add_user("Ines", started=True, language_code="es")
    query = sim.inline_query(miembro, "quiero matarme esta noche")
    await sim.wait_for(lambda: query in sim.inline_answers)
    primero = sim.inline_answers[query][0]
    assert primero["title"] == "Personas con quienes hablar ahora"
    assert_no_english(primero["input_message_content"]["message_text"])
    # Everyday words offer reflections and readings as before, no lines.
    query = sim.inline_query(member, "craving")
    await sim.wait_for(lambda: query in sim.inline_answers)
    assert sim.inline_answers[query][0]["title"] != "People to talk to now"


async def test_a_group_crisis_post_belongs_to_everyone(harness: Harness) -> None:
    sim = harness.sim
    admin, member = sim.add_user("Chair"), sim.add_user("Jo")
    friend = sim.add_user("Kit", started=True)  # Kit has written to the bot before
    group = group_with_bot_as_admin(sim, admin, member, friend)
    post = await say(sim, member, "honestly i dont want to be alive anymore", chat=group)
    assert button_labels(post)[0] == "United States"
    before = post.text
    # Kit picks a country: the lines come to Kit privately, and the post stays as it was.
    press(sim, friend, post, "Ireland")
    private = await bot_says(sim, sim.private_chat(friend), "Samaritans")
    assert "112 or 999" in private.text
    assert post.text == before
    # Jo has no private chat with the bot: the lines come as a new message in the group.
    last = max(m.message_id for m in sim.messages(group))
    press(sim, member, post, "Spain")
    posted = await bot_says(sim, group, "024", after=last)
    assert posted.message_id != post.message_id
    assert post.text == before


async def test_a_region_typed_with_a_crisis_is_never_echoed(harness: Harness) -> None:
    sim = harness.sim
    admin, member = sim.add_user("Chair"), sim.add_user("Lou")
    group = group_with_bot_as_admin(sim, admin, member)
    sent = sim.send_text(member, "/resources honestly I don't want to be alive anymore", chat=group)
    await sim.wait_for(
        lambda: len([m for m in sim.messages(group) if m.message_id > sent.message_id]) >= 2
    )
    answers = [m.text or "" for m in sim.messages(group) if m.message_id > sent.message_id]
    assert any("If anyone here is going through something heavy" in a for a in answers)
    assert any("I don't know that region" in a for a in answers)
    for answer in answers:
        assert "alive anymore" not in answer.lower()
        assert "honestly" not in answer.lower()
