"""The update queue behind getUpdates: confirmation by offset, long polling, allowed_updates."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from bot.sim.errors import ApiError

# Telegram leaves these out unless allowed_updates asks for them explicitly.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: dict[str, Any]) -> str | None:
    kinds = [key for key in update if key != "update_id"]
    return kinds[0] if len(kinds) == 1 else None


class UpdateQueue:
    def __init__(self, on_change: Callable[[], None]) -> None:
        self.pending: list[dict[str, Any]] = []
        self.allowed_updates: list[str] | None = None
        self._on_change = on_change
        self._next_id = 1
        self._arrived = asyncio.Event()
        self._poll_generation = 0
        # When each update was first handed to the bot (monotonic seconds): benchmarks
        # measure the time from here to the bot's answer.
        self.served_at: dict[int, float] = {}

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(update.get("update_id"), int):
            update["update_id"] = self._next_id
        self._next_id = max(self._next_id, update["update_id"] + 1)
        self.pending.append(update)
        self._arrived.set()
        self._on_change()
        return update

    def deliverable(self) -> list[dict[str, Any]]:
        """What a webhook would be sent now, honouring allowed_updates."""
        return self._take(len(self.pending))

    def remove(self, update: dict[str, Any]) -> None:
        with contextlib.suppress(ValueError):
            self.pending.remove(update)

    def drop_all(self) -> None:
        self.pending.clear()

    def confirm(self, offset: int) -> None:
        """An offset confirms every update below it; a negative one keeps only the last -offset."""
        if offset < 0:
            del self.pending[: max(0, len(self.pending) + offset)]
        else:
            self.pending = [u for u in self.pending if u.get("update_id", 0) >= offset]

    def _take(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self.allowed_updates or ())
        kept: list[dict[str, Any]] = []
        for update in self.pending:
            kind = update_type(update)
            # Updates the bot did not ask for are never stored by Telegram.
            if kind is None or (kind in allowed if allowed else kind not in OPT_IN_UPDATES):
                kept.append(update)
        self.pending = kept
        return kept[:limit]

    async def get(
        self,
        *,
        offset: int | None,
        limit: int,
        wait_seconds: float,
        allowed_updates: list[str] | None,
        closing: asyncio.Event,
    ) -> list[dict[str, Any]]:
        self._poll_generation += 1
        generation = self._poll_generation
        self._arrived.set()  # wakes an older long poll so it can end with 409 Conflict
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates
        if offset is not None:
            self.confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, wait_seconds)
        while True:
            updates = self._take(limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0 or closing.is_set():
                served = time.monotonic()
                for update in updates:
                    self.served_at.setdefault(int(update.get("update_id", 0)), served)
                return updates
            self._arrived.clear()
            closing_wait = asyncio.ensure_future(closing.wait())
            arrived_wait = asyncio.ensure_future(self._arrived.wait())
            try:
                await asyncio.wait(
                    {closing_wait, arrived_wait},
                    timeout=remaining,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                for waiter in (closing_wait, arrived_wait):
                    waiter.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await waiter
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
