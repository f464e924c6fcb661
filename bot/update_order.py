"""Updates from different chats are handled side by side; from one chat, in order.

PTB handles updates one at a time by default, so one slow answer (a 429 waited out, a
slow network) holds up every member behind it, a crisis answer included. Handling every
update concurrently would fix that and break order within a chat: a member's two
messages could be relayed the wrong way round. This processor keeps one queue per chat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# At most this many updates in progress at once, across all chats.
MAX_IN_PROGRESS = 64


def order_key(update: object) -> int | None:
    """The chat whose updates must stay in order (the user's, for inline queries)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, max_in_progress: int = MAX_IN_PROGRESS) -> None:
        super().__init__(max_in_progress)
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}  # updates holding or waiting for each lock

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:  # nobody else queued for this chat: forget it
                del self._holders[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
