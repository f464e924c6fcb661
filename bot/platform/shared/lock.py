"""A lock every instance of the bot respects, kept in shared state with a lease.

One task of one instance holds it at a time. The lease is renewed while it is held, so a
long hold keeps it; an instance that dies holding it lets go when the lease runs out.
Tasks of one process queue on a local lock first, so they never poll Redis against each
other, and one hands the lock on to the next, saving two round trips each; every quarter
of a second it looks whether another instance has asked for the lock, and if so lets go
and pauses for that instance's turn.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta

from bot.platform.shared.interface import SharedState, SharedStateError

logger = logging.getLogger(__name__)

# Long enough that a renewal every third of it never misses; short enough that a lock left
# by an instance that died holds the others up for seconds, not minutes.
LEASE = timedelta(seconds=15)
# Waiting longer than this means the lock is not coming back: go on without it.
GIVE_UP_AFTER = timedelta(seconds=35)
# A lock taken is passed from task to task of this process without asking Redis again;
# each time this long has passed, the holder looks whether another instance asked for it.
HAND_ON_FOR = 0.25
# How often a waiting instance asks (doubling from the first pause to the longest).
_FIRST_PAUSE, _LONGEST_PAUSE = 0.002, 0.02
# After letting go for another instance, this process waits longer than that one polls.
_TURN_FOR_OTHERS = 0.03
# How long a waiting instance's request stands, renewed at each try.
_WANTED_FOR = timedelta(milliseconds=200)


@dataclass(frozen=True)
class Hold:
    held: bool  # False: shared state failed, or the lock never came free
    # Passed on from another task of this process: nobody else can have changed what
    # the lock guards since that task's hold.
    handed_on: bool


class SharedLock:
    def __init__(
        self,
        shared: SharedState,
        key: str,
        *,
        lease: timedelta = LEASE,
        give_up_after: timedelta = GIVE_UP_AFTER,
    ) -> None:
        self._shared = shared
        self._key = key
        self._lease = lease
        self._give_up_after = give_up_after
        self._local = asyncio.Lock()
        self._waiting = 0  # tasks of this process waiting for the local lock
        self._token: str | None = None  # the lock, while this process holds it
        self._taken_at = 0.0
        self._renewing: asyncio.Task[None] | None = None
        self._just_let_go = False
        self._wanted_key = f"{key}:wanted"

    @asynccontextmanager
    async def held(self) -> AsyncIterator[Hold]:
        """Hold the lock for the block (the block runs without it when it cannot be had,
        and says so)."""
        self._waiting += 1
        try:
            await self._local.acquire()
        finally:
            self._waiting -= 1
        try:
            if self._renewing is not None and self._renewing.done():
                self._token = None  # its lease ran out while it was held: take it anew
            handed_on = self._token is not None
            if not handed_on:
                await self._take_turn()
            yield Hold(self._token is not None, handed_on)
        finally:
            try:
                if self._token is not None and not await self._hand_on():
                    await self._let_go()
            finally:
                self._local.release()

    async def _hand_on(self) -> bool:
        """Whether to keep the lock for the next task of this process: while one waits,
        unless another instance has been asking for it for a while."""
        if not self._waiting:
            return False
        now = asyncio.get_running_loop().time()
        if now - self._taken_at < HAND_ON_FOR:
            return True
        try:
            wanted = await self._shared.get(self._wanted_key) is not None
        except SharedStateError:
            wanted = True
        if wanted:
            self._just_let_go = True
            return False
        self._taken_at = now  # nobody else asked: another while, then look again
        return True

    async def _take_turn(self) -> None:
        if self._just_let_go:
            # Handed on for a while: others may be waiting, and poll faster than this.
            self._just_let_go = False
            await asyncio.sleep(_TURN_FOR_OTHERS)
        self._token = await self._take()
        if self._token is not None:
            self._taken_at = asyncio.get_running_loop().time()
            self._renewing = asyncio.create_task(self._renew(self._token))

    async def _let_go(self) -> None:
        token, self._token = self._token, None
        if self._renewing is not None:
            self._renewing.cancel()
            with suppress(asyncio.CancelledError):
                await self._renewing
            self._renewing = None
        try:
            assert token is not None
            await self._shared.delete_if(self._key, token)
        except SharedStateError as error:
            # Its lease lets it go in a few seconds anyway.
            logger.warning("cannot let go of a shared lock (%s)", error)

    async def _take(self) -> str | None:
        token = secrets.token_hex(8)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._give_up_after.total_seconds()
        pause = _FIRST_PAUSE
        try:
            while not await self._shared.put_new(self._key, token, self._lease):
                # Said while waiting, so an instance passing the lock among its own
                # tasks lets it go for this one's turn.
                await self._shared.put(self._wanted_key, "1", _WANTED_FOR)
                if loop.time() >= deadline:
                    logger.warning("a shared lock was not let go of in time; going on without")
                    return None
                await asyncio.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)
        except SharedStateError as error:
            logger.warning("cannot take a shared lock (%s); going on without it", error)
            return None
        return token

    async def _renew(self, token: str) -> None:
        while True:
            await asyncio.sleep(self._lease.total_seconds() / 3)
            try:
                if not await self._shared.renew(self._key, token, self._lease):
                    logger.warning("a shared lock's lease ran out while it was held")
                    return
            except SharedStateError as error:
                logger.warning("cannot renew a shared lock (%s)", error)
