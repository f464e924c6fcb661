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

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.platform.shared import MemoryState, SharedState
from bot.platform.shared.moments import SharedMoments, plain_name

# How long after a message read as a crisis or a concern the meeting is read in its light.
DISTRESS_WINDOW = timedelta(minutes=15)

Place = tuple[int, int | None]  # (chat id, forum topic or None)


class RecentDistress:
    """When distress was last read in each place, let go of after the window."""

    def __init__(
        self,
        state: SharedState | None = None,
        name: Callable[[str], str] = plain_name,
        window: timedelta = DISTRESS_WINDOW,
    ) -> None:
        state = state or MemoryState()
        self._moments = SharedMoments(state, "distress:", window, "distress in meetings")
        self._name = name  # Keyring.shared_name in the bot

    def _chat(self, chat_id: int) -> str:
        return f"{self._name(f'distress:{chat_id}')}:"

    def _key(self, place: Place) -> str:
        chat_id, thread_id = place
        return f"{self._chat(chat_id)}{'-' if thread_id is None else thread_id}"

    async def note(self, place: Place, now: datetime) -> bool:
        """Distress read here now; True when it starts a new episode."""
        new = not await self.within(place, now)
        await self._moments.note(self._key(place), now)
        return new

    async def within(self, place: Place, now: datetime) -> bool:
        return await self._moments.within(self._key(place), now)

    async def sweep(self, now: datetime) -> None:
        """The memory tick: every place quiet for longer than the window is let go of."""
        await self._moments.sweep(now)

    async def forget_chat(self, chat_id: int) -> None:
        """The bot left the group: every topic's."""
        await self._moments.forget(starting=self._chat(chat_id))

    async def held(self) -> int:
        return await self._moments.held()
