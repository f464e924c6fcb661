"""Shared state in this process's memory: one instance, as before REDIS_URL."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.platform.shared.interface import REMEMBERED_CHANGES, Changed

# Expired keys are let go of as they are read, and all at once every so many writes.
_SWEEP_EVERY = 256


@dataclass
class _Records:
    values: dict[str, str] = field(default_factory=dict)
    version: int = 0
    changes: deque[tuple[int, set[str]]] = field(
        default_factory=lambda: deque(maxlen=REMEMBERED_CHANGES)
    )
    until: float = 0.0


class MemoryState:
    described = "this process's memory"
    spans_instances = False

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._writes = 0
        self._records: dict[str, _Records] = {}
        self._paces: dict[str, float] = {}  # each pace's next free turn

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        self._values[key] = (value, time.monotonic() + ttl.total_seconds())
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            now = time.monotonic()
            for stale in [k for k, (_, until) in self._values.items() if until <= now]:
                del self._values[stale]

    async def put_new(self, key: str, value: str, ttl: timedelta) -> bool:
        if await self.get(key) is not None:
            return False
        await self.put(key, value, ttl)
        return True

    async def renew(self, key: str, value: str, ttl: timedelta) -> bool:
        if await self.get(key) != value:
            return False
        await self.put(key, value, ttl)
        return True

    async def delete_if(self, key: str, value: str) -> bool:
        if await self.get(key) != value:
            return False
        del self._values[key]
        return True

    async def pace(self, key: str, every: timedelta) -> float:
        now = time.monotonic()
        turn = max(now, self._paces.get(key, 0.0))
        self._paces[key] = turn + every.total_seconds()
        return turn - now

    async def get(self, key: str) -> str | None:
        found = self._values.get(key)
        if found is None:
            return None
        if found[1] <= time.monotonic():
            del self._values[key]
            return None
        return found[0]

    async def put_records(
        self, name: str, changed: Mapping[str, str], removed: Collection[str], ttl: timedelta
    ) -> int:
        held = self._live_records(name) or self._records.setdefault(name, _Records())
        held.values.update(changed)
        for key in removed:
            held.values.pop(key, None)
        held.version += 1
        held.changes.append((held.version, {*changed, *removed}))
        held.until = time.monotonic() + ttl.total_seconds()
        return held.version

    async def changes_since(self, name: str, version: int | None) -> tuple[int, Changed]:
        held = self._live_records(name)
        if held is None:
            return 0, set() if version == 0 else None
        if version == held.version:
            return held.version, set()
        later = [keys for v, keys in held.changes if version is not None and v > version]
        if version is None or version > held.version or len(later) != held.version - version:
            return held.version, None
        return held.version, set().union(*later)

    async def records(self, name: str, keys: Collection[str] | None = None) -> dict[str, str]:
        held = self._live_records(name)
        if held is None:
            return {}
        if keys is None:
            return dict(held.values)
        return {key: held.values[key] for key in keys if key in held.values}

    def _live_records(self, name: str) -> _Records | None:
        held = self._records.get(name)
        if held is not None and held.until <= time.monotonic():
            del self._records[name]
            return None
        return held

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
        self._records.clear()
