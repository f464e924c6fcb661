"""Where tests find a Redis server, and a namespace of their own on it for each test.

PORCHLIGHT_TEST_REDIS names the server (a redis:// URL). Unset, the local default is tried
and the Redis tests are skipped, saying why, when nothing answers there; set, the server
must answer (CI sets it); `off` skips them. Each test's keys carry a namespace of its own
and are deleted afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis

from tests.servers import Server

LOCAL_REDIS = "redis://127.0.0.1:6379/0"
REDIS = Server("Redis", "PORCHLIGHT_TEST_REDIS", LOCAL_REDIS)
redis_server = REDIS.url
require_redis = REDIS.require


@asynccontextmanager
async def fresh_redis() -> AsyncIterator[tuple[str, str]]:
    """The server's URL and a namespace no other test uses; its keys go afterwards."""
    url = require_redis()
    namespace = f"test-{secrets.token_hex(6)}"
    try:
        yield url, namespace
    finally:
        await delete_namespace(url, namespace)


async def delete_namespace(url: str, namespace: str) -> None:
    """Every key a bot (or a test) with this namespace left."""
    client = redis.from_url(url)
    try:
        async for key in client.scan_iter(match=f"porchlight:{namespace}:*"):
            await client.delete(key)
    finally:
        await client.aclose()


async def dump_redis(url: str, namespace: str) -> bytes:
    """Every key of the namespace with its value (a hash's fields, a list's items), as
    text: what a dump of Redis would hold."""
    client = redis.from_url(url)
    lines = []
    try:
        async for key in client.scan_iter(match=f"porchlight:{namespace}:*"):
            kind = await client.type(key)
            if kind == b"hash":
                fields = await client.hgetall(key)
                value = b" ".join(b"%s=%s" % item for item in sorted(fields.items()))
            elif kind == b"list":
                value = b" ".join(await client.lrange(key, 0, -1))
            else:
                value = await client.get(key) or b""
            lines.append(b"%s = %s" % (key, value))
    finally:
        await client.aclose()
    return b"\n".join(sorted(lines))
