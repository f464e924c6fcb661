"""The simulator over real HTTP, through python-telegram-bot's Bot and raw httpx."""

import asyncio
import json
import logging
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.sim import BotApiSimulator
from bot.sim.spec import SpecMissingError


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]]
    )


async def test_get_me_describes_the_simulated_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "porchlight_sim_bot"
    assert me.supports_inline_queries


async def test_wrong_token_is_unauthorized(sim: BotApiSimulator) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sim.base_url}999:wrong/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_send_message_round_trips_through_ptb(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex", username="alex_demo", started=True)
    sent = await bot.send_message(
        alex.id, "<b>Hello</b> &amp; welcome", parse_mode="HTML", reply_markup=keyboard("Take")
    )
    assert isinstance(sent, Message)
    assert sent.text == "Hello & welcome"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup == keyboard("Take")
    [stored] = sim.messages(sim.private_chat(alex))
    assert (stored.text, stored.html) == ("Hello & welcome", "<b>Hello</b> &amp; welcome")
    assert stored.buttons[0][0].callback_data == "take"
    assert sim.calls_to("sendmessage")[0].params["chat_id"] == alex.id


async def test_forum_topic_replies_carry_the_thread(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex")
    forum = sim.add_group("Hall", forum=True, admins=[alex], bot_is_admin=True)
    topic = sim.add_topic(forum, "Monday")
    sent = await bot.send_message(forum.id, "hi", message_thread_id=topic)
    assert sent.message_thread_id == topic
    assert sent.is_topic_message
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await bot.send_message(forum.id, "hi", message_thread_id=topic + 100)


async def test_a_restricted_bot_and_a_closed_topic_are_refused_until_allowed(
    sim: BotApiSimulator, bot: Bot
) -> None:
    alex = sim.add_user("Alex")
    forum = sim.add_group("Hall", forum=True, admins=[alex])
    topic = sim.add_topic(forum, "Monday")
    sim.close_topic(forum, topic)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await bot.send_message(forum.id, "hi", message_thread_id=topic)
    await bot.send_message(forum.id, "the General topic is open")
    sim.set_member_status(forum, sim.bot_user, "administrator")  # may manage topics
    await bot.send_message(forum.id, "admins post in closed topics", message_thread_id=topic)
    sim.set_member_status(forum, sim.bot_user, "restricted", can_send_messages=False)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to send text messages"):
        await bot.send_message(forum.id, "hi")
    sim.set_member_status(forum, sim.bot_user, "member")
    sim.reopen_topic(forum, topic)
    await bot.send_message(forum.id, "allowed again", message_thread_id=topic)


async def test_spec_violations(http: httpx.AsyncClient) -> None:
    unknown = await http.post("sendMessage", data={"chat_id": "1", "text": "x", "colour": "red"})
    assert unknown.status_code == 400
    assert "unknown parameter" in unknown.json()["description"]
    missing = await http.post("sendMessage", data={"chat_id": "1"})
    assert missing.status_code == 400
    assert missing.json()["description"] == "Bad Request: message text is empty"
    wrong_type = await http.post("getUpdates", data={"offset": "soon"})
    assert wrong_type.status_code == 400
    assert wrong_type.json()["description"].startswith("Bad Request: can't parse offset")
    no_such = await http.post("sendTelepathy", data={"chat_id": "1"})
    assert no_such.status_code == 404
    assert no_such.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_json_and_query_string_bodies(sim: BotApiSimulator, http: httpx.AsyncClient) -> None:
    alex = sim.add_user("Alex", started=True)
    by_json = await http.post("sendMessage", json={"chat_id": alex.id, "text": "one"})
    by_query = await http.get("SENDMESSAGE", params={"chat_id": str(alex.id), "text": "two"})
    assert by_json.json()["result"]["text"] == "one"
    assert by_query.json()["result"]["text"] == "two"
    assert [c.method for c in sim.calls] == ["sendMessage", "sendMessage"]


async def test_html_and_length_limits(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex", started=True)
    await bot.send_message(alex.id, "<i>fine</i>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)find end tag"):
        await bot.send_message(alex.id, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)parse entities"):
        await bot.send_message(alex.id, "1 < 2", parse_mode="HTML")
    await bot.send_message(alex.id, "🙂" * 2048)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alex.id, "🙂" * 2048 + "!")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            alex.id,
            "x",
            reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("x", callback_data="d" * 65)
            ),
        )


