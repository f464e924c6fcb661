"""The library as members meet it: browse, page, take, leave, search, in private and groups."""

from __future__ import annotations

from bot.readings.library import load_library
from bot.sim import BotApiSimulator, SimMessage
from tests.conftest import Harness
from tests.test_e2e_foundation import button_labels, say

LIBRARY = load_library()
BIG_TOPIC = max(LIBRARY.topics, key=lambda t: len(LIBRARY.in_topic(t.id)))


def press(sim: BotApiSimulator, user, message: SimMessage, label: str) -> str:  # type: ignore[no-untyped-def]
    return sim.press_button(user, message, index=button_labels(message).index(label))


async def open_topic(sim: BotApiSimulator, user, chat=None) -> SimMessage:  # type: ignore[no-untyped-def]
    menu = await say(sim, user, "/library", chat=chat)
    press(sim, user, menu, BIG_TOPIC.title)
    await sim.wait_for(lambda: BIG_TOPIC.title in menu.text)
    return menu


async def test_browse_topics_pages_and_a_reading(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Ro", started=True)
    menu = await say(sim, member, "/library")
    assert "Take what you want and leave the rest" in menu.text
    assert {t.title for t in LIBRARY.topics} <= set(button_labels(menu))
    assert "Surprise me" in button_labels(menu)
    page = await open_topic(sim, member)
    readings = LIBRARY.in_topic(BIG_TOPIC.id)
    pages = -(-len(readings) // 4)
    assert pages >= 2
    assert f"(page 1 of {pages})" in page.text
    assert [r.title for r in readings[:4]] == button_labels(page)[:4]
    press(sim, member, page, "Next ›")
    await sim.wait_for(lambda: f"(page 2 of {pages})" in page.text)
    assert readings[4].title in button_labels(page)
    press(sim, member, page, readings[4].title)
    await sim.wait_for(lambda: "Take" in button_labels(page))
    assert readings[4].summary in page.text
    assert button_labels(page) == ["Take", "Leave", "Topics", "Surprise me"]
    assert readings[4].body.split()[0] in page.text


async def test_take_in_a_private_chat_sends_a_clean_copy(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Sia", started=True)
    chat = sim.private_chat(member)
    page = await open_topic(sim, member)
    reading = LIBRARY.in_topic(BIG_TOPIC.id)[0]
    press(sim, member, page, reading.title)
    await sim.wait_for(lambda: "Take" in button_labels(page))
    assert reading.summary in page.text
    query = press(sim, member, page, "Take")
    copy = await sim.next_bot_message(chat, after=page.message_id)
    assert copy.text.startswith(reading.title)
    assert "From the Porchlight library" in copy.text
    assert copy.buttons == []
    await sim.wait_for(lambda: query in sim.callback_answers)
    assert sim.callback_answers[query]["text"] == "Here's a copy to keep."


async def test_leave_walks_the_topic_to_its_end(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Tao", started=True)
    page = await open_topic(sim, member)
    readings = LIBRARY.in_topic(BIG_TOPIC.id)
    press(sim, member, page, readings[0].title)
    for reading in readings:
        await sim.wait_for(lambda r=reading: f"{r.title}\n{r.summary}" in page.text)
        press(sim, member, page, "Leave")
    await sim.wait_for(lambda: "That's every reading in" in page.text)
    assert button_labels(page) == ["Topics", "Surprise me"]
    press(sim, member, page, "Surprise me")
    await sim.wait_for(lambda: "Take" in button_labels(page))


async def test_search_with_and_without_results(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Uli", started=True)
    found = await say(sim, member, "/library Cravings")
    assert 'Readings for "Cravings"' in found.text
    first = button_labels(found)[0]
    assert any(r.title == first and "cravings" in r.topics for r in LIBRARY.readings.values())
    nothing = await say(sim, member, "/library zzzz qqqq")
    assert "I found no reading" in nothing.text
    assert BIG_TOPIC.title in button_labels(nothing)


async def test_a_spanish_member_finds_readings_and_topics_in_spanish(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Rocío", started=True, language_code="es")
    found = await say(sim, member, "/library recaída")
    first = button_labels(found)[0]
    assert any(r.title == first and "slips" in r.topics for r in LIBRARY.readings.values())
    menu = await say(sim, member, "/library")
    labels = button_labels(menu)
    assert "Ansias e impulsos" in labels
    assert "Cravings and urges" not in labels


async def test_another_member_pressing_gets_their_own_answer(harness: Harness) -> None:
    sim = harness.sim
    opener, other = sim.add_user("Vic"), sim.add_user("Wes")
    group = sim.add_group("Evening Group", members=[opener, other])
    menu = await say(sim, opener, "/library", chat=group)
    before = menu.text
    press(sim, other, menu, BIG_TOPIC.title)
    theirs = await sim.next_bot_message(group, after=menu.message_id)
    assert BIG_TOPIC.title in theirs.text
    assert menu.text == before
    assert menu.edited == 0
    # The opener's own press changes the opener's message in place.
    press(sim, opener, menu, BIG_TOPIC.title)
    await sim.wait_for(lambda: BIG_TOPIC.title in menu.text)


async def test_take_from_a_group_goes_to_the_presser_s_private_chat(harness: Harness) -> None:
    sim = harness.sim
    opener = sim.add_user("Xia", started=True)
    group = sim.add_group("Evening Group", members=[opener])
    page = await open_topic(sim, opener, chat=group)
    reading = LIBRARY.in_topic(BIG_TOPIC.id)[1]
    press(sim, opener, page, reading.title)
    await sim.wait_for(lambda: "Take" in button_labels(page))
    assert reading.summary in page.text
    query = press(sim, opener, page, "Take")
    copy = await sim.next_bot_message(sim.private_chat(opener))
    assert copy.text.startswith(reading.title)
    await sim.wait_for(lambda: query in sim.callback_answers)
    assert sim.callback_answers[query]["text"] == "Sent to our private chat: it's yours to keep."
    assert not [m for m in sim.messages(group) if m.text.startswith(reading.title + "\n\n")]


async def test_take_without_a_private_chat_gets_a_link_that_delivers_it(harness: Harness) -> None:
    sim = harness.sim
    opener, newcomer = sim.add_user("Yan", started=True), sim.add_user("Zed")
    group = sim.add_group("Evening Group", members=[opener, newcomer])
    page = await open_topic(sim, opener, chat=group)
    reading = LIBRARY.in_topic(BIG_TOPIC.id)[2]
    press(sim, opener, page, reading.title)
    await sim.wait_for(lambda: "Take" in button_labels(page))
    assert reading.summary in page.text
    query = press(sim, newcomer, page, "Take")
    await sim.wait_for(lambda: query in sim.callback_answers)
    link = sim.callback_answers[query]["url"]
    assert link == f"https://t.me/{sim.bot_user.username}?start=take-{reading.id}"
    copy = await say(sim, newcomer, f"/start take-{reading.id}")
    assert copy.text.startswith(reading.title)
    assert "From the Porchlight library" in copy.text


async def test_a_forged_library_button_says_it_has_expired(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Ada", started=True)
    menu = await say(sim, member, "/library")
    sim.press_raw_callback(member, menu, f"lib:r:{next(iter(LIBRARY.readings))}:0:-:zz:forged00000")
    answer = await sim.next_bot_message(sim.private_chat(member), after=menu.message_id)
    assert "This button has expired" in answer.text
