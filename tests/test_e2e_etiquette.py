"""The learned etiquette end to end, through the real Application and the simulator: thanks,
identifying and emoji reactions to a sharer left alone (at strict a reminder, never a
deletion), care after a crisis share left alone in remind and delete modes with the person
running the meeting told once, privately, and plain advice still removed."""

from __future__ import annotations

import pytest

from bot.safety.assessor import Assessor
from bot.sim import BotApiSimulator, SimChat, SimMessage, SimUser
from tests.conftest import Harness
from tests.peer_helpers import bot_says
from tests.test_e2e_foundation import say
from tests.test_e2e_meetings import start

REMINDER = "A gentle reminder"
REMOVED = "I removed a message"
NOTE = "A quiet word about your meeting"
SHARE = "Ninety days today. I nearly picked up on Friday and rang my sister instead"


def meeting_group(
    sim: BotApiSimulator, *, chair_started: bool = True
) -> tuple[SimChat, SimUser, list[SimUser]]:
    chair = sim.add_user("Chair", started=chair_started)
    members = [sim.add_user(name) for name in ("Ana", "Ben", "Cai", "Dee", "Eli")]
    group = sim.add_group(
        "Evening Group", members=members, admins=[chair], bot_is_admin=True, bot_can_delete=True
    )
    return group, chair, members


async def settle(sim: BotApiSimulator, group: SimChat, user: SimUser) -> None:
    """Everything sent before is handled once the bot answers a /queue sent after it."""
    marker = sim.send_text(user, "/queue", chat=group)
    await bot_says(sim, group, "hand up", after=marker.message_id)


def said(sim: BotApiSimulator, group: SimChat, words: str) -> list[SimMessage]:
    return [m for m in sim.messages(group) if words in (m.text or "")]


@pytest.mark.parametrize("action", ["remind", "delete"])
async def test_thanks_identifying_and_an_emoji_to_the_sharer_are_left_alone(
    harness: Harness, action: str
) -> None:
    sim = harness.sim
    group, chair, (ana, ben, cai, dee, eli) = meeting_group(sim)
    await say(sim, chair, f"/etiquette {action}", chat=group)
    await start(sim, chair, group)
    share = sim.send_text(ana, SHARE, chat=group)
    sent = [
        sim.send_text(ben, "Thanks for sharing that, it took courage", chat=group, reply_to=share),
        sim.send_text(
            cai, "I relate to this so much. I was the same at 30 days", chat=group, reply_to=share
        ),
        sim.send_text(dee, "🙏", chat=group, reply_to=share),
    ]
    await settle(sim, group, eli)
    assert [m.text for m in sent if m.deleted] == []
    assert said(sim, group, REMINDER) == []
    assert said(sim, group, REMOVED) == []


async def test_at_strict_they_get_a_reminder_and_are_never_deleted(harness: Harness) -> None:
    sim = harness.sim
    group, chair, (ana, ben, _, dee, eli) = meeting_group(sim)
    await say(sim, chair, "/etiquette delete", chat=group)
    await say(sim, chair, "/etiquette strict", chat=group)
    await start(sim, chair, group)
    share = sim.send_text(ana, SHARE, chat=group)
    sent = [
        sim.send_text(ben, "same here", chat=group, reply_to=share),
        sim.send_text(dee, "🙏", chat=group, reply_to=share),
    ]
    await settle(sim, group, eli)
    assert [m.text for m in sent if m.deleted] == []
    reminders = said(sim, group, REMINDER)
    answered = {m.reply_to.message_id for m in reminders if m.reply_to is not None}
    assert answered == {m.message_id for m in sent}
    assert said(sim, group, REMOVED) == []


