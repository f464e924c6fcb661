"""Updates from one chat stay in order; updates from different chats do not wait on
each other (bot.update_order, no Telegram)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.update_order import PerChatOrder, order_key


def message_update(update_id: int, chat_id: int) -> Update:
    update = Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
                "text": "hi",
            },
        },
        None,
    )
    assert update is not None
    return update


async def test_one_chat_in_order_and_chats_side_by_side() -> None:
    order = PerChatOrder()
    done: list[str] = []
    slow_started = asyncio.Event()

    async def work(name: str, pause: float) -> None:
        if name == "a1":
            slow_started.set()
        await asyncio.sleep(pause)
        done.append(name)

    async with order:
        first = asyncio.create_task(order.process_update(message_update(1, 10), work("a1", 0.2)))
        await slow_started.wait()
        second = asyncio.create_task(order.process_update(message_update(2, 10), work("a2", 0)))
        other = asyncio.create_task(order.process_update(message_update(3, 20), work("b1", 0)))
        await asyncio.gather(first, second, other)
    assert done == ["b1", "a1", "a2"]  # b1 did not wait for a1; a2 waited its turn
    assert order._locks == {}  # nothing kept once a chat's queue is empty


def test_the_order_key_is_the_chat_or_else_the_user() -> None:
    assert order_key(message_update(1, 42)) == 42
    inline = Update.de_json(
        {
            "update_id": 5,
            "inline_query": {
                "id": "q",
                "from": {"id": 7, "is_bot": False, "first_name": "B"},
                "query": "",
                "offset": "",
            },
        },
        None,
    )
    assert order_key(inline) == 7
    assert order_key("not an update") is None
