"""What the bot needs from shared ephemeral state, whichever holds it."""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol


class SharedStateError(Exception):
    """Redis cannot be used; the message says why in one line, never with a password."""


class SharedState(Protocol):
    @property
    def described(self) -> str:
        """Where the state lives, for the operator: never a password."""
        ...

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        """Set key to value, gone after ttl."""
        ...

    async def get(self, key: str) -> str | None: ...

    async def delete(self, *keys: str) -> int:
        """How many of the keys were there."""
        ...

    async def keys(self, prefix: str, containing: str = "") -> list[str]:
        """Every live key that starts with prefix and holds containing after it."""
        ...

    async def close(self) -> None: ...
