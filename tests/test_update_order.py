"""Updates from one chat stay in order; updates from different chats do not wait on
each other (bot.plumbing.update_order, no Telegram)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.plumbing.update_order import PerChatOrder, order_key


def message_update(update_id: int, chat_id: int, user_id: int | None = None) -> Update:
    """A text message: in a private chat, or from user_id in a group."""
    chat = {"id": chat_id, "type": "private"}
    if user_id is not None:
        chat = {"id": chat_id, "type": "supergroup", "title": "G"}
    update = Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": chat,
                "from": {"id": user_id or chat_id, "is_bot": False, "first_name": "A"},
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
    assert not any(order.held().values())  # nothing kept once a chat's queue is empty


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


async def test_a_flood_past_the_backlog_waits_for_nothing_and_is_told_once() -> None:
    order = PerChatOrder(backlog=3)
    release = asyncio.Event()
    done: list[int] = []
    overflow: list[int] = []
    told: list[int] = []

    async def work(update: Update, blocked: bool) -> None:
        if order.is_overflow(update):
            overflow.append(update.update_id)
            if order.first_notice(update):
                told.append(update.update_id)
        elif blocked:
            await release.wait()
        done.append(update.update_id)

    async with order:
        queued = [
            asyncio.create_task(order.process_update(u, work(u, True)))
            for u in (message_update(n, -5, 7) for n in range(1, 4))
        ]
        await asyncio.sleep(0)
        # The member's backlog is full: these skip the queue, in order among themselves.
        flood = [message_update(n, -5, 7) for n in range(4, 9)]
        await asyncio.gather(*(order.process_update(u, work(u, True)) for u in flood))
        # Someone else in the same group is not past any backlog of their own.
        other = message_update(9, -5, 8)
        waiting = asyncio.create_task(order.process_update(other, work(other, False)))
        await asyncio.sleep(0)
        assert overflow == [4, 5, 6, 7, 8]
        assert told == [4]
        release.set()
        await asyncio.gather(*queued, waiting)
    assert done == [4, 5, 6, 7, 8, 1, 2, 3, 9]
    assert not any(order.held().values())  # nothing kept once everyone caught up
    # Caught up, the member would be told again next time.
    assert order.first_notice(message_update(10, -5, 7)) is False  # no flood, nothing to tell


async def test_one_chats_backlog_holds_one_place_and_a_crisis_goes_first() -> None:
    order = PerChatOrder(max_in_progress=2, urgent=lambda u: getattr(u, "update_id", 0) == 99)
    release = asyncio.Event()
    done: list[int] = []

    async def work(update_id: int, blocked: bool) -> None:
        if blocked:
            await release.wait()
        done.append(update_id)

    async with order:
        # Chat 10 has a backlog of five: only the first holds a place.
        backlog = [
            asyncio.create_task(order.process_update(message_update(n, 10), work(n, True)))
            for n in range(1, 6)
        ]
        await asyncio.sleep(0)
        await order.process_update(message_update(20, 20), work(20, False))
        assert done == [20]  # chat 20 did not wait for chat 10
        # Both places taken: a later crisis is let in before an earlier ordinary update.
        blocker = asyncio.create_task(order.process_update(message_update(30, 30), work(30, True)))
        await asyncio.sleep(0)
        ordinary = asyncio.create_task(
            order.process_update(message_update(40, 40), work(40, False))
        )
        crisis = asyncio.create_task(order.process_update(message_update(99, 50), work(99, False)))
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(*backlog, blocker, ordinary, crisis)
    assert done.index(99) < done.index(40)
    assert [n for n in done if n < 6] == [1, 2, 3, 4, 5]
