"""Daily reflections as members and groups meet them, with an injected clock: /today,
/reflection, /zone, /daily, /stop, deliveries across days, daylight saving and restarts."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application
from bot.delivery.deliver import deliver_due
from bot.delivery.schedule import local_instant
from bot.handlers.daily import deliver_now
from bot.platform.store import DATABASE_FILE_NAME, PostgresStore, SqliteStore, Store
from bot.readings.reflections import load_reflections, load_year
from bot.sim import BotApiSimulator, SimChat, SimMessage, SimUser
from tests.conftest import Harness
from tests.test_e2e_foundation import button_labels, say

REFLECTIONS = load_reflections()
SPANISH = load_year().translations["es"]
BERLIN = ZoneInfo("Europe/Berlin")


def deliveries(
    sim: BotApiSimulator, chat: SimChat, thread_id: int | None = None
) -> list[SimMessage]:
    """What the bot sent on a schedule: messages carrying the Share button."""
    return [
        m
        for m in sim.messages(chat, thread_id=thread_id)
        if any(b.switch_inline_query is not None for row in m.buttons for b in row)
        and not any(b.callback_data for row in m.buttons for b in row)
    ]


async def subscribe_in_berlin(harness: Harness, member: SimUser, time: str) -> None:
    sim = harness.sim
    zone = await say(sim, member, "/zone Europe/Berlin")
    assert "Europe/Berlin" in zone.text
    done = await say(sim, member, f"/daily {time}")
    assert f"every day at <b>{time}</b> (Europe/Berlin)" in done.html


async def test_today_asks_for_a_zone_and_uses_utc_until_then(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 4, 23, 30, tzinfo=UTC)  # already the 5th in Berlin
    member = sim.add_user("Mara", started=True)
    sent = sim.send_text(member, "/today")
    chat = sim.private_chat(member)
    reading = await sim.next_bot_message(chat, after=sent.message_id)
    assert REFLECTIONS["01-04"].title in reading.text  # UTC: still the 4th
    prompt = await sim.next_bot_message(chat, after=reading.message_id)
    assert "this is today in UTC" in prompt.text
    sim.press_button(member, prompt, index=button_labels(prompt).index("Europe & Africa"))
    await sim.wait_for(lambda: "Berlin" in button_labels(prompt))
    sim.press_button(member, prompt, index=button_labels(prompt).index("Berlin"))
    confirmed = await sim.next_bot_message(chat, after=prompt.message_id)
    assert "Europe/Berlin" in confirmed.text
    today = await say(sim, member, "/today")
    assert REFLECTIONS["01-05"].title in today.text
    assert "For today:" in today.text


async def test_reflection_for_a_day_its_neighbours_and_sharing(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
    member = sim.add_user("Nell", started=True)
    for typed in ("Jan 3", "3 January", "01-03", "3.1", "03.01.2027", "2027-01-03", "3 Jan 2027"):
        shown = await say(sim, member, f"/reflection {typed}")
        assert REFLECTIONS["01-03"].title in shown.text
    tomorrow = await say(sim, member, "/reflection tomorrow")
    assert REFLECTIONS["01-11"].title in tomorrow.text
    assert button_labels(tomorrow) == ["‹ Previous day", "Next day ›", "Share"]
    assert tomorrow.buttons[1][0].switch_inline_query == "01-11"
    sim.press_button(member, tomorrow, index=1)
    await sim.wait_for(lambda: REFLECTIONS["01-12"].title in tomorrow.text)
    wrong = await say(sim, member, "/reflection someday soon")
    assert "/reflection 29 Feb" in wrong.text
    new_year_eve = await say(sim, member, "/reflection 31/12")
    assert REFLECTIONS["12-31"].title in new_year_eve.text
    leap_day = await say(sim, member, "/reflection 29 Feb")
    assert REFLECTIONS["02-29"].title in leap_day.text
    assert leap_day.text.startswith("29 February")


async def test_daily_takes_the_times_people_type(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Ama", started=True)
    morning = await say(sim, member, "/daily 7am")
    assert "every day at <b>07:00</b>" in morning.html
    evening = await say(sim, member, "/daily 7.30pm")
    assert "every day at <b>19:30</b>" in evening.html
    wrong = await say(sim, member, "/daily 25 o'clock")
    assert "couldn't read that time" in wrong.text
    assert "25 o'clock" not in wrong.text


async def test_in_a_group_only_admins_are_offered_the_zone_picker(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
    admin, member = sim.add_user("Ada"), sim.add_user("Mo")
    group = sim.add_group("Evening", members=[member], admins=[admin], bot_is_admin=True)
    refused = await say(sim, member, "/zone", chat=group)
    assert "Only the group's admins" in refused.text
    assert refused.buttons == []
    typed = await say(sim, member, "/zone Europe/Berlin", chat=group)
    assert "Only the group's admins" in typed.text
    picker = await say(sim, admin, "/zone", chat=group)
    assert button_labels(picker)[0] == "Americas"
    query = sim.press_button(member, picker, index=1)
    await sim.wait_for(lambda: query in sim.callback_answers)
    assert sim.callback_answers[query]["show_alert"]
    assert "Only the group's admins" in sim.callback_answers[query]["text"]
    assert "Pick the city" not in picker.text, "a member's tap changes nothing"
    set_by_admin = await say(sim, admin, "/zone Europe/Berlin", chat=group)
    assert "<b>Europe/Berlin</b>" in set_by_admin.html
    shown = await say(sim, member, "/zone", chat=group)
    assert "This chat's time zone is <b>Europe/Berlin</b> (it is 13:00 there)" in shown.html
    assert "Only the group's admins" in shown.text


async def test_a_spanish_member_reads_the_day_in_spanish_every_way_it_comes(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 11, 22, 12, 0, tzinfo=UTC)
    member = sim.add_user("Lucía", started=True, language_code="es")
    await say(sim, member, "/zone Europe/Madrid")
    today = await say(sim, member, "/today")
    assert today.text.startswith("22 de noviembre")
    reflection = SPANISH["11-22"]
    assert reflection.title in today.text
    assert f"Para hoy: {reflection.question}" in today.text
    assert REFLECTIONS["11-22"].question not in today.text
    other = await say(sim, member, "/reflection 31/12")
    assert other.text.startswith("31 de diciembre")
    assert SPANISH["12-31"].title in other.text
    await say(sim, member, "/daily 13:00")
    harness.clock.now = datetime(2027, 11, 23, 12, 0, tzinfo=UTC)  # 13:00 in Madrid
    await deliver_now(harness.app)
    [delivered] = deliveries(sim, sim.private_chat(member))
    assert delivered.text.split("\n")[1] == SPANISH["11-23"].title
    query = sim.inline_query(member, "")
    await sim.wait_for(lambda: query in sim.inline_answers)
    assert sim.inline_answers[query][0]["title"] == SPANISH["11-23"].title
    sponsor = sim.add_user("Zia", started=True)
    query = sim.inline_query(sponsor, "")
    await sim.wait_for(lambda: query in sim.inline_answers)
    assert sim.inline_answers[query][0]["title"] == REFLECTIONS["11-23"].title


async def test_a_wrong_zone_gets_a_close_suggestion(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Oto", started=True)
    answer = await say(sim, member, "/zone Europe/Berln")
    assert "Did you mean <b>Europe/Berlin</b>?" in answer.html
    sim.press_button(member, answer, index=0)
    confirmed = await sim.next_bot_message(sim.private_chat(member), after=answer.message_id)
    assert "Europe/Berlin" in confirmed.text


async def test_an_offset_means_what_people_mean(harness: Harness) -> None:
    """GMT+2 is two hours east of Greenwich, whatever POSIX's Etc/GMT+2 says."""
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
    member = sim.add_user("Oda", started=True)
    east = await say(sim, member, "/zone GMT+2")
    assert "<b>UTC+2</b> (it is 05:00 there)" in east.html
    assert "fixed offset" in east.text
    west = await say(sim, member, "/zone utc -3")
    assert "<b>UTC-3</b> (it is 00:00 there)" in west.html
    daily = await say(sim, member, "/daily 07:30")
    assert "07:30</b> (UTC-3)" in daily.html
    harness.clock.now = datetime(2027, 1, 5, 10, 29, tzinfo=UTC)
    await deliver_now(harness.app)
    assert deliveries(sim, sim.private_chat(member)) == []
    harness.clock.now = datetime(2027, 1, 5, 10, 30, tzinfo=UTC)  # 07:30 at UTC-3
    await deliver_now(harness.app)
    assert len(deliveries(sim, sim.private_chat(member))) == 1


