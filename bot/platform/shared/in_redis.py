"""Shared state in Redis: every instance sees the same, and a restart or a crash of one
loses nothing the others need. Every key carries this bot's namespace (from its secret,
so two bots can share one Redis) and a time to live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import redis.asyncio as redis
from redis.exceptions import AuthenticationError, RedisError

from bot.platform.shared.interface import SharedStateError
from bot.platform.shared.redis_url import described_redis

_GLOB_SPECIALS = str.maketrans({c: f"\\{c}" for c in "*?[]\\"})


class RedisState:
    def __init__(self, client: redis.Redis, namespace: str, described: str) -> None:
        self._client = client
        self._prefix = f"porchlight:{namespace}:"
        self.described = described

    @classmethod
    async def connect(cls, url: str, namespace: str) -> RedisState:
        described = described_redis(url)
        client = redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=5,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
        state = cls(client, namespace, described)
        try:
            await cast(Any, client.ping())
        except AuthenticationError:
            await client.aclose()
            raise SharedStateError(
                f"{described} refused the password (or user) in REDIS_URL"
            ) from None
        except (RedisError, OSError) as error:
            await client.aclose()
            raise SharedStateError(
                f"{described} does not answer ({type(error).__name__}); is it running?"
            ) from None
        return state

    async def put(self, key: str, value: str, ttl: timedelta) -> None:
        milliseconds = max(1, int(ttl.total_seconds() * 1000))
        await self._do(self._client.set(self._prefix + key, value, px=milliseconds))

    async def get(self, key: str) -> str | None:
        found = await self._do(self._client.get(self._prefix + key))
        return None if found is None else str(found)

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        return int(await self._do(self._client.delete(*(self._prefix + k for k in keys))))

    async def keys(self, prefix: str, containing: str = "") -> list[str]:
        pattern = self._prefix + prefix.translate(_GLOB_SPECIALS) + "*"
        if containing:
            pattern += containing.translate(_GLOB_SPECIALS) + "*"
        try:
            found = [key async for key in self._client.scan_iter(match=pattern, count=500)]
        except RedisError as error:
            raise SharedStateError(f"{self.described} failed ({type(error).__name__})") from None
        return sorted(str(key)[len(self._prefix) :] for key in found)

    async def close(self) -> None:
        await self._client.aclose()

    async def _do(self, call: Any) -> Any:
        try:
            return await call
        except RedisError as error:
            raise SharedStateError(f"{self.described} failed ({type(error).__name__})") from None
