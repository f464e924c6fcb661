"""Updates from different chats are handled side by side; from one chat, in order; and no
member's flood stands in anyone else's way.

PTB handles updates one at a time by default, so one slow answer (a 429 waited out, a
slow network) holds up every member behind it, a crisis answer included. Handling every
update concurrently would fix that and break order within a chat: a member's two
messages could be relayed the wrong way round. This processor keeps one queue per chat.

A chat waits in its own queue before it takes one of the shared places, so a member's
backlog of 300 commands (each waiting out Telegram's one message a second into their
chat) holds one place, never all of them. When every place is taken, an update that looks
like a crisis is let in first.

A member with BACKLOG updates already waiting in a chat is flooding it. Their next
updates skip the queue as overflow: the safety handler still reads each one, so a crisis
is answered at once, and the pace gate (bot/handlers/pace.py) lets the rest go with one
kind notice. Words the rules read as a crisis never wait behind their writer's backlog.
Everything here lives only while a member's updates are in progress.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.plumbing.urgent_first import Turns, UrgentFirst

# At most this many updates in progress at once, across all chats.
MAX_IN_PROGRESS = 64
# A member's updates waiting in one chat (the one in progress included) before the next
# are overflow. Telegram delivers one answer a second into a chat, so six is several
# seconds of answers: more than a person types, far less than a script sends.
BACKLOG = 6

_WIDE = 1 << 30
Urgency = Callable[[object], bool]
Member = tuple[int, int | None]  # (order key, user id)


def order_key(update: object) -> int | None:
    """The chat whose updates must stay in order (the user's, for inline queries)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


def _member(update: Update, key: int) -> Member:
    user = update.effective_user
    return (key, None if user is None else user.id)


def _never_urgent(update: object) -> bool:
    return False


class PerChatOrder(BaseUpdateProcessor):
    def __init__(
        self,
        max_in_progress: int = MAX_IN_PROGRESS,
        *,
        backlog: int = BACKLOG,
        urgent: Urgency = _never_urgent,
    ) -> None:
        # PTB takes its own semaphore before do_process_update, that is before a chat's
        # queue: made wide here, the bound is kept after the queue instead (_places).
        super().__init__(_WIDE)
        self.backlog = backlog
        self.urgent = urgent
        self._places = UrgentFirst(max_in_progress)
        self._chats = Turns()
        self._overflows = Turns()
        self._backlogs: dict[Member, int] = {}
        self._overflowing: set[int] = set()  # update ids
        self._told: set[Member] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        if key is None or not isinstance(update, Update):
            async with self._places.place(lambda: self.urgent(update)):
                await coroutine
            return
        member = _member(update, key)
        waiting = self._backlogs.get(member, 0)
        if waiting >= self.backlog:
            await self._past_the_line(update, member, coroutine, overflow=True)
            return
        if waiting and self.urgent(update):  # a crisis never waits for its own backlog
            await self._past_the_line(update, member, coroutine, overflow=False)
            return
        self._backlogs[member] = waiting + 1
        try:
            async with self._chats.turn(key), self._places.place(lambda: self.urgent(update)):
                await coroutine
        finally:
            self._backlogs[member] -= 1
            if not self._backlogs[member]:  # caught up: a new flood is told again
                del self._backlogs[member]
                self._told.discard(member)

    async def _past_the_line(
        self, update: Update, member: Member, coroutine: Awaitable[Any], *, overflow: bool
    ) -> None:
        """Not behind the member's backlog; in order among themselves."""
        if overflow:
            self._overflowing.add(update.update_id)
        try:
            async with (
                self._overflows.turn(member),
                self._places.place(lambda: self.urgent(update)),
            ):
                await coroutine
        finally:
            self._overflowing.discard(update.update_id)

    def is_overflow(self, update: Update) -> bool:
        """Whether this update came while its member already had a full backlog."""
        return update.update_id in self._overflowing

    def first_notice(self, update: Update) -> bool:
        """True once per flood: whether this member still needs telling to slow down."""
        key = order_key(update)
        member = _member(update, key) if key is not None else None
        if member is None or member in self._told or member not in self._backlogs:
            return False
        self._told.add(member)
        return True

    def held(self) -> dict[str, int]:
        """How much is held right now, for the memory inventory's checks."""
        return {
            "chat queues": len(self._chats),
            "overflow queues": len(self._overflows),
            "backlogs": len(self._backlogs),
            "overflowing updates": len(self._overflowing),
            "told": len(self._told),
        }

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
