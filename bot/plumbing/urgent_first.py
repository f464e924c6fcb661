"""Waiting in line with urgent waiters first: a semaphore, and one-at-a-time turns by key.

The update processor lets a crisis in first when every place is taken, and the rate
limiter sends a crisis answer into a chat before the other answers waiting for it. Among
waiters of the same urgency, first come, first served.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager

Urgent = bool | Callable[[], bool]


class UrgentFirst:
    def __init__(self, size: int) -> None:
        self._free = size
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @asynccontextmanager
    async def place(self, urgent: Urgent = False) -> AsyncIterator[None]:
        await self._take(urgent)
        try:
            yield
        finally:
            self._give_back()

    @property
    def idle(self) -> bool:
        return not self._waiting

    async def _take(self, urgent: Urgent) -> None:
        if self._free and not self._waiting:
            self._free -= 1
            return
        # Asked only when someone must wait: reading a message costs a little.
        rank = 0 if (urgent() if callable(urgent) else urgent) else 1
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (rank, next(self._arrivals), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._give_back()  # handed a place just as we were cancelled: pass it on
            raise

    def _give_back(self) -> None:
        while self._waiting:
            _, _, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter is skipped
                future.set_result(None)
                return
        self._free += 1


class Turns:
    """One at a time per key; a key is held only while someone has or awaits its turn."""

    def __init__(self) -> None:
        self._lines: dict[Hashable, UrgentFirst] = {}
        self._holders: dict[Hashable, int] = {}

    @asynccontextmanager
    async def turn(self, key: Hashable, urgent: Urgent = False) -> AsyncIterator[None]:
        line = self._lines.setdefault(key, UrgentFirst(1))
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with line.place(urgent):
                yield
        finally:
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key]
                del self._lines[key]

    def __len__(self) -> int:
        return len(self._lines)
