"""Bad and odd input: the bot answers kindly or stays quiet, and never stops."""

from __future__ import annotations

from bot.sim import BotApiSimulator, SimChat, SimUser
from tests.conftest import Harness
from tests.test_e2e_foundation import is_everyday_answer


async def still_answers(sim: BotApiSimulator, user: SimUser, chat: SimChat | None = None) -> int:
    """Send /help, check the bot answers it, and return the answer's message id."""
    where = chat or sim.private_chat(user)
    sent = sim.send_text(user, "/help", chat=chat)
    reply = await sim.next_bot_message(where, after=sent.message_id)
    assert "What I can do" in reply.text
    return reply.message_id


def bot_messages_between(sim: BotApiSimulator, chat: SimChat, first: int, last: int) -> list[str]:
    return [m.text for m in sim.messages(chat) if first < m.message_id < last]


async def test_unknown_command_gets_a_pointer_to_help(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Quinn", started=True)
    sent = sim.send_text(member, "/frobnicate now please")
    reply = await sim.next_bot_message(sim.private_chat(member), after=sent.message_id)
    assert "I don't know that command" in reply.text
    assert "/help" in reply.text


async def test_junk_arguments_to_simple_commands_are_ignored(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Rae", started=True)
    for junk in ("/help me please ???", "/start \u0000\u200b<b>", "/privacy " + "x" * 3000):
        sent = sim.send_text(member, junk)
        reply = await sim.next_bot_message(sim.private_chat(member), after=sent.message_id)
        assert reply.text


async def test_stickers_and_photos_get_a_kind_answer(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Sky", started=True)
    chat = sim.private_chat(member)
    sticker = sim.send_sticker(member)
    reply = await sim.next_bot_message(chat, after=sticker.message_id)
    assert "I can only read text messages" in reply.text
    photo = sim.send_photo(member, caption="look")
    reply = await sim.next_bot_message(chat, after=photo.message_id)
    assert "I can only read text messages" in reply.text


async def test_plain_and_very_long_text(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Tam", started=True)
    chat = sim.private_chat(member)
    for body in ("hello?", "a" * 4096, "<b>not html</b> & friends"):
        sent = sim.send_text(member, body)
        reply = await sim.next_bot_message(chat, after=sent.message_id)
        assert is_everyday_answer(reply.text)
        assert body not in reply.text  # never the member's words back


async def test_an_edited_command_is_not_run_again(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Uma", started=True)
    chat = sim.private_chat(member)
    sent = sim.send_text(member, "/start")
    first = await sim.next_bot_message(chat, after=sent.message_id)
    sim.edit_text(member, sent, "/forget")
    probe = await still_answers(sim, member)
    assert bot_messages_between(sim, chat, first.message_id, probe) == []


async def test_channel_posts_and_group_chatter_get_no_answer(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Val")
    group = sim.add_group("Evening Group", members=[member])
    sim.channel_post("/start")
    chatter = sim.send_text(member, "/unknowncommand", chat=group)
    probe = await still_answers(sim, member, chat=group)
    assert bot_messages_between(sim, group, chatter.message_id, probe) == []


async def test_updates_the_bot_does_not_handle_do_not_stop_it(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Wren", started=True)
    group = sim.add_group("Evening Group", members=[member])
    sim.chat_member_update(group, member, "member", "left")
    sim.my_chat_member_update(group, member, "member")
    sim.inline_query(member, "hope")
    sim.inject_raw(
        {
            "poll": {
                "id": "1",
                "question": "?",
                "options": [],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            }
        }
    )
    sim.inject_raw({"some_future_update_kind": {"anything": True}})
    await still_answers(sim, member)


async def test_an_update_ptb_cannot_read_is_skipped_not_retried(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Xan", started=True)
    # A poll missing a field PTB requires, and a message with no chat at all.
    sim.inject_raw({"poll": {"id": "1", "question": "?", "options": []}})
    sim.inject_raw({"message": {"message_id": 1, "text": "no chat, no date"}})
    await still_answers(sim, member)
    await still_answers(sim, member)


def test_readable_updates_keeps_ids_of_the_unreadable() -> None:
    from bot.plumbing.updates_guard import readable_updates

    def good_update() -> dict[str, object]:
        chat = {"id": 1, "type": "private"}
        return {"update_id": 3, "message": {"message_id": 1, "date": 0, "chat": chat, "text": "hi"}}

    good = good_update()
    kept, skipped = readable_updates(
        [{"update_id": 1, "poll": {"id": "x"}}, "junk", {"update_id": "2"}, good]
    )
    assert kept == [{"update_id": 1}, good_update()]
    assert skipped == 3


async def test_an_empty_text_message_does_not_stop_the_bot(harness: Harness) -> None:
    sim = harness.sim
    member = sim.add_user("Yael", started=True)
    person = {"id": member.id, "is_bot": False, "first_name": member.first_name}
    chat = {"id": member.id, "type": "private", "first_name": member.first_name}
    sim.inject_raw(
        {"message": {"message_id": 900, "date": 0, "chat": chat, "from": person, "text": ""}}
    )
    answer = await sim.next_bot_message(sim.private_chat(member), after=0)
    assert "/help" in answer.text
    await still_answers(sim, member)
