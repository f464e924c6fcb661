"""What the bot needs from shared ephemeral state, whichever holds it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Protocol

# A set of records changed by one write, or everything (too many to list: read them all).
Changed = set[str] | None
# How many writes' changes are remembered for readers catching up; one further behind
# reads every record.
REMEMBERED_CHANGES = 256


class SharedStateError(Exception):
    """Redis cannot be used; the message says why in one line, never with a password."""


class SharedState(Protocol):
    @property
    def described(self) -> str:
        """Where the state lives, for the operator: never a password."""
        ...

    @property
    def spans_instances(self) -> bool:
        """Whether other instances of the bot see this state too (Redis), or only this
        process does (memory)."""
        ...

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        """Set key to value, gone after ttl."""
        ...

    async def put_new(self, key: str, value: str, ttl: timedelta) -> bool:
        """Set key to value, gone after ttl, only if it is not set: whether it was set."""
        ...

    async def renew(self, key: str, value: str, ttl: timedelta) -> bool:
        """Gone after ttl from now, if key still holds value: whether it did."""
        ...

    async def delete_if(self, key: str, value: str) -> bool:
        """Delete key if it still holds value: whether it did."""
        ...

    async def get(self, key: str) -> str | None: ...

    async def pace(self, key: str, every: timedelta) -> float:
        """A turn in a pace everyone sharing this state keeps, one turn every `every`:
        the seconds to wait for it (0: now)."""
        ...

    async def put_records(
        self, name: str, changed: Mapping[str, str], removed: Collection[str], ttl: timedelta
    ) -> int:
        """Change some of the records called name, all in one step, gone after ttl unless
        written again: the version this makes (one more than the last)."""
        ...

    async def changes_since(self, name: str, version: int | None) -> tuple[int, Changed]:
        """The records' version now, and which records changed after version (None: read
        them all, because version is None or older than the changes remembered)."""
        ...

    async def records(self, name: str, keys: Collection[str] | None = None) -> dict[str, str]:
        """The records asked for (None: all of them); one that is gone is left out."""
        ...

    async def delete(self, *keys: str) -> int:
        """How many of the keys were there."""
        ...

    async def keys(self, prefix: str, containing: str = "") -> list[str]:
        """Every live key that starts with prefix and holds containing after it."""
        ...

    async def close(self) -> None: ...
