"""The peer room shared by every instance of the bot, when REDIS_URL names a Redis.

Each instance works on its own copy of the room (bot/peers/room.py), and the room itself
lives in shared state as small records (bot/peers/room_snapshot.py), each sealed with a
key from the operator's secret: Redis holds only ciphertext, never a chat id or anyone's
words. A change is made under a lock every instance respects
(bot/platform/shared/lock.py): the copy is brought up to date, changed, and the records
it changed are written back under a new version. Anything that only reads, such as
routing a message to the relay, brings the copy up to date first when the version has
moved on, reading only the records changed since (one small read of Redis per update
otherwise). So a chat started through one instance carries on through another, and
through a restart, for as long as Redis keeps the room.

Without Redis the room is this process's memory, as it always was: nothing here does
anything then.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from telegram import Update

from bot.peers.room import DELETE_WINDOW, PeerRoom, room_in
from bot.peers.room_snapshot import (
    Fingerprint,
    apply_records,
    clear_room,
    owner,
    people_records,
    record_text,
    whole_records,
)
from bot.peers.room_tracking import Touched, track
from bot.platform.privacy import Keyring, Pseudonym, SealError
from bot.platform.shared import SharedState, SharedStateError
from bot.platform.shared.lock import SharedLock
from bot.plumbing.types import App, Context
from bot.services import services_of

logger = logging.getLogger(__name__)

_Result = TypeVar("_Result")
_Params = ParamSpec("_Params")
Callback = Callable[[Update, Context], Coroutine[Any, Any, _Result]]

ROOM = "peers"
LOCK_KEY = "peers:lock"
# The longest anything in the room is kept (the copies a member may still delete), and a
# little more: every change writes the room again, so it only runs out once idle.
ROOM_LIFETIME = DELETE_WINDOW + timedelta(hours=1)
# What shared state holds before anything is written: nothing to write for an empty room.
_EMPTY_ROOM = whole_records(PeerRoom())


class SharedRoom:
    def __init__(self, room: PeerRoom, shared: SharedState, keyring: Keyring) -> None:
        self.room = room
        self._shared = shared
        self._keyring = keyring
        self._lock = SharedLock(shared, LOCK_KEY)
        self._version: int | None = None  # the shared version this copy holds
        # The records as last read or written, those kept per person and those compared
        # whole: an empty room needs no writing until it changes.
        self._written_people: dict[str, Fingerprint] = {}
        self._written_whole: dict[str, Fingerprint] = dict(_EMPTY_ROOM)
        # Whose records may have changed since the last write.
        self._touched = Touched()
        self._written_discreet: frozenset[Pseudonym] = frozenset()
        if self.spans_instances:
            track(room, self._touched)
        self._keys: dict[str, str] = {}  # each record's key, by its name in shared state
        # The hold in progress in this process, and the one each task belongs to: a task
        # started inside a change (the relay's paced sends) is part of it while it lasts.
        self._hold: object | None = None
        self._holding: ContextVar[object | None] = ContextVar("room_hold", default=None)
        self._troubled = False
        self._io = asyncio.Lock()
        # Small changes that wait for the next hold instead of taking one of their own.
        self._deferred: list[Callable[[PeerRoom], None]] = []

    @property
    def spans_instances(self) -> bool:
        return self._shared.spans_instances

    async def found_in_shared_state(self) -> bool:
        """Whether shared state holds a room (another instance, or an earlier run of this
        one, left people in it): then nobody's chat ended when this instance started."""
        if not self.spans_instances:
            return False
        try:
            version, _ = await self._shared.changes_since(ROOM, None)
        except SharedStateError as error:
            self._trouble(error)
            return False
        return version > 0

    async def refresh(self) -> None:
        """Bring this copy up to date, if another instance changed the room since."""
        if not self.spans_instances or self._hold is not None:
            return  # a change in progress here holds the newest copy
        await self._read()

    def change_soon(self, change: Callable[[PeerRoom], None]) -> None:
        """A change that may wait for the next hold (the next message, or the tick within
        ten seconds), so it costs no writing of its own: such as noting the id of a copy
        the relay sent, which matters only when the chat ends."""
        if not self.spans_instances or self._hold is not None:
            change(self.room)  # now: the hold in progress writes it
        else:
            self._deferred.append(change)

    @asynccontextmanager
    async def changing(self) -> AsyncIterator[PeerRoom]:
        """The room, to change: up to date, and written back for the others afterwards."""
        if not self.spans_instances or (
            self._hold is not None and self._holding.get() is self._hold
        ):
            yield self.room
            return
        async with self._lock.held() as lock:
            hold = object()
            self._hold = hold
            token = self._holding.set(hold)
            try:
                if not lock.handed_on:  # else no other instance can have changed it
                    await self._read()
                deferred, self._deferred = self._deferred, []
                for change in deferred:
                    change(self.room)
                yield self.room
            finally:
                self._hold = None
                self._holding.reset(token)
                await self._write()

    async def _read(self) -> None:
        # One read or write at a time: a read that overtook a write would apply records
        # older than this copy's.
        async with self._io:
            await self._read_now()

    async def _read_now(self) -> None:
        try:
            version, changed = await self._shared.changes_since(ROOM, self._version)
            if version == self._version or (changed is not None and not changed):
                self._version = version
                return
            if version == 0:
                # Nothing shared (a new Redis, or one that lost it): this copy is all
                # there is, and the next change writes the whole of it.
                self._version = None
                self._written_people, self._written_whole = {}, dict(_EMPTY_ROOM)
                self._written_discreet = frozenset()
                return
            found = await self._shared.records(ROOM, changed)
        except SharedStateError as error:
            self._trouble(error)
            return
        opened: dict[str, str | None] = {}
        unreadable = 0
        for name, sealed in found.items():
            record = self._open(sealed)
            if record is None:
                unreadable += 1
                continue
            key, text = record
            self._keys[name] = key
            opened[key] = text
        if unreadable:
            # Sealed under another secret, or altered: left out, and said once per read.
            logger.error("%d records of the shared peer room cannot be read", unreadable)
        if changed is None:
            clear_room(self.room)
            track(self.room, self._touched)
            apply_records(self.room, opened)
            self._written_people = people_records(self.room)[0]
            self._written_whole = whole_records(self.room)
            self._written_discreet = frozenset(self.room.discreet)
        else:
            # A record changed and not found was removed: by its key, if this copy has it.
            for name in changed - found.keys():
                forgotten = self._keys.pop(name, "")
                if forgotten:
                    opened[forgotten] = None
            apply_records(self.room, opened)
            self._note_as_written(opened)
            self._written_discreet = frozenset(self.room.discreet)
        self._version = version
        self._troubled = False

    def _note_as_written(self, keys: Iterable[str]) -> None:
        """These records, just read, are what shared state holds."""
        people = {who for key in keys if (who := owner(key)) is not None}
        people_now, _ = people_records(self.room, people)
        whole_now = whole_records(self.room)
        for key in keys:
            now, written = (
                (people_now, self._written_people)
                if owner(key) is not None
                else (whole_now, self._written_whole)
            )
            if key in now:
                written[key] = now[key]
            else:
                written.pop(key, None)

    async def _write(self) -> None:
        async with self._io:
            await self._write_now()

    async def _write_now(self) -> None:
        touched = self._touched
        people = None if touched.everyone else set(touched.people)
        touched.clear()
        # The discreet set is a plain set, which the rate limiter reads: compared whole.
        discreet = frozenset(self.room.discreet)
        if people is not None:
            people |= discreet ^ self._written_discreet
        people_now, looked_for = people_records(self.room, people)
        whole_now = whole_records(self.room)
        by_person, whole = self._written_people, self._written_whole
        changed = {key: mark for key, mark in people_now.items() if by_person.get(key) != mark}
        changed |= {key: mark for key, mark in whole_now.items() if whole.get(key) != mark}
        candidates = list(by_person) if looked_for is None else looked_for
        removed = [key for key in candidates if key in by_person and key not in people_now]
        removed += [key for key in whole if key not in whole_now]
        if not changed and not removed:
            return
        sealed = {
            self._name(key): self._seal(key, record_text(mark)) for key, mark in changed.items()
        }
        gone = [self._keyring.shared_name(key) for key in removed]
        for name in gone:
            self._keys.pop(name, None)
        # As read before writing: a refresh while the write is under way may move it on.
        expected = None if self._version is None else self._version + 1
        try:
            version = await self._shared.put_records(ROOM, sealed, gone, ROOM_LIFETIME)
        except SharedStateError as error:
            self._trouble(error)
            touched.everyone = True  # written next time, compared in full
            return
        if expected is not None and version != expected:
            # Another instance wrote in between (the lock was lost or never taken): read
            # the whole room again before the next change.
            logger.warning("the shared peer room was changed by two instances at once")
            self._version = None
        else:
            self._version = version
        if looked_for is None:
            self._written_people = people_now
        else:
            for key in looked_for:
                if key in people_now:
                    by_person[key] = people_now[key]
                else:
                    by_person.pop(key, None)
        self._written_whole = whole_now
        self._written_discreet = discreet
        self._troubled = False

    def _name(self, key: str) -> str:
        """A record's name in shared state: a keyed digest of its key, which names a
        pseudonym; the key itself travels sealed, with the record."""
        name = self._keyring.shared_name(key)
        self._keys[name] = key
        return name

    def _seal(self, key: str, text: str) -> str:
        plain = f"{key}\n{text}".encode()
        return base64.b64encode(self._keyring.seal_state(plain)).decode("ascii")

    def _open(self, sealed: str) -> tuple[str, str] | None:
        try:
            plain = self._keyring.open_state(base64.b64decode(sealed)).decode("utf-8")
            key, _, text = plain.partition("\n")
            return key, text
        except (SealError, ValueError):
            return None  # said once per read, with how many (see _read_now)

    def _trouble(self, error: SharedStateError) -> None:
        """Logged once until it passes: the room goes on in this instance's copy."""
        if not self._troubled:
            logger.warning("the shared peer room is out of reach (%s); going on here", error)
        self._troubled = True


