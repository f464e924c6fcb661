"""Who was reminded of the etiquette outside meetings, so nobody is reminded in one place
more than once a day. (Inside a meeting, who was reminded lives on the meeting itself,
bot.meetings.queue.)

Kept as a time under keyed digests of the member and the group, with the topic and the
kind of reminder, in the shared state: with REDIS_URL, every instance knows who was
reminded, whichever one reminded them. /forget lets go of a member's, the bot leaving a
group of the group's, and the memory tick of each after a day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.platform.shared import MemoryState, SharedState
from bot.platform.shared.moments import SharedMoments, plain_name
from bot.plumbing.types import Place

# Outside meetings, a member is reminded of the etiquette once a day at most.
REMINDED_FOR = timedelta(days=1)


class RemindedOutsideMeetings:
    def __init__(
        self,
        state: SharedState | None = None,
        name: Callable[[str], str] = plain_name,
        span: timedelta = REMINDED_FOR,
    ) -> None:
        state = state or MemoryState()
        self._moments = SharedMoments(state, "reminded:", span, "reminders outside meetings")
        self._name = name  # Keyring.shared_name in the bot

    def _member(self, user_id: int) -> str:
        return self._name(f"reminded-member:{user_id}")

    def _chat(self, chat_id: int) -> str:
        return self._name(f"reminded-chat:{chat_id}")

    async def first_time(self, place: Place, seen: str, user_id: int, now: datetime) -> bool:
        """True the first time this member is reminded of this kind of thing (seen) here,
        which is remembered; False while they were, within REMINDED_FOR."""
        chat_id, thread_id = place
        thread = "-" if thread_id is None else str(thread_id)
        key = f"{self._member(user_id)}:{self._chat(chat_id)}:{thread}:{seen}"
        if await self._moments.within(key, now):
            return False
        await self._moments.note(key, now)
        return True

    async def forget_member(self, user_id: int) -> None:
        await self._moments.forget(starting=f"{self._member(user_id)}:")

    async def forget_chat(self, chat_id: int) -> None:
        await self._moments.forget(containing=f":{self._chat(chat_id)}:")

    async def sweep(self, now: datetime) -> None:
        await self._moments.sweep(now)

    async def held(self) -> int:
        return await self._moments.held()
