"""Shared state in this process's memory: one instance, as before REDIS_URL."""

from __future__ import annotations

import time
from datetime import timedelta

# Expired keys are let go of as they are read, and all at once every so many writes.
_SWEEP_EVERY = 256


class MemoryState:
    described = "this process's memory"

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._writes = 0

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        self._values[key] = (value, time.monotonic() + ttl.total_seconds())
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            now = time.monotonic()
            for stale in [k for k, (_, until) in self._values.items() if until <= now]:
                del self._values[stale]

    async def get(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None:
            return None
        if found[1] <= time.monotonic():
            del self._values[key]
            return None
        return found[0]

    async def delete(self, *keys: str) -> int:
        return sum(self._values.pop(key, None) is not None for key in keys)

    async def keys(self, prefix: str, containing: str = "") -> list[str]:
        now = time.monotonic()
        return [
            key
            for key, (_, until) in self._values.items()
            if until > now and key.startswith(prefix) and containing in key[len(prefix) :]
        ]

    async def close(self) -> None:
        self._values.clear()