_KEEPER_KEY = "porchlight.shared_room"


def shared_room_of(app: App) -> SharedRoom:
    """The application's room, shared or not, made on first use."""
    found = app.bot_data.get(_KEEPER_KEY)
    if not isinstance(found, SharedRoom):
        svc = services_of(app.bot_data)
        found = SharedRoom(room_in(app.bot_data), svc.shared, svc.keyring)
        app.bot_data[_KEEPER_KEY] = found
    return found


def holding_the_room(
    function: Callable[Concatenate[App, _Params], Awaitable[_Result]],
) -> Callable[Concatenate[App, _Params], Awaitable[_Result]]:
    """Work that changes the peer room, outside any handler (a tick, a paced send, /forget):
    it runs holding the room (see changing)."""

    @functools.wraps(function)
    async def held(app: App, /, *args: _Params.args, **kwargs: _Params.kwargs) -> _Result:
        async with shared_room_of(app).changing():
            return await function(app, *args, **kwargs)

    return held


def changes_the_room(callback: Callback[_Result]) -> Callback[_Result]:
    """A handler that changes the peer room: it runs holding the room (see changing)."""

    @functools.wraps(callback)
    async def held(update: Update, context: Context) -> _Result:
        async with shared_room_of(context.application).changing():
            return await callback(update, context)

    return held


async def bring_up_to_date(update: Update, context: Context) -> None:
    """First of all for every update: the room as the other instances left it, so the
    relay's filter and the crisis check read who is talking to whom now."""
    await shared_room_of(context.application).refresh()