async def test_setting_a_zone_moves_the_daily_and_says_so(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 4, 20, 0, tzinfo=UTC)
    member = sim.add_user("Zeno", started=True)
    chat = sim.private_chat(member)
    subscribed = await say(sim, member, "/daily 07:00")
    assert "07:00</b> (UTC)" in subscribed.html
    moved = await say(sim, member, "/zone Europe/Berlin")
    assert "keeps its time in the new zone: the daily reflection at 07:00" in moved.text
    current = await say(sim, member, "/daily")
    assert "07:00</b> (Europe/Berlin)" in current.html
    harness.clock.now = datetime(2027, 1, 5, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == 1
    harness.clock.now = datetime(2027, 1, 5, 7, 0, tzinfo=UTC)  # 07:00 UTC: not again
    await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == 1
    again = await say(sim, member, "/zone Europe/Berlin")
    assert "keeps its time" not in again.text, "nothing moved"


async def test_a_half_hour_offset_or_an_abbreviation_leads_to_the_usual_city(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
    member = sim.add_user("Ravi", started=True)
    india = await say(sim, member, "/zone UTC+5:30")
    assert "<b>Asia/Kolkata</b>" in india.html
    sim.press_button(member, india, index=0)
    confirmed = await sim.next_bot_message(sim.private_chat(member), after=india.message_id)
    assert "<b>Asia/Kolkata</b> (it is 08:30 there)" in confirmed.html
    est = await say(sim, member, "/zone EST")
    assert "more than one time zone" in est.text
    assert "<b>America/New_York</b>" in est.html
    assert "Australia" not in est.text
    spanish = sim.add_user("Inés", started=True, language_code="es")
    cst = await say(sim, spanish, "/zone CST")
    assert "<b>America/Chicago</b>" in cst.html
    assert "más de una zona horaria" in cst.text
    picker = await say(sim, spanish, "/zone")
    assert button_labels(picker) == ["América", "Europa y África", "Asia y el Pacífico"]
    sim.press_button(spanish, picker, index=1)
    await sim.wait_for(lambda: "Londres" in button_labels(picker))
    assert {"Berlín", "Lisboa", "Atenas", "Johannesburgo"} <= set(button_labels(picker))
    sim.press_button(spanish, picker, index=button_labels(picker).index("Londres"))
    chosen = await sim.next_bot_message(sim.private_chat(spanish), after=picker.message_id)
    assert "<b>Europe/London</b>" in chosen.html


async def test_daily_delivery_arrives_once_a_day_in_the_right_chat(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 4, 20, 0, tzinfo=UTC)
    member = sim.add_user("Pia", started=True)
    chat = sim.private_chat(member)
    await subscribe_in_berlin(harness, member, "07:30")
    await deliver_now(harness.app)
    assert deliveries(sim, chat) == []
    harness.clock.now = datetime(2027, 1, 5, 6, 30, tzinfo=UTC)  # 07:30 in Berlin
    await deliver_now(harness.app)
    await deliver_now(harness.app)
    got = deliveries(sim, chat)
    assert [REFLECTIONS["01-05"].title in m.text for m in got] == [True]
    harness.clock.now += timedelta(days=1)  # across the day boundary
    await deliver_now(harness.app)
    assert [m.text.split("\n")[1] for m in deliveries(sim, chat)] == [
        REFLECTIONS["01-05"].title,
        REFLECTIONS["01-06"].title,
    ]
    current = await say(sim, member, "/daily")
    assert "every day at <b>07:30</b>" in current.html
    assert button_labels(current) == ["Change the time", "Stop it"]


async def test_a_forum_topic_gets_its_delivery_in_the_topic(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 7, 5, 0, tzinfo=UTC)
    admin = sim.add_user("Quin")
    hall = sim.add_group("Fellowship Hall", forum=True, members=[admin], admins=[admin])
    topic = sim.add_topic(hall, "Morning readings")
    done = await say(sim, admin, "/daily 08:00", chat=hall, thread_id=topic)
    assert "08:00" in done.text
    harness.clock.now = datetime(2027, 1, 7, 8, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    got = deliveries(sim, hall, thread_id=topic)
    assert len(got) == 1
    assert got[0].thread_id == topic
    assert REFLECTIONS["01-07"].title in got[0].text


async def test_daylight_saving_forward_and_back_deliver_once(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Rui", started=True)
    chat = sim.private_chat(member)
    harness.clock.now = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
    await subscribe_in_berlin(harness, member, "02:30")
    # 28 March 2027: clocks jump from 02:00 to 03:00; 02:30 does not exist that night.
    spring = local_instant(date(2027, 3, 28), 150, BERLIN)
    assert spring == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    harness.clock.now = spring - timedelta(minutes=1)
    await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == 0
    harness.clock.now = spring
    await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == 1
    # 31 October 2027: clocks go back from 03:00 to 02:00; 02:30 happens twice.
    harness.clock.now = datetime(2027, 10, 30, 12, 0, tzinfo=UTC)
    await deliver_now(harness.app)  # the months between are skipped as too late
    before = len(deliveries(sim, chat))
    first = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    for moment in (first, first + timedelta(minutes=30), first + timedelta(hours=1)):
        harness.clock.now = moment
        await deliver_now(harness.app)
    assert len(deliveries(sim, chat)) == before + 1


async def test_a_restart_loses_nothing_and_catches_up_within_six_hours(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 8, 12, 0, tzinfo=UTC)
    early, late = sim.add_user("Sol", started=True), sim.add_user("Tem", started=True)
    await subscribe_in_berlin(harness, early, "07:00")
    await subscribe_in_berlin(harness, late, "01:00")
    await harness.restart()
    # The bot was down from 12:00 on the 8th; it is back at 11:00 UTC on the 9th.
    harness.clock.now = datetime(2027, 1, 9, 11, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    # 07:00 Berlin (06:00 UTC) is five hours late: sent. 01:00 Berlin is eleven: skipped.
    assert [
        REFLECTIONS["01-09"].title in m.text for m in deliveries(sim, sim.private_chat(early))
    ] == [True]
    assert deliveries(sim, sim.private_chat(late)) == []
    harness.clock.now = datetime(2027, 1, 10, 0, 0, tzinfo=UTC)  # 01:00 in Berlin
    await deliver_now(harness.app)
    assert [
        REFLECTIONS["01-10"].title in m.text for m in deliveries(sim, sim.private_chat(late))
    ] == [True]


async def test_a_chat_that_blocked_the_bot_loses_its_subscription(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 11, 5, 0, tzinfo=UTC)
    member = sim.add_user("Uma", started=True)
    await subscribe_in_berlin(harness, member, "07:00")
    member.blocked = True  # blocked without the bot hearing of it: the send is refused
    harness.clock.now = datetime(2027, 1, 11, 6, 0, tzinfo=UTC)
    report = await deliver_now(harness.app)
    assert report.removed == 1
    chat_key = harness.services.keyring.pseudonym(member.id)
    assert await harness.services.store.subscriptions_of(chat_key) == []


async def test_a_429_storm_delays_but_loses_nothing(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 12, 5, 0, tzinfo=UTC)
    members = [sim.add_user(f"M{n}", started=True) for n in range(3)]
    for member in members:
        await subscribe_in_berlin(harness, member, "07:00")
    sim.faults.add("sendMessage", "429", times=6, retry_after=1)
    harness.clock.now = datetime(2027, 1, 12, 6, 0, tzinfo=UTC)
    await deliver_now(harness.app)
    for member in members:
        assert len(deliveries(sim, sim.private_chat(member))) == 1


async def test_two_instances_ticking_at_once_send_each_delivery_once(harness: Harness) -> None:
    """A second instance on the same database ticks beside the first: each claims what it
    sends, so every member gets the day's reflection once, from one or the other."""
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 13, 5, 0, tzinfo=UTC)
    members = [sim.add_user(f"N{n}", started=True) for n in range(12)]
    for member in members:
        await subscribe_in_berlin(harness, member, "07:00")
    services = harness.services
    check = services.keyring.check_value()
    if harness.postgres_url is not None:
        store: Store = await PostgresStore.open(harness.postgres_url, check)
    else:
        store = await SqliteStore.open(harness.data_dir / DATABASE_FILE_NAME, check)
    second = build_application(dataclasses.replace(services, store=store))
    try:
        async with second:
            harness.clock.now = datetime(2027, 1, 13, 6, 0, tzinfo=UTC)
            reports = await asyncio.gather(deliver_now(harness.app), deliver_now(second))
    finally:
        await store.close()
    assert sum(report.sent for report in reports) == len(members)
    for member in members:
        assert len(deliveries(sim, sim.private_chat(member))) == 1


async def test_deliveries_a_stopping_bot_had_claimed_are_let_go_for_the_next(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 14, 5, 0, tzinfo=UTC)
    member = sim.add_user("Oona", started=True)
    await subscribe_in_berlin(harness, member, "07:00")
    harness.clock.now = datetime(2027, 1, 14, 6, 0, tzinfo=UTC)
    sending = asyncio.Event()

    async def never_answered(*_: object) -> None:
        sending.set()
        await asyncio.Event().wait()

    async def no_notice(*_: object) -> None:
        raise AssertionError("nothing was refused")

    services = harness.services
    run = asyncio.create_task(deliver_due(harness.clock(), services, never_answered, no_notice))
    await asyncio.wait_for(sending.wait(), timeout=10)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    # Not held for the claim's ten minutes: the next tick sends it.
    await deliver_now(harness.app)
    assert len(deliveries(sim, sim.private_chat(member))) == 1


async def test_only_admins_change_a_group_s_delivery(harness: Harness) -> None:
    sim = harness.sim
    admin, member = sim.add_user("Vera"), sim.add_user("Walt")
    group = sim.add_group("Evening Group", members=[admin, member], admins=[admin])
    refused = await say(sim, member, "/daily 09:00", chat=group)
    assert "Only the group's admins" in refused.text
    sent = sim.send_text(admin, "/daily 09:00", chat=group, as_anonymous_admin=True)
    accepted = await sim.next_bot_message(group, after=sent.message_id)
    assert "every day at" in accepted.text
    stop_refused = await say(sim, member, "/stop", chat=group)
    assert "Only the group's admins" in stop_refused.text


async def test_stop_stops_everything_and_says_what(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Xena", started=True)
    await subscribe_in_berlin(harness, member, "07:15")
    stopped = await say(sim, member, "/stop")
    assert "the daily reflection at 07:15" in stopped.text
    again = await say(sim, member, "/stop")
    assert "Nothing was scheduled here" in again.text
    off = await say(sim, member, "/daily off")
    assert "no daily reflection here to stop" in off.text


async def test_stop_in_a_forum_topic_stops_that_topic_and_names_the_rest(
    harness: Harness,
) -> None:
    sim = harness.sim
    admin = sim.add_user("Yara")
    forum = sim.add_group("Fellowship", admins=[admin], bot_is_admin=True, forum=True)
    morning = sim.add_topic(forum, "Morning", by=admin)
    evening = sim.add_topic(forum, "Evening", by=admin)
    await say(sim, admin, "/daily 07:00", chat=forum, thread_id=morning)
    await say(sim, admin, "/daily 21:00", chat=forum, thread_id=evening)
    stopped = await say(sim, admin, "/stop", chat=forum, thread_id=morning)
    assert "the daily reflection at 07:00" in stopped.text
    assert "Still coming in other topics of this group: the daily reflection at 21:00" in (
        stopped.text
    )
    still = await say(sim, admin, "/daily", chat=forum, thread_id=evening)
    assert "21:00" in still.text
    nothing = await say(sim, admin, "/stop", chat=forum, thread_id=morning)
    assert "Nothing was scheduled here" in nothing.text
    assert "/stop all" in nothing.text
    everything = await say(sim, admin, "/stop all", chat=forum, thread_id=morning)
    assert "the daily reflection at 21:00" in everything.text
    assert "other topics" not in everything.text
    gone = await say(sim, admin, "/daily", chat=forum, thread_id=evening)
    assert "When would you like the daily reflection here?" in gone.text


async def test_forget_erases_the_zone_and_the_subscription(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Yusuf", started=True)
    await subscribe_in_berlin(harness, member, "06:45")
    forgot = await say(sim, member, "/forget")
    assert "(2 records)" in forgot.text
    key = harness.services.keyring.pseudonym(member.id)
    assert await harness.services.store.get_zone(key, harness.clock()) is None


async def test_inline_offers_today_first_then_matches(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 14, 12, 0, tzinfo=UTC)
    sponsor = sim.add_user("Zia", started=True)
    query = sim.inline_query(sponsor, "")
    await sim.wait_for(lambda: query in sim.inline_answers)
    results = sim.inline_answers[query]
    assert results[0]["title"] == REFLECTIONS["01-14"].title
    call = sim.calls_to("answerInlineQuery")[-1]
    assert call.params["is_personal"] is True
    query = sim.inline_query(sponsor, "craving")
    await sim.wait_for(lambda: query in sim.inline_answers)
    titles = [r["title"] for r in sim.inline_answers[query]]
    assert titles[0] == REFLECTIONS["01-14"].title
    assert len(titles) > 2
    query = sim.inline_query(sponsor, "Jan 3")
    await sim.wait_for(lambda: query in sim.inline_answers)
    assert sim.inline_answers[query][0]["title"] == REFLECTIONS["01-03"].title


async def test_a_group_that_becomes_a_supergroup_keeps_its_delivery(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = datetime(2027, 1, 15, 5, 0, tzinfo=UTC)
    admin = sim.add_user("Abe")
    group = sim.add_group(
        "Small Group", supergroup=False, members=[admin], admins=[admin], bot_is_admin=True
    )
    done = await say(sim, admin, "/daily 07:00", chat=group)
    assert "every day at" in done.text
    bigger = sim.migrate_group(group)
    await sim.wait_for(lambda: sim.calls_to("getUpdates") and not sim.pending_updates)
    harness.clock.now = datetime(2027, 1, 15, 7, 0, tzinfo=UTC)
    for _ in range(3):
        await deliver_now(harness.app)
    assert len(deliveries(sim, bigger)) == 1
    assert deliveries(sim, group) == []
