"""Someone in a meeting may be in distress: remembered as a time per chat and topic, only.

While a message in a chat (or forum topic) was read as a crisis or a concern in the last
DISTRESS_WINDOW, replies that care for that person are never crosstalk, and the person
running the meeting is told once, privately, per episode. An episode starts with the first
distress after a quiet window and lasts while distress keeps coming within it. Nothing
about who was in distress, or what they wrote, is kept: a keyed digest of the chat, the
topic, a time. It lives in the shared state, so with REDIS_URL every instance reads the
next message in the meeting in that light, whichever one read the distress.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from bot.platform.shared import MemoryState, SharedState, SharedStateError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How long after a message read as a crisis or a concern the meeting is read in its light.
DISTRESS_WINDOW = timedelta(minutes=15)
# The time to live outlasts the window a little: the bot's clock decides, Redis tidies.
_BACKSTOP = timedelta(minutes=1)

Place = tuple[int, int | None]  # (chat id, forum topic or None)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class RecentDistress:
    """When distress was last read in each place, let go of after the window."""

    PREFIX = "distress:"

    def __init__(
        self,
        state: SharedState | None = None,
        name: Callable[[str], str] = _digest,
        window: timedelta = DISTRESS_WINDOW,
    ) -> None:
        self.window = window
        self._state = state or MemoryState()
        # What shared state calls a chat: a keyed digest (Keyring.shared_name) in the bot.
        self._name = name
        self._failing = False

    def _chat_prefix(self, chat_id: int) -> str:
        return f"{self.PREFIX}{self._name(f'distress:{chat_id}')}:"

    def _key(self, place: Place) -> str:
        chat_id, thread_id = place
        return f"{self._chat_prefix(chat_id)}{'-' if thread_id is None else thread_id}"

    async def note(self, place: Place, now: datetime) -> bool:
        """Distress read here now; True when it starts a new episode."""
        new = not await self.within(place, now)
        ttl = self.window + _BACKSTOP
        await self._quietly(self._state.put(self._key(place), str(now.timestamp()), ttl))
        return new

    async def within(self, place: Place, now: datetime) -> bool:
        value = await self._quietly(self._state.get(self._key(place)))
        return isinstance(value, str) and not self._past(value, now)

    async def sweep(self, now: datetime) -> None:
        """The memory tick: every place quiet for longer than the window is let go of."""
        for key in await self._keys(self.PREFIX):
            value = await self._quietly(self._state.get(key))
            if isinstance(value, str) and self._past(value, now):
                await self._quietly(self._state.delete(key))

    async def forget_chat(self, chat_id: int) -> None:
        """The bot left the group."""
        if found := await self._keys(self._chat_prefix(chat_id)):
            await self._quietly(self._state.delete(*found))

    async def held(self) -> int:
        return len(await self._keys(self.PREFIX))

    def _past(self, value: str, now: datetime) -> bool:
        return now - datetime.fromtimestamp(float(value), UTC) > self.window

    async def _keys(self, prefix: str) -> list[str]:
        found = await self._quietly(self._state.keys(prefix))
        return found if isinstance(found, list) else []

    async def _quietly(self, call: Awaitable[T]) -> T | None:
        """Distress that cannot be remembered costs the care it adds, never an answer;
        said once in the log until it can be again."""
        try:
            found = await call
        except SharedStateError as error:
            if not self._failing:
                logger.warning("distress in meetings cannot be remembered: %s", error)
            self._failing = True
            return None
        self._failing = False
        return found
