"""The meeting directory end to end, with an injected clock: a group lists its scheduled
meetings and takes them out; a member asks /meetings across zones (a group in London, a
member in Tokyo), in summer and winter, tomorrow, in one language; a link that stops
working; the bot leaving; and the privacy audit over all of it."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.meetings.scheduled import run_due
from bot.sim import BotApiSimulator, SimChat, SimMessage, SimUser
from tests.conftest import Harness
from tests.peer_helpers import bot_says, press
from tests.privacy_audit import KnownMember, captured_logs, find_leaks, forbidden_needles
from tests.test_e2e_foundation import button_labels, say

# Monday 4 January 2027, 20:30 UTC: 20:30 in London, 05:30 on Tuesday in Tokyo.
WINTER = datetime(2027, 1, 4, 20, 30, tzinfo=UTC)


def join_urls(message: SimMessage) -> list[str]:
    return [b.url for row in message.buttons for b in row if b.url]


async def london_group(
    sim: BotApiSimulator, *, title: str = "London evening", bot_may_invite: bool = True
) -> tuple[SimChat, SimUser]:
    admin = sim.add_user("Chair")
    group = sim.add_group(
        "Evening Group", members=[sim.add_user("Ana")], admins=[admin], bot_is_admin=True
    )
    if not bot_may_invite:
        sim.set_member_status(group, sim.bot_user, "administrator", can_invite_users=False)
    await say(sim, admin, "/zone Europe/London", chat=group)
    await say(sim, admin, f"/meeting schedule daily 21:00 {title}", chat=group)
    return group, admin


async def tokyo_member(sim: BotApiSimulator, name: str = "Kaito") -> SimUser:
    member = sim.add_user(name, started=True)
    zone = await say(sim, member, "/zone Asia/Tokyo")
    assert "Asia/Tokyo" in zone.text
    return member


async def test_a_group_lists_its_meetings_and_takes_them_out(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    group, admin = await london_group(sim)
    ana = next(u for u in sim.world.users.values() if u.first_name == "Ana")
    status = await say(sim, ana, "/meeting listing", chat=group)
    assert "/meeting listing on" in status.text
    refused = await say(sim, ana, "/meeting listing on", chat=group)
    assert "Only the group's admins" in refused.text
    wrong = await say(sim, admin, "/meeting listing on whenever", chat=group)
    assert "/meeting listing on en newcomers approve" in wrong.text
    assert sim.invite_links(group) == []
    listed = await say(sim, admin, "/meeting listing on en newcomers", chat=group)
    assert "Listed in the directory" in listed.text
    assert "English · newcomers welcome" in listed.text
    assert "Nothing about any member is listed" in listed.text
    links = sim.invite_links(group)
    assert len(links) == 1
    assert links[0].name == "Porchlight directory"
    assert not links[0].creates_join_request
    shown = await say(sim, ana, "/meeting listing", chat=group)
    assert "in the directory, with its scheduled meetings (1 now), English" in shown.text
    member = await tokyo_member(sim)
    found = await say(sim, member, "/meetings")
    assert "Meetings you can join</b> (times are yours: Asia/Tokyo)" in found.html
    assert "In the next few hours" in found.text
    assert "06:00, in 30 min: London evening (Open discussion)" in found.text
    assert button_labels(found) == ["Join: London evening"]
    assert join_urls(found) == [links[0].invite_link]
    off = await say(sim, admin, "/meeting listing off", chat=group)
    assert "Out of the directory" in off.text
    assert sim.invite_links(group)[0].is_revoked
    gone = await say(sim, member, "/meetings")
    assert "No listed meeting starts in the next week" in gone.text
    reflection = await sim.next_bot_message(sim.private_chat(member), after=gone.message_id)
    assert "For today:" in reflection.text
    again = await say(sim, admin, "/meeting listing off", chat=group)
    assert "isn't in the directory" in again.text


async def test_listing_needs_a_bot_that_may_invite(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    group, admin = await london_group(sim, bot_may_invite=False)
    refused = await say(sim, admin, "/meeting listing on", chat=group)
    assert "I need to be an admin that may invite users" in refused.text
    assert sim.invite_links(group) == []
    sim.set_member_status(group, sim.bot_user, "administrator")
    approve = await say(sim, admin, "/meeting listing on approve", chat=group)
    assert "which asks an admin to approve each person" in approve.text
    assert sim.invite_links(group)[0].creates_join_request
    member = await tokyo_member(sim)
    found = await say(sim, member, "/meetings")
    assert button_labels(found) == ["Ask to join: London evening"]
    assert "an admin lets you in" in found.text
    # The check that the link works (an edit, all the Bot API offers) keeps it as it was.
    harness.clock.advance(timedelta(hours=7))
    await run_due(harness.app)
    store, keyring = harness.services.store, harness.services.keyring
    checked = await store.listing(keyring.pseudonym(group.id))
    assert checked is not None
    assert checked.checked_at == harness.clock().replace(microsecond=0)  # it was checked
    [link] = sim.invite_links(group)
    assert link.creates_join_request
    assert not link.is_revoked
    assert link.name == "Porchlight directory"


async def test_local_times_across_zones_summer_winter_and_tomorrow(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    group, admin = await london_group(sim)
    await say(sim, admin, "/meeting listing on", chat=group)
    member = await tokyo_member(sim)
    # Winter: London's 21:00 is 06:00 in Tokyo. Summer (BST): 05:00. (Within the 180 days
    # the member's zone is kept.)
    winter = await say(sim, member, "/meetings")
    assert "06:00, in 30 min" in winter.text
    harness.clock.now = datetime(2027, 6, 1, 19, 30, tzinfo=UTC)
    summer = await say(sim, member, "/meetings")
    assert "05:00, in 30 min: London evening" in summer.text
    # Starting now: begun ten minutes ago.
    harness.clock.now = datetime(2027, 6, 1, 20, 10, tzinfo=UTC)
    started = await say(sim, member, "/meetings")
    assert "Starting now" in started.text
    assert "05:00, began 10 min ago" in started.text
    # Tomorrow in Tokyo (Thursday 3 June there) holds one start, at 05:00 local.
    tomorrow = await say(sim, member, "/meetings tomorrow")
    assert "Tomorrow" in tomorrow.text
    assert "05:00, in 23 h 50 min: London evening" in tomorrow.text
    # Nothing in the next six hours: the next ones, and today's reflection.
    harness.clock.now = datetime(2027, 6, 1, 21, 0, tzinfo=UTC)
    later = await say(sim, member, "/meetings")
    assert "Nothing listed starts in the next few hours" in later.text
    assert "The next ones" in later.text
    assert "in 23 h 0 min" in later.text
    reflection = await sim.next_bot_message(sim.private_chat(member), after=later.message_id)
    assert "For today:" in reflection.text


async def test_languages_and_what_members_type(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    group, admin = await london_group(sim)
    await say(sim, admin, "/meeting listing on en", chat=group)
    spanish_admin = sim.add_user("Lola", language_code="es")
    madrid = sim.add_group("Grupo", admins=[spanish_admin], bot_is_admin=True)
    await say(sim, spanish_admin, "/zone Europe/Madrid", chat=madrid)
    await say(sim, spanish_admin, "/meeting schedule diario 22:00 Noche de Madrid", chat=madrid)
    listed = await say(sim, spanish_admin, "/meeting listing on nuevos", chat=madrid)
    assert "Publicado en el directorio" in listed.text
    assert "español · recién llegados bienvenidos" in listed.text
    hispanic = sim.add_user("Pilar", started=True, language_code="es")
    found = await say(sim, hispanic, "/meetings")
    assert found.text.index("Noche de Madrid") < found.text.index("London evening")
    assert "21:00, dentro de 30 min: Noche de Madrid (Debate abierto)" in found.text
    assert "Entrar: Noche de Madrid" in button_labels(found)
    assert "(horas tuyas: UTC)" in found.text
    assert "no has fijado tu zona" in found.text
    english = sim.add_user("Mo", started=True)
    first_english = await say(sim, english, "/meetings")
    assert first_english.text.index("London evening") < first_english.text.index("Noche")
    only = await say(sim, english, "/meetings es")
    assert "Noche de Madrid" in only.text
    assert "London evening" not in only.text
    unknown = await say(sim, english, "/meetings whenever you like")
    assert "/meetings tomorrow" in unknown.text
    assert "whenever" not in unknown.text
    in_group = await say(sim, admin, "/meetings", chat=group)
    assert "in a private chat" in in_group.text
    nothing = await say(sim, english, "/meetings fr")
    assert "(Looking only at meetings in FR" in nothing.text


async def test_a_link_that_stops_working_unlists_the_group(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    group, admin = await london_group(sim)
    await say(sim, admin, "/meeting listing on", chat=group)
    member = await tokyo_member(sim)
    harness.clock.advance(timedelta(hours=7))
    await run_due(harness.app)  # checked: still works
    assert "London evening" in (await say(sim, member, "/meetings")).text
    sim.revoke_invite_links(group)  # an admin revoked it in Telegram
    harness.clock.advance(timedelta(hours=7))
    await run_due(harness.app)
    await run_due(harness.app)
    told = await bot_says(sim, group, "I took this group out of the meeting directory")
    assert sum("out of the meeting directory" in (m.text or "") for m in sim.messages(group)) == 1
    assert "/meeting listing on" in told.text
    status = await say(sim, admin, "/meeting listing", chat=group)
    assert "/meeting listing on en newcomers approve" in status.text
    # The bot removed from another listed group: that group leaves the directory too.
    other, other_admin = await london_group(sim, title="Second group")
    await say(sim, other_admin, "/meeting listing on", chat=other)
    sim.my_chat_member_update(other, sim.bot_user, "left")
    store, keyring = harness.services.store, harness.services.keyring
    for _ in range(50):
        if await store.listing(keyring.pseudonym(other.id)) is None:
            break
        await asyncio.sleep(0.1)
    assert await store.listing(keyring.pseudonym(other.id)) is None


async def test_a_meeting_soon_is_offered_beside_a_checkin_and_a_hard_moment(
    harness: Harness,
) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    group, admin = await london_group(sim)
    await say(sim, admin, "/meeting listing on en", chat=group)
    member = await tokyo_member(sim)
    ask = await say(sim, member, "/checkin")
    press(sim, member, ask, "Getting by")
    helps = await sim.next_bot_message(sim.private_chat(member), after=ask.message_id)
    offer = "A meeting at 06:00 (in 30 min): London evening"
    assert button_labels(helps)[-1] == offer
    assert join_urls(helps) == [sim.invite_links(group)[0].invite_link]
    other = await tokyo_member(sim, "Yuki")  # not in a check-in: the words are read alone
    hard = await say(sim, other, "what's the point of anything")
    assert hard.text.startswith("That sounds really hard")
    assert offer in button_labels(hard)
    # Not in the member's language, or hours away: no offer.
    spanish = sim.add_user("Inés", started=True, language_code="es")
    ask = await say(sim, spanish, "/checkin")
    press(sim, spanish, ask, "Voy aguantando")
    helps = await sim.next_bot_message(sim.private_chat(spanish), after=ask.message_id)
    assert join_urls(helps) == []
    harness.clock.now = WINTER + timedelta(hours=3)
    later = await say(sim, other, "what's the point of anything")
    assert join_urls(later) == []


async def test_a_sponsor_shares_a_meetings_card_inline(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    group, admin = await london_group(sim)
    await say(sim, admin, "/meeting listing on en newcomers", chat=group)
    sponsor = sim.add_user("Sponsor", started=True)
    query = sim.inline_query(sponsor, "meetings")
    await sim.wait_for(lambda: query in sim.inline_answers)
    card = sim.inline_answers[query][0]
    assert card["title"] == "London evening"
    assert card["description"] == "in 30 min · English · newcomers welcome"
    shared = card["input_message_content"]["message_text"]
    assert "every day at 21:00, Europe/London time" in shared
    assert "The next: Monday 4 January at 21:00" in shared
    [[button]] = card["reply_markup"]["inline_keyboard"]
    assert button == {"text": "Join: London evening", "url": sim.invite_links(group)[0].invite_link}
    plain = sim.inline_query(sponsor, "gratitude")
    await sim.wait_for(lambda: plain in sim.inline_answers)
    assert all(not r["id"].startswith("m:") for r in sim.inline_answers[plain])


CHAIR = KnownMember(7712345701, "Philippa", "pip_chairs_meetings")
ASKER = KnownMember(7712345702, "Thaddeus", "thad_looks_for_meetings")


@pytest.mark.parametrize("settings_overrides", [{"secret": "audit-" + "d" * 40}])
async def test_the_directory_keeps_nothing_about_anyone(harness: Harness) -> None:
    sim = harness.sim
    harness.clock.now = WINTER
    chair = sim.add_user(CHAIR.first_name, username=CHAIR.username, user_id=CHAIR.telegram_id)
    asker = sim.add_user(
        ASKER.first_name, username=ASKER.username, user_id=ASKER.telegram_id, started=True
    )
    group = sim.add_group("Audit group", admins=[chair], bot_is_admin=True)
    with captured_logs(sim.token) as logs:
        await say(sim, chair, "/zone Europe/London", chat=group)
        await say(sim, chair, "/meeting schedule weekdays 21:00 Audit evening", chat=group)
        await say(sim, chair, "/meeting listing on en newcomers", chat=group)
        await say(sim, asker, "/zone Asia/Tokyo")
        found = await say(sim, asker, "/meetings")
        assert "Audit evening" in found.text
        harness.clock.now = WINTER + timedelta(minutes=30)
        await run_due(harness.app)
        await bot_says(sim, group, "Who you see here and what you hear here stays here.")
        logging.getLogger("bot.audit").debug("scenario finished")
    assert "scenario finished" in logs.getvalue()
    needles = forbidden_needles([CHAIR, ASKER], sim.token)
    assert find_leaks(await harness.stored(), logs.getvalue(), needles) == []
    listing = await harness.services.store.listing(harness.services.keyring.pseudonym(group.id))
    assert listing is not None  # the audit searched a real row
