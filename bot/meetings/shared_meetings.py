"""Live meetings shared by every instance of the bot, when REDIS_URL names a Redis.

Each instance works on meetings in its own memory (bot.meetings.live). With Redis, each
meeting is also one record there, sealed with a key from the operator's secret and named
by a keyed digest of its place, so a dump holds no chat id, name or queue. Work on a
meeting holds that meeting's lock, which every instance respects: it reads the meeting's
record first and writes it back if it changed. So a hand raised through one instance is in
the queue the chair calls from through another, the timer's notice is posted once, and a
restart keeps the queue.

A group's updates already come one at a time, whichever instance they reach (Telegram
waits for each answer); the lock keeps the timer, the memory tick and /forget, which reach
every meeting, from writing over what an update is changing. One lock per meeting, so a
slow answer in one group holds up no other.

Without Redis the meetings are this process's memory, as they always were: nothing here
reads or writes anything then.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from bot.meetings.queue import Hand, Meeting, Runner
from bot.platform.privacy import Keyring, SealError
from bot.platform.shared import SharedState, SharedStateError
from bot.platform.shared.lock import SharedLock
from bot.platform.store import MEETING_LIFETIME
from bot.plumbing.types import Place

logger = logging.getLogger(__name__)

MEETINGS = "meetings"
# A meeting ends within 12 hours; every change writes the records again.
LIFETIME = MEETING_LIFETIME + timedelta(hours=1)


def meeting_text(meeting: Meeting) -> str:
    """A meeting as its record holds it."""
    return json.dumps(
        {
            "chat": meeting.chat_id,
            "thread": meeting.thread_id,
            "format": meeting.format_id,
            "timer": meeting.timer.total_seconds(),
            "queue": [[hand.user_id, hand.first_name] for hand in meeting.queue],
            "speaker": _hand(meeting.speaker),
            "started": meeting.share_started.isoformat() if meeting.share_started else None,
            "noticed": meeting.timer_noticed,
            "reminded": sorted(meeting.reminded),
            "contact_reminded": sorted(meeting.contact_reminded),
            "parking_lot": meeting.parking_lot,
            "runner": [meeting.runner.user_id, meeting.runner.language] if meeting.runner else None,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def meeting_from_text(text: str) -> Meeting:
    fields: dict[str, Any] = json.loads(text)
    speaker, runner, started = fields["speaker"], fields["runner"], fields["started"]
    return Meeting(
        chat_id=int(fields["chat"]),
        thread_id=fields["thread"],
        format_id=str(fields["format"]),
        timer=timedelta(seconds=fields["timer"]),
        queue=[Hand(int(user_id), str(name)) for user_id, name in fields["queue"]],
        speaker=Hand(int(speaker[0]), str(speaker[1])) if speaker else None,
        share_started=datetime.fromisoformat(started) if started else None,
        timer_noticed=bool(fields["noticed"]),
        reminded={int(user_id) for user_id in fields["reminded"]},
        contact_reminded={int(user_id) for user_id in fields["contact_reminded"]},
        parking_lot=bool(fields["parking_lot"]),
        runner=Runner(int(runner[0]), str(runner[1])) if runner else None,
    )


def _hand(hand: Hand | None) -> list[Any] | None:
    return None if hand is None else [hand.user_id, hand.first_name]


class SharedMeetings:
    def __init__(self, meetings: dict[Place, Meeting], shared: SharedState, keyring: Keyring):
        self.meetings = meetings
        self._shared = shared
        self._keyring = keyring
        # Each meeting's lock while anyone here holds or waits for it, with how many do.
        self._locks: dict[Place, tuple[SharedLock, int]] = {}
        # The places the current task holds: work inside a hold that reaches the same
        # meeting again (a command calling another) runs inside it.
        self._holding: ContextVar[frozenset[Place]] = ContextVar(
            "meetings_held", default=frozenset()
        )
        # The places some task of this process holds now: a read of every meeting leaves
        # them as they are, mid-change.
        self._held_here: set[Place] = set()
        self._troubled = False

    @property
    def spans_instances(self) -> bool:
        return self._shared.spans_instances

    @asynccontextmanager
    async def holding(self, place: Place) -> AsyncIterator[Meeting | None]:
        """The meeting at place (None: none runs there), up to date; whatever the block
        does to meetings_in()[place] is written back for the other instances."""
        held = self._holding.get()
        if not self.spans_instances or (place in held and place in self._held_here):
            yield self.meetings.get(place)
            return
        lock = self._lock_for(place)
        try:
            async with lock.held():
                token = self._holding.set(held | {place})
                self._held_here.add(place)
                try:
                    before = await self._read(place)
                    yield self.meetings.get(place)
                finally:
                    self._holding.reset(token)
                    try:
                        await self._write(place, before)
                    finally:
                        self._held_here.discard(place)
        finally:
            self._done_with_lock(place)

    async def holding_each(
        self, wanted: Callable[[Meeting], bool]
    ) -> AsyncIterator[tuple[Place, Meeting | None]]:
        """Each meeting running that wanted picks (as read just before), held in turn, as
        holding holds it: what a tick or /forget does to every meeting it concerns."""
        for place in await self.read_all():
            found = self.meetings.get(place)
            if found is not None and wanted(found):
                async with self.holding(place) as meeting:
                    yield place, meeting

    async def read_all(self) -> list[Place]:
        """Every meeting running, read afresh into this process's memory: what a tick goes
        through (each then held on its own, to change it)."""
        if not self.spans_instances:
            return list(self.meetings)
        try:
            found = await self._shared.records(MEETINGS)
        except SharedStateError as error:
            self._trouble(error)
            return list(self.meetings)
        opened = [meeting for sealed in found.values() if (meeting := self._open(sealed))]
        if len(opened) < len(found):
            logger.error("%d shared meetings cannot be read", len(found) - len(opened))
        for place in [place for place in self.meetings if place not in self._held_here]:
            del self.meetings[place]
        for meeting in opened:
            place = (meeting.chat_id, meeting.thread_id)
            if place not in self._held_here:
                self.meetings[place] = meeting
        self._troubled = False
        return list(self.meetings)

    async def _read(self, place: Place) -> str | None:
        """The meeting's record into memory; returns its text as read (None: no meeting).
        If shared state cannot be read, this copy goes on as it is."""
        try:
            found = await self._shared.records(MEETINGS, [self._name(place)])
        except SharedStateError as error:
            self._trouble(error)
            kept = self.meetings.get(place)
            return None if kept is None else meeting_text(kept)
        sealed = found.get(self._name(place))
        meeting = None if sealed is None else self._open(sealed)
        if sealed is not None and meeting is None:
            logger.error("a shared meeting cannot be read")
        if meeting is None:
            self.meetings.pop(place, None)
            return None
        self.meetings[place] = meeting
        self._troubled = False
        return meeting_text(meeting)

    async def _write(self, place: Place, before: str | None) -> None:
        meeting = self.meetings.get(place)
        after = None if meeting is None else meeting_text(meeting)
        if after == before:
            return
        name = self._name(place)
        changed = {} if after is None else {name: self._seal(after)}
        try:
            await self._shared.put_records(MEETINGS, changed, [] if after else [name], LIFETIME)
        except SharedStateError as error:
            self._trouble(error)
            return
        self._troubled = False

    def _lock_for(self, place: Place) -> SharedLock:
        lock, users = self._locks.get(place) or (
            SharedLock(self._shared, f"meetings:lock:{self._name(place)}"),
            0,
        )
        self._locks[place] = (lock, users + 1)
        return lock

    def _done_with_lock(self, place: Place) -> None:
        lock, users = self._locks[place]
        if users > 1:
            self._locks[place] = (lock, users - 1)
        else:
            del self._locks[place]  # let go of in shared state by now: nothing to keep

    def _name(self, place: Place) -> str:
        """A meeting's name in shared state: a keyed digest of its place."""
        chat_id, thread_id = place
        return self._keyring.shared_name(f"meeting:{chat_id}:{thread_id}")

    def _seal(self, text: str) -> str:
        return base64.b64encode(self._keyring.seal_state(text.encode())).decode("ascii")

    def _open(self, sealed: str) -> Meeting | None:
        try:
            text = self._keyring.open_state(base64.b64decode(sealed)).decode("utf-8")
            return meeting_from_text(text)
        except (SealError, ValueError, KeyError, TypeError, IndexError):
            return None  # sealed under another secret, or altered: the caller says so

    def _trouble(self, error: SharedStateError) -> None:
        """Logged once until it passes: meetings go on in this instance's memory."""
        if not self._troubled:
            logger.warning("shared meetings are out of reach (%s); going on here", error)
        self._troubled = True
