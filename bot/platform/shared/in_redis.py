"""Shared state in Redis: every instance sees the same, and a restart or a crash of one
loses nothing the others need. Every key carries this bot's namespace (from its secret,
so two bots can share one Redis) and a time to live."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from typing import Any, cast

import redis.asyncio as redis
from redis.exceptions import AuthenticationError, RedisError

from bot.platform.shared.interface import REMEMBERED_CHANGES, Changed, SharedStateError
from bot.platform.shared.redis_url import described_redis

# A write listing more records than this says "everything" instead.
_LISTED_CHANGES = 500
_EVERYTHING = "*"
# How long a pace's key outlives its last turn: past that, nobody is waiting on it.
_PACE_KEPT_FOR_MS = 5000
_GLOB_SPECIALS = str.maketrans({c: f"\\{c}" for c in "*?[]\\"})
# Compare and act in one step on the server, so no other instance acts in between.
_RENEW_IF_HELD = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# Records, their version and the list of what each version changed, in one step.
# ARGV: time to live (ms), changes remembered, what changed, how many are set, then each
# set record's key and value, then the keys of the records removed.
_PUT_RECORDS = """
local count = tonumber(ARGV[4])
for i = 0, count - 1 do
    redis.call('HSET', KEYS[1], ARGV[5 + 2 * i], ARGV[6 + 2 * i])
end
for i = 5 + 2 * count, #ARGV do
    redis.call('HDEL', KEYS[1], ARGV[i])
end
local version = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[3], version .. '\\n' .. ARGV[3])
redis.call('LTRIM', KEYS[3], -tonumber(ARGV[2]), -1)
for i = 1, 3 do
    redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return version
"""
# A pace's next free turn, on the server's clock (one clock for every instance): the turn
# taken is the later of now and that, and the next is one step after it. ARGV: the step
# (seconds), how long the key outlives its last turn (ms). Returns the wait, in seconds.
_PACE = """
redis.replicate_commands()  -- before Redis 5, what lets a script read the clock and write
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local turn = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local wait = turn - now
redis.call('SET', KEYS[1], string.format('%.6f', turn + tonumber(ARGV[1])),
    'PX', math.floor(wait * 1000) + tonumber(ARGV[2]))
return string.format('%.6f', wait)
"""
_DELETE_IF_HELD = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisState:
    def __init__(self, client: redis.Redis, namespace: str, described: str) -> None:
        self._client = client
        self._prefix = f"porchlight:{namespace}:"
        self.described = described
        self._renew_if_held = client.register_script(_RENEW_IF_HELD)
        self._delete_if_held = client.register_script(_DELETE_IF_HELD)
        self._put_records = client.register_script(_PUT_RECORDS)
        self._pace = client.register_script(_PACE)

    spans_instances = True

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
        await self._do(self._client.set(self._prefix + key, value, px=_milliseconds(ttl)))

    async def put_new(self, key: str, value: str, ttl: timedelta) -> bool:
        milliseconds = _milliseconds(ttl)
        set_now = self._client.set(self._prefix + key, value, px=milliseconds, nx=True)
        return bool(await self._do(set_now))

    async def renew(self, key: str, value: str, ttl: timedelta) -> bool:
        renewed = self._renew_if_held(keys=[self._prefix + key], args=[value, _milliseconds(ttl)])
        return bool(await self._do(renewed))

    async def delete_if(self, key: str, value: str) -> bool:
        return bool(await self._do(self._delete_if_held(keys=[self._prefix + key], args=[value])))

    async def get(self, key: str) -> str | None:
        found = await self._do(self._client.get(self._prefix + key))
        return None if found is None else str(found)

    async def pace(self, key: str, every: timedelta) -> float:
        step = f"{every.total_seconds():.6f}"
        waited = self._pace(keys=[self._prefix + key], args=[step, _PACE_KEPT_FOR_MS])
        return float(await self._do(waited))

    async def put_records(
        self, name: str, changed: Mapping[str, str], removed: Collection[str], ttl: timedelta
    ) -> int:
        keys = (*changed, *removed)
        # A write that changed a great many records says "everything" instead of listing.
        what = "\n".join(keys) if len(keys) <= _LISTED_CHANGES else _EVERYTHING
        values = [item for pair in changed.items() for item in pair]
        args: list[str | int] = [_milliseconds(ttl), REMEMBERED_CHANGES, what, len(changed)]
        args += [*values, *removed]
        written = self._put_records(keys=self._record_keys(name), args=args)
        return int(await self._do(written))

    async def changes_since(self, name: str, version: int | None) -> tuple[int, Changed]:
        _, version_key, changes_key = self._record_keys(name)
        now = int(await self._do(self._client.get(version_key)) or 0)
        if version == now:
            return now, set()
        if version is None or not 0 < now - version <= REMEMBERED_CHANGES:
            return now, None
        # A few more than asked for: others may have written since the version was read.
        listed = await self._do(self._client.lrange(changes_key, version - now - 8, -1))
        changed: set[str] = set()
        versions = []
        for entry in listed:
            number, _, keys = str(entry).partition("\n")
            if int(number) <= version:
                continue
            if keys == _EVERYTHING:
                return now, None
            versions.append(int(number))
            changed.update(k for k in keys.split("\n") if k)
        if not versions or min(versions) != version + 1:
            return now, None  # some changes were forgotten: read everything
        return max(now, *versions), changed

    async def records(self, name: str, keys: Collection[str] | None = None) -> dict[str, str]:
        records_key = self._record_keys(name)[0]
        if keys is None:
            found = await self._do(self._client.hgetall(records_key))
            return {str(k): str(v) for k, v in found.items()}
        wanted = list(keys)
        result: dict[str, str] = {}
        for start in range(0, len(wanted), 1000):
            batch = wanted[start : start + 1000]
            values = await self._do(self._client.hmget(records_key, batch))
            result.update({k: str(v) for k, v in zip(batch, values, strict=True) if v is not None})
        return result

    def _record_keys(self, name: str) -> list[str]:
        base = self._prefix + name
        return [f"{base}:records", f"{base}:version", f"{base}:changes"]

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


def _milliseconds(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds() * 1000))
