"""Members before broadcasts: only scheduled deliveries wait in the rate-limit queue.

PTB's AIORateLimiter keeps the bot under Telegram's limits by making calls wait, which is
right for a run of 10,000 scheduled deliveries and wrong for anything a member is waiting
on. Calls marked BROADCAST go through that queue; every other call (answers to members,
crisis answers first of all) goes out at once, and is tried again if Telegram answers 429
(after its retry_after) or fails with a server error, a timeout or a dropped connection
(after a short, growing pause). Beside other instances (REDIS_URL), a broadcast also waits
for its turn in the pace they share (bot/plumbing/broadcast_pace.py), so together they
keep to the one limit Telegram gives the bot.

Answers into one chat go one at a time, a crisis answer first: Telegram takes about one
message a second into a chat, so a member's backlog of answers would otherwise race a
crisis answer into the same chat, and win.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bot.plumbing.broadcast_pace import BroadcastPace
from bot.plumbing.urgent_first import Turns

logger = logging.getLogger(__name__)

BROADCAST = "broadcast"
BROADCAST_PER_SECOND = 26
# Marks a crisis answer: it is sent at once like every answer, and named for the reader.
CRISIS = "crisis"
_RETRIES = 3
_BACKOFF_SECONDS = (0.5, 1.0, 2.0)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
# Sees every outgoing call's endpoint and parameters just before it is sent, and may
# adjust them (discreet mode adds its neutral first line this way).
Outgoing = Callable[[str, dict[str, Any]], None]


def retry_after_seconds(error: RetryAfter) -> float:
    wait = error.retry_after
    return float(wait) if isinstance(wait, int | float) else wait.total_seconds()


class MembersFirstRateLimiter(BaseRateLimiter[str]):
    def __init__(
        self, queue: AIORateLimiter | None = None, shared_pace: BroadcastPace | None = None
    ) -> None:
        self.outgoing: Outgoing | None = None
        # Just under Telegram's 30 a second, so answers to members fit beside a broadcast,
        # and one at a time rather than in bursts: a burst of 28 would fill a second's
        # allowance at once and leave a crisis answer to wait out a 429.
        self._queue = queue or AIORateLimiter(
            overall_max_rate=1,
            overall_time_period=1 / BROADCAST_PER_SECOND,
            group_max_rate=20,
            max_retries=5,
        )
        self._chats = Turns()
        # Beside other instances: the broadcasts' seconds, shared with them.
        self._shared_pace = shared_pace

    async def initialize(self) -> None:
        await self._queue.initialize()

    async def shutdown(self) -> None:
        await self._queue.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> JSONResult:
        if self.outgoing is not None:
            self.outgoing(endpoint, data)
        if rate_limit_args == BROADCAST:
            # Paced here first, then given its turn in the pace shared with other instances.
            send = callback if self._shared_pace is None else self._shared_pace.paced(callback)
            return await self._queue.process_request(send, args, kwargs, endpoint, data, None)
        chat = data.get("chat_id")
        if chat is None:
            return await self._send(callback, args, kwargs)
        async with self._chats.turn(chat, urgent=rate_limit_args == CRISIS):
            return await self._send(callback, args, kwargs)

    async def _send(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
    ) -> JSONResult:
        for attempt in range(_RETRIES + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == _RETRIES:
                    raise
                seconds = retry_after_seconds(error)
            except (BadRequest, Forbidden):
                raise  # Telegram refused the call itself: trying again cannot help.
            except NetworkError as error:
                if attempt == _RETRIES:
                    raise
                seconds = _BACKOFF_SECONDS[attempt]
                logger.warning("an answer failed (%s)", type(error).__name__)
            logger.warning("retrying an answer in %.1f s", seconds)
            await asyncio.sleep(seconds)
        raise AssertionError("unreachable")  # pragma: no cover