async def test_inline_answers_are_recorded_and_capped(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex")
    query_id = sim.inline_query(alex, "reading")
    results = [
        InlineQueryResultArticle(str(i), f"R{i}", InputTextMessageContent("x")) for i in range(51)
    ]
    with pytest.raises(BadRequest, match=r"(?i)RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query_id, results)
    await bot.answer_inline_query(query_id, results[:50])
    assert len(sim.inline_answers[query_id]) == 50


async def test_long_polling_waits_for_an_update_and_honours_offset(
    sim: BotApiSimulator, bot: Bot
) -> None:
    alex = sim.add_user("Alex")
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    sim.send_text(alex, "/start")
    [update] = await asyncio.wait_for(poll, 2)
    assert update.message is not None
    assert update.message.text == "/start"
    assert update.message.entities[0].type == "bot_command"
    assert alex.started
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [update.update_id]  # not confirmed yet
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()
    assert sim.pending_updates == []


async def test_chat_member_updates_need_opting_in(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex")
    group = sim.add_group("G", members=[alex])
    sim.chat_member_update(group, alex, "member", "left")
    assert await bot.get_updates(timeout=0) == ()
    sim.chat_member_update(group, alex, "left", "member")
    [update] = await bot.get_updates(timeout=0, allowed_updates=["chat_member"])
    assert update.chat_member is not None
    assert update.chat_member.new_chat_member.status == "member"


async def test_get_updates_conflicts_with_a_webhook(bot: Bot) -> None:
    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://example.org/hook"
    with pytest.raises(Exception, match=r"(?i)Conflict"):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_faults_429_500_and_drop(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex", started=True)
    sim.faults.add("sendMessage", "429", retry_after=7)
    with pytest.raises(RetryAfter):
        await bot.send_message(alex.id, "x")
    assert sim.calls_to("sendMessage")[-1].error == "Too Many Requests: retry after 7"
    sim.faults.add(None, "500", chat_id=alex.id)
    with pytest.raises(NetworkError):
        await bot.send_message(alex.id, "x")
    sim.faults.add("sendmessage", "drop")
    with pytest.raises(NetworkError):
        await bot.send_message(alex.id, "x")
    sim.faults.add("sendMessage", "502")
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(alex.id, "x")
    assert [c.status for c in sim.calls_to("sendMessage")] == [429, 500, 0, 502]
    assert sim.messages(sim.private_chat(alex)) == []
    await bot.send_message(alex.id, "finally")
    assert [m.text for m in sim.messages(sim.private_chat(alex))] == ["finally"]


async def test_slow_and_timeout_faults(sim: BotApiSimulator) -> None:
    alex = sim.add_user("Alex", started=True)
    async with Bot(sim.token, base_url=sim.base_url) as bot:
        sim.faults.add("sendMessage", "slow", delay=0.2)
        await bot.send_message(alex.id, "slowly")
        sim.faults.add("sendMessage", "timeout")
        with pytest.raises(TimedOut):
            await bot.send_message(alex.id, "lost answer", read_timeout=0.3)
    # The call was carried out; only the answer was lost.
    assert [m.text for m in sim.messages(sim.private_chat(alex))] == ["slowly", "lost answer"]


async def test_forbidden_for_unstarted_and_blocked_users(sim: BotApiSimulator, bot: Bot) -> None:
    sam = sim.add_user("Sam")
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(sam.id, "hello")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(123, "hello")
    sim.send_text(sam, "/start")
    await bot.send_message(sam.id, "hello")
    sim.block_bot(sam)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(sam.id, "hello again")


async def test_button_press_round_trip(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex", started=True)
    sent = await bot.send_message(alex.id, "Take it?", reply_markup=keyboard("Take", "Leave"))
    message = sim.messages(sim.private_chat(alex))[0]
    query_id = sim.press_button(alex, message, index=1)
    [update] = await bot.get_updates(timeout=0)
    assert update.callback_query is not None
    assert update.callback_query.id == query_id
    assert update.callback_query.data == "leave"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id
    await update.callback_query.answer("Left", show_alert=True)
    assert sim.callback_answers[query_id] == {"text": "Left", "show_alert": True, "url": None}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()
    await bot.edit_message_text("Left.", alex.id, sent.message_id)
    assert (message.text, message.edited, message.buttons) == ("Left.", 1, [])
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("Left.", alex.id, sent.message_id)
    with pytest.raises(ValueError, match=r"(?i)no button"):
        sim.press_button(alex, message, index=0)


async def test_group_rights_privacy_and_anonymous_admins(sim: BotApiSimulator, bot: Bot) -> None:
    alex, sam = sim.add_user("Alex"), sim.add_user("Sam")
    group = sim.add_group("Evening", members=[sam], admins=[alex])
    chatter = sim.send_text(sam, "just chatting", chat=group)
    command = sim.send_text(sam, "/help", chat=group)
    anonymous = sim.send_text(alex, "/rules", chat=group, as_anonymous_admin=True)
    updates = await bot.get_updates(timeout=0)
    # Privacy mode: a non-admin bot hears commands, not chatter.
    assert [u.message.message_id for u in updates if u.message] == [
        command.message_id,
        anonymous.message_id,
    ]
    anon = updates[-1].message
    assert anon is not None
    assert anon.sender_chat is not None
    assert anon.sender_chat.id == group.id
    assert anon.from_user is not None
    assert anon.from_user.username == "GroupAnonymousBot"
    with pytest.raises(BadRequest, match=r"(?i)can't be deleted"):
        await bot.delete_message(group.id, chatter.message_id)
    sim.set_member_status(group, sim.bot_user, "administrator", can_delete_messages=True)
    assert await bot.delete_message(group.id, chatter.message_id)
    assert chatter.deleted
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {alex.id, sim.bot_user.id}


async def test_copy_records_and_forward_is_recorded(sim: BotApiSimulator, bot: Bot) -> None:
    alex, sam = sim.add_user("Alex"), sim.add_user("Sam", started=True)
    original = sim.send_text(alex, "share this")
    copied = await bot.copy_message(sam.id, alex.id, original.message_id, protect_content=True)
    [copy] = sim.messages(sim.private_chat(sam))
    assert (copy.message_id, copy.text, copy.protect_content) == (
        copied.message_id,
        "share this",
        True,
    )
    assert sim.calls_to("forwardMessage") == []
    await bot.forward_message(sam.id, alex.id, original.message_id)
    assert len(sim.calls_to("forwardMessage")) == 1


async def test_other_spec_methods_are_accepted_and_recorded(sim: BotApiSimulator, bot: Bot) -> None:
    assert await bot.set_my_description("A porch light")
    await bot.set_my_commands([("checkin", "Check in")])
    assert [c.command for c in await bot.get_my_commands()] == ["checkin"]
    alex = sim.add_user("Alex")
    liked = sim.send_text(alex, "hello")
    assert await bot.set_message_reaction(alex.id, liked.message_id, "👍")
    assert sim.calls_to("setMessageReaction")[0].result is True


async def test_wait_for_times_out_helpfully(sim: BotApiSimulator) -> None:
    alex = sim.add_user("Alex")
    sent = sim.send_text(alex, "/start")
    with pytest.raises(TimeoutError, match=r"(?i)bot message in chat"):
        await sim.next_bot_message(sim.private_chat(alex), after=sent.message_id, timeout=0.2)


async def test_next_bot_message_sees_a_reply(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex")
    sent = sim.send_text(alex, "/start")
    reply = asyncio.create_task(sim.next_bot_message(sim.private_chat(alex), after=sent.message_id))
    await bot.send_message(alex.id, "Welcome")
    assert (await reply).text == "Welcome"


async def test_migration_and_channel_posts(sim: BotApiSimulator, bot: Bot) -> None:
    alex = sim.add_user("Alex")
    group = sim.add_group("Old", supergroup=False, admins=[alex])
    new = sim.migrate_group(group)
    post = sim.channel_post("news")
    updates = await bot.get_updates(timeout=0)
    assert updates[0].message is not None
    assert updates[0].message.migrate_to_chat_id == new.id
    assert updates[1].message is not None
    assert updates[1].message.migrate_from_chat_id == group.id
    assert updates[2].channel_post is not None
    assert updates[2].channel_post.message_id == post.message_id
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(group.id, "hello")
    assert migrated.value.new_chat_id == new.id


async def test_raw_injection_survives_malformed_updates(sim: BotApiSimulator, bot: Bot) -> None:
    sim.inject_raw({"message": {"text": "no chat"}})
    raw = sim.inject_raw({"update_id": 999, "mystery": True})
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{sim.base_url}{sim.token}/getUpdates")
    body = response.json()
    assert body["ok"]
    assert [u["update_id"] for u in body["result"]] == [1, 999]
    assert raw["update_id"] == 999
    json.dumps(body)  # plain JSON throughout


async def test_missing_spec_warns_and_works_without_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with caplog.at_level(logging.WARNING):
        async with BotApiSimulator(spec_path=tmp_path / "missing.json") as sim:
            async with Bot(sim.token, base_url=sim.base_url) as bot:
                assert (await bot.get_me()).is_bot
            assert sim.spec is None
    assert "spec not found" in caplog.text


async def test_missing_spec_under_ci_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    sim = BotApiSimulator(spec_path=tmp_path / "missing.json")
    with pytest.raises(SpecMissingError):
        await sim.start()


async def test_a_second_poller_ends_the_first_with_conflict(
    sim: BotApiSimulator, http: httpx.AsyncClient
) -> None:
    first = asyncio.create_task(http.post("getUpdates", data={"timeout": "5"}, timeout=10))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(http.post("getUpdates", data={"timeout": "0"}))
    answer = await asyncio.wait_for(first, 2)
    assert answer.status_code == 409
    assert answer.json()["description"].startswith("Conflict: terminated by other getUpdates")
    assert (await second).json() == {"ok": True, "result": []}


async def test_stop_ends_a_pending_long_poll(sim: BotApiSimulator, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
    await asyncio.sleep(0.1)
    await asyncio.wait_for(sim.stop(), 3)
    assert await asyncio.wait_for(poll, 3) == ()
