"""Hostile and odd input, generated: the bot never stops, never makes a call Telegram would
refuse, and never logs a member's words. PORCHLIGHT_FUZZ_EXAMPLES raises the count."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import build_application
from bot.plumbing.runner import run_polling
from bot.plumbing.update_order import PerChatOrder
from bot.sim import BotApiSimulator
from bot.startup import prepare
from tests.conftest import MovableClock, make_settings
from tests.privacy_audit import captured_logs

EXAMPLES = int(os.environ.get("PORCHLIGHT_FUZZ_EXAMPLES", "25"))
# Every Unicode plane, right-to-left and zero-width characters, HTML and Markdown specials.
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from(
            ["<", ">", "&", "*", "_", "`", "[", "]", "\u200b", "\u202e", "\u0645", "💊"]
        ),
    ),
    max_size=300,
)
COMMANDS = st.sampled_from(
    [
        "/start",
        "/help",
        "/privacy",
        "/forget",
        "/resources",
        "/library",
        "/today",
        "/reflection",
        "/daily",
        "/zone",
        "/stop",
        "/crisisposts",
        "/nonsense",
        "/start take-nope",
        "/library@porchlight_sim_bot",
    ]
)
WHERE = st.sampled_from(["private", "group", "topic"])

ACTIONS = st.one_of(
    st.tuples(st.just("text"), WHERE, ANY_TEXT),
    st.tuples(st.just("command"), WHERE, st.tuples(COMMANDS, ANY_TEXT)),
    st.tuples(st.just("huge"), WHERE, st.integers(min_value=3000, max_value=4096)),
    st.tuples(st.just("button"), WHERE, st.text(max_size=80)),
    st.tuples(st.just("inline"), WHERE, st.text(max_size=256)),
    st.tuples(st.just("edit"), WHERE, ANY_TEXT),
    st.tuples(st.just("sticker"), WHERE, st.none()),
    st.tuples(st.just("photo"), WHERE, ANY_TEXT),
    st.tuples(st.just("channel"), WHERE, ANY_TEXT),
    st.tuples(
        st.just("joins"), WHERE, st.sampled_from(["member", "left", "kicked", "administrator"])
    ),
    st.tuples(
        st.just("raw"),
        WHERE,
        st.dictionaries(
            st.sampled_from(
                [
                    "message",
                    "edited_message",
                    "callback_query",
                    "inline_query",
                    "poll",
                    "chat_member",
                    "my_chat_member",
                    "something_new",
                ]
            ),
            st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=20)),
            max_size=2,
        ),
    ),
)


async def run_scenario(
    tmp_path: Path, name: str, username: str, actions: list[tuple[str, str, Any]]
) -> None:
    async with BotApiSimulator() as sim:
        prepared = await prepare(make_settings(sim, tmp_path / "data"), clock=MovableClock())
        app = build_application(prepared.services)
        stop = asyncio.Event()
        task = asyncio.create_task(run_polling(app, stop))
        words: list[str] = []
        try:
            member = sim.add_user(name, username=username, started=True)
            passer_by = sim.add_user("Passer-by")  # joins and leaves, so the member never does
            people = [member, passer_by]
            group = sim.add_group("G", members=people, admins=[member], bot_is_admin=True)
            hall = sim.add_group(
                "H", forum=True, members=people, admins=[member], bot_is_admin=True
            )
            topic = sim.add_topic(hall, "T")
            places = {"private": (None, None), "group": (group, None), "topic": (hall, topic)}
            with captured_logs(sim.token) as logs:
                last = None
                for kind, where, value in actions:
                    chat, thread = places[where]
                    if kind in ("text", "edit") and value:
                        last = sim.send_text(member, value, chat=chat, thread_id=thread)
                        words.append(value)
                        if kind == "edit":
                            sim.edit_text(member, last, value + " (edited)")
                    elif kind == "command":
                        command, rest = value
                        sim.send_text(
                            member, f"{command} {rest}".strip(), chat=chat, thread_id=thread
                        )
                        words.append(rest)
                    elif kind == "huge":
                        sim.send_text(member, "x" * value, chat=chat, thread_id=thread)
                    elif kind == "button" and last is not None:
                        sim.press_raw_callback(member, last, value or "x")
                    elif kind == "inline":
                        sim.inline_query(member, value)
                        words.append(value)
                    elif kind == "sticker":
                        sim.send_sticker(member, chat=chat, thread_id=thread)
                    elif kind == "photo":
                        sim.send_photo(member, chat=chat, thread_id=thread, caption=value or None)
                        words.append(value)
                    elif kind == "channel" and value:
                        sim.channel_post(value)
                    elif kind == "joins" and chat is not None:
                        sim.chat_member_update(chat, passer_by, "member", value)
                        sim.set_member_status(chat, passer_by, "member")
                    elif kind == "raw":
                        sim.inject_raw(dict(value))
                # The burst is one member's flood: once the bot has worked through it, a
                # new command is answered as usual (bot/plumbing/update_order.py).
                order = app.update_processor
                assert isinstance(order, PerChatOrder)

                def caught_up() -> bool:
                    return not sim.pending_updates and not any(order.held().values())

                await sim.wait_for(caught_up, timeout=20)
                probe = sim.send_text(member, "/help")
                chat = sim.private_chat(member)

                def helped() -> bool:
                    return any(
                        "What I can do" in m.text
                        for m in sim.messages(chat)
                        if m.message_id > probe.message_id
                    )

                await sim.wait_for(helped, timeout=20)  # raises if the bot stopped answering
            refused = [
                (c.method, c.error)
                for c in sim.calls
                if c.status in (400, 404) and c.method != "answerCallbackQuery"
            ]
            assert refused == [], f"calls Telegram would refuse: {refused[:3]}"
            logged = logs.getvalue()
            for said in words:
                if len(said.strip()) >= 12:
                    assert said not in logged, "a member's words reached the log"
            assert name not in logged or len(name) < 4
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=20)
            await prepared.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.text(min_size=1, max_size=64).filter(lambda n: n.strip() != ""),
    username=st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{4,31}", fullmatch=True),
    actions=st.lists(ACTIONS, min_size=1, max_size=10),
)
def test_generated_updates_never_stop_the_bot(
    tmp_path_factory: Any, name: str, username: str, actions: list[tuple[str, str, Any]]
) -> None:
    asyncio.run(run_scenario(tmp_path_factory.mktemp("fuzz"), name, username, actions))