@pytest.mark.parametrize("action", ["remind", "delete"])
async def test_care_after_a_crisis_share_is_left_alone_and_the_chair_is_told_once(
    harness: Harness, action: str
) -> None:
    sim = harness.sim
    group, chair, (ana, ben, cai, dee, eli) = meeting_group(sim)
    await say(sim, chair, f"/etiquette {action}", chat=group)
    await start(sim, chair, group)
    crisis = sim.send_text(ana, "I don't want to be alive anymore", chat=group)
    await bot_says(sim, group, "talk to someone now", after=crisis.message_id)
    care = [
        sim.send_text(ben, "Ana, are you safe right now?", chat=group, reply_to=crisis),
        sim.send_text(cai, "please call someone tonight, you matter", chat=group, reply_to=crisis),
        sim.send_text(dee, "<3", chat=group, reply_to=crisis),
    ]
    again = sim.send_text(ana, "I just can't do this anymore", chat=group)
    await settle(sim, group, eli)
    assert not crisis.deleted
    assert not again.deleted
    assert [m.text for m in care if m.deleted] == []
    assert said(sim, group, REMINDER) == []
    assert said(sim, group, REMOVED) == []
    private = sim.private_chat(chair)
    assert private is not None
    note = await bot_says(sim, private, NOTE)
    assert "Evening Group" in note.text
    for words in ("Ana", "alive", "anymore"):
        assert words not in note.text
    assert len(said(sim, private, NOTE)) == 1  # one note for the whole episode


async def test_a_chair_who_never_opened_the_bot_is_not_told_and_nothing_fails(
    harness: Harness,
) -> None:
    sim = harness.sim
    group, chair, (ana, ben, _, _, eli) = meeting_group(sim, chair_started=False)
    await say(sim, chair, "/etiquette delete", chat=group)
    await start(sim, chair, group)
    crisis = sim.send_text(ana, "I don't want to be alive anymore", chat=group)
    await bot_says(sim, group, "talk to someone now", after=crisis.message_id)
    care = sim.send_text(ben, "Ana, are you safe right now?", chat=group, reply_to=crisis)
    await settle(sim, group, eli)
    assert not care.deleted
    # Telegram refuses a private message to someone who never opened the bot.
    assert said(sim, sim.private_chat(chair), NOTE) == []


async def test_plain_advice_is_still_removed_in_delete_mode(harness: Harness) -> None:
    sim = harness.sim
    group, chair, (ana, ben, *_) = meeting_group(sim)
    await say(sim, chair, "/etiquette delete", chat=group)
    await start(sim, chair, group)
    share = sim.send_text(ana, SHARE, chat=group)
    advice = sim.send_text(ben, "you should really just go to more meetings", chat=group)
    await bot_says(sim, group, REMOVED, after=advice.message_id)
    assert advice.deleted
    assert not share.deleted


async def test_each_meeting_message_is_embedded_once_for_both_readers(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The etiquette reads the embedding the crisis layer worked out with its verdict."""
    sim = harness.sim
    embedded_again: list[str] = []

    async def embed(self: Assessor, text: str) -> None:
        embedded_again.append(text)

    monkeypatch.setattr(Assessor, "embed", embed)
    group, chair, (ana, ben, cai, *_) = meeting_group(sim)
    await say(sim, chair, "/etiquette delete", chat=group)
    await start(sim, chair, group)
    share = sim.send_text(ana, SHARE, chat=group)
    thanks = sim.send_text(cai, "Thanks for sharing that, it took courage", chat=group)
    advice = sim.send_text(ben, "you should really just go to more meetings", chat=group)
    await bot_says(sim, group, REMOVED, after=advice.message_id)
    assert advice.deleted
    assert not share.deleted
    assert not thanks.deleted
    assert embedded_again == []


async def test_a_story_of_ones_own_out_of_turn_gets_a_reminder_never_a_deletion(
    harness: Harness,
) -> None:
    """Delete mode, standard: someone else has the floor, and a member tells their own story
    pointing at nobody. It is out of turn, but deleting someone's own struggle is the worst
    mistake the etiquette can make."""
    sim = harness.sim
    group, chair, (ana, ben, *_) = meeting_group(sim)
    await say(sim, chair, "/etiquette delete", chat=group)
    await start(sim, chair, group)
    await say(sim, ana, "/share", chat=group)
    called = await say(sim, chair, "/next", chat=group)
    assert "Ana, you have the floor" in called.text
    story = sim.send_text(
        ben,
        "I lost my job in March and spent the whole summer on the sofa. "
        "This week I finally went back to a meeting in person.",
        chat=group,
    )
    reminder = await bot_says(sim, group, REMINDER, after=story.message_id)
    assert reminder.reply_to is not None
    assert reminder.reply_to.message_id == story.message_id
    assert not story.deleted
    assert said(sim, group, REMOVED) == []
