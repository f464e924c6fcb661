"""The simulator delivers to a webhook as Telegram does: a chat's updates in order, each
after the last was answered; different chats side by side; failures sent again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from telegram import Bot

from bot.sim import BotApiSimulator


@dataclass
class SlowHook:
    """A webhook that takes its time over one chat's updates and can fail the first try."""

    slow_chat: int
    fail_first: bool = False
    received: list[tuple[int, str]] = field(default_factory=list)
    in_progress: int = 0
    most_at_once: int = 0
    url: str = ""

    async def answer(self, request: web.Request) -> web.Response:
        update = await request.json()
        message = update["message"]
        if self.fail_first:
            self.fail_first = False
            return web.Response(status=503)
        self.in_progress += 1
        self.most_at_once = max(self.most_at_once, self.in_progress)
        try:
            if message["chat"]["id"] == self.slow_chat:
                await asyncio.sleep(0.3)
            self.received.append((message["chat"]["id"], message["text"]))
        finally:
            self.in_progress -= 1
        return web.Response(status=200)


@pytest.fixture
async def hook_for() -> AsyncIterator[SlowHook]:
    hook = SlowHook(slow_chat=0)
    app = web.Application()
    app.router.add_post("/hook", hook.answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    hook.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield hook
    finally:
        await runner.cleanup()


async def test_chats_go_side_by_side_and_each_in_order(
    sim: BotApiSimulator, bot: Bot, hook_for: SlowHook
) -> None:
    slow, quick = sim.add_user("Slow", started=True), sim.add_user("Quick", started=True)
    hook_for.slow_chat = slow.id
    await bot.set_webhook(hook_for.url)
    for n in range(3):
        sim.send_text(slow, f"slow {n}")
    sim.send_text(quick, "quick 0")
    await sim.wait_for(lambda: len(hook_for.received) == 4, timeout=10)
    # The quick chat did not wait behind the slow one's three, and neither ran out of order.
    assert hook_for.received[0] == (quick.id, "quick 0")
    slow_texts = [text for chat, text in hook_for.received if chat == slow.id]
    assert slow_texts == ["slow 0", "slow 1", "slow 2"]
    assert hook_for.most_at_once == 2


async def test_a_failed_delivery_is_sent_again_before_the_chat_s_next(
    sim: BotApiSimulator, bot: Bot, hook_for: SlowHook
) -> None:
    member = sim.add_user("Tove", started=True)
    hook_for.fail_first = True
    await bot.set_webhook(hook_for.url)
    sim.send_text(member, "first")
    sim.send_text(member, "second")
    await sim.wait_for(lambda: len(hook_for.received) == 2, timeout=10)
    assert [text for _, text in hook_for.received] == ["first", "second"]
    statuses = [status for _, status in sim.pusher.attempts]
    assert statuses == [503, 200, 200]
