"""Each chat's turns for the relay's messages, kept alike by every instance.

Telegram takes about one message a second into a chat. One instance keeps to that with
its pacer (bot/plumbing/pacer.py); beside other instances (REDIS_URL), each message first
takes its turn in the chat's pace, shared through Redis under a keyed digest of the chat,
while its update is handled: so a chat's messages go in the order written and a second
apart, whichever instance relays each. When a chat ends, what still waited for it is let
go of, and so are the turns it had taken, so the next chat into it waits for nothing.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from bot.peers.room import room_in
from bot.platform.shared import SharedStateError
from bot.plumbing.pacer import Job
from bot.plumbing.types import App
from bot.services import Services, services_of


def _pace_key(svc: Services, chat_id: int) -> str:
    return "relay-pace:" + svc.keyring.shared_name(f"relay:{chat_id}")


async def in_turn(app: App, chat_id: int, send: Job) -> int:
    """send, into the chat's pacer, at its turn among every instance's; the chat's
    backlog after."""
    pacer = room_in(app.bot_data).pacer
    svc = services_of(app.bot_data)
    if not svc.shared.spans_instances:
        return pacer.submit(chat_id, send)
    try:
        wait = await svc.shared.pace(_pace_key(svc, chat_id), timedelta(seconds=pacer.interval))
    except SharedStateError:
        wait = 0.0  # this instance's own pace still holds
    return pacer.submit(chat_id, send, after=wait)


async def drop_turns(app: App, chat_id: int) -> None:
    """The chat ended: nothing more waits to go into it, here or in the shared pace."""
    room_in(app.bot_data).pacer.drop(chat_id)
    svc = services_of(app.bot_data)
    if svc.shared.spans_instances:
        # Left standing, the turns run out within seconds of the last anyway.
        with suppress(SharedStateError):
            await svc.shared.delete(_pace_key(svc, chat_id))
