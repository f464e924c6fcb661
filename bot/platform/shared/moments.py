"""Moments remembered for a while in shared state: when something last happened, under a
key that names no one in clear, for as long as it matters.

The bot's clock decides whether a moment still counts (tests move it; instances agree on
it); the key's time to live, a little longer, only tidies Redis. What cannot be read or
written costs only what the moment adds (a window of care, a reminder not repeated):
said once in the log until it passes, never an error to the member.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.platform.shared.interface import SharedState, SharedStateError

logger = logging.getLogger(__name__)

T = TypeVar("T")

_BACKSTOP = timedelta(minutes=1)


def plain_name(text: str) -> str:
    """A key's name where no keyring is at hand (tests): in the bot, a keyed digest names
    it (Keyring.shared_name), so a dump cannot be matched against known ids."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class SharedMoments:
    def __init__(self, state: SharedState, prefix: str, span: timedelta, kept_for: str) -> None:
        self.span = span
        self._state = state
        self._prefix = prefix
        self._kept_for = kept_for  # what the log says cannot be kept, when it cannot
        self._failing = False

    async def note(self, key: str, now: datetime) -> None:
        value = str(now.timestamp())
        await self._quietly(self._state.put(self._prefix + key, value, self.span + _BACKSTOP))

    async def within(self, key: str, now: datetime) -> bool:
        """Whether a moment noted under key is within the span of now."""
        value = await self._quietly(self._state.get(self._prefix + key))
        return isinstance(value, str) and not self._past(value, now)

    async def sweep(self, now: datetime) -> None:
        """Let go of every moment older than the span (the memory tick)."""
        for key in await self._keys():
            value = await self._quietly(self._state.get(key))
            if isinstance(value, str) and self._past(value, now):
                await self._quietly(self._state.delete(key))

    async def forget(self, starting: str = "", containing: str = "") -> None:
        """Let go of every moment whose key starts with starting and holds containing."""
        if found := await self._keys(starting, containing):
            await self._quietly(self._state.delete(*found))

    async def held(self, containing: str = "") -> int:
        return len(await self._keys(containing=containing))

    def _past(self, value: str, now: datetime) -> bool:
        return now - datetime.fromtimestamp(float(value), UTC) > self.span

    async def _keys(self, starting: str = "", containing: str = "") -> list[str]:
        found = await self._quietly(self._state.keys(self._prefix + starting, containing))
        return found if isinstance(found, list) else []

    async def _quietly(self, call: Awaitable[T]) -> T | None:
        try:
            found = await call
        except SharedStateError as error:
            if not self._failing:
                logger.warning("%s cannot be kept: %s", self._kept_for, error)
            self._failing = True
            return None
        if self._failing:
            logger.info("%s is kept again", self._kept_for)
        self._failing = False
        return found
