"""The pace of broadcasts, shared by instances side by side.

Telegram's limit (about 30 messages a second, every chat together) is the bot's, not a
process's: two instances each keeping to it on their own would send twice as many, and
Telegram would make both wait. With REDIS_URL each broadcast message takes a turn in one
pace kept in Redis, on Redis's clock, and goes at its turn: the instances' messages
together go out evenly, never in a burst. Answers to members take no turn: they go out at
once, as with one instance, and the pace leaves room for them (bot/plumbing/priority.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from bot.platform.shared import SharedState, SharedStateError

logger = logging.getLogger(__name__)

_Result = TypeVar("_Result")

PACE_KEY = "send-pace"


class BroadcastPace:
    def __init__(self, shared: SharedState, per_second: int) -> None:
        self._shared = shared
        self._every = timedelta(seconds=1 / per_second)
        self._troubled = False

    async def wait_for_turn(self) -> None:
        """Wait for this message's turn."""
        try:
            wait = await self._shared.pace(PACE_KEY, self._every)
        except SharedStateError as error:
            # Each instance's own pace still holds; Telegram may ask them to wait.
            if not self._troubled:
                logger.warning("the broadcasts' shared pace is out of reach (%s)", error)
            self._troubled = True
            return
        self._troubled = False
        if wait > 0:
            await asyncio.sleep(wait)

    def paced(
        self, send: Callable[..., Coroutine[Any, Any, _Result]]
    ) -> Callable[..., Coroutine[Any, Any, _Result]]:
        """send, taking a turn before each try."""

        async def in_turn(*args: Any, **kwargs: Any) -> _Result:
            await self.wait_for_turn()
            return await send(*args, **kwargs)

        return in_turn
