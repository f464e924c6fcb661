"""Paced, ordered sending per chat: Telegram allows about one message a second per chat.

Each chat has its own queue and at most one worker draining it, so messages arrive in
the order they were submitted, at least `interval` apart, and one chat's backlog never
holds up another's. Nothing is kept once sent. Instances side by side also take each
message's turn in a pace they share (bot/peers/relay.py), and submit it to wait for that
turn: then the chat's messages go in turn order, and one interval apart, whichever
instance sends each.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Pacer:
    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        # Each job with the loop's time it may start at (its turn among every instance's).
        self._queues: dict[int, deque[tuple[Job, float]]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}

    def submit(self, chat_id: int, job: Job, *, after: float = 0.0) -> int:
        """Queue job for chat_id, to start no sooner than `after` seconds from now; returns
        how many jobs wait for that chat, this included (counting those a wait that long
        stands for: other instances' turns before it)."""
        queue = self._queues.setdefault(chat_id, deque())
        queue.append((job, asyncio.get_running_loop().time() + after))
        if chat_id not in self._workers:
            self._workers[chat_id] = asyncio.create_task(self._drain(chat_id))
        return max(len(queue), 1 + round(after / self.interval))

    def backlog(self, chat_id: int) -> int:
        return len(self._queues.get(chat_id, ()))

    def drop(self, chat_id: int) -> int:
        """Forget what still waits for chat_id (its chat ended); returns how much."""
        queue = self._queues.get(chat_id)
        dropped = len(queue) if queue else 0
        if queue:
            queue.clear()
        return dropped

    async def _drain(self, chat_id: int) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queues[chat_id]
        try:
            while queue:
                job, not_before = queue.popleft()
                await asyncio.sleep(max(0.0, not_before - loop.time()))
                started = loop.time()
                try:
                    await job()
                except Exception as error:
                    logger.warning("a paced send failed: %s", type(error).__name__)
                await asyncio.sleep(max(0.0, self.interval - (loop.time() - started)))
        finally:
            self._workers.pop(chat_id, None)
            if not queue:
                self._queues.pop(chat_id, None)

    async def idle(self) -> None:
        """Wait until every queue has drained (tests and shutdown)."""
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    async def close(self) -> None:
        for worker in list(self._workers.values()):
            worker.cancel()
        await asyncio.gather(*list(self._workers.values()), return_exceptions=True)
        self._workers.clear()
        self._queues.clear()
