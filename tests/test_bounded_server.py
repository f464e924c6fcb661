"""The webhook's HTTP server: a ceiling on connections and a deadline on each request, over
real sockets. Limits are small and injected; nothing here asserts how fast anything is."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from bot.plumbing.bounded_server import BoundedServer, ConnectionLimits, Handler

PARTIAL_HEADER = b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: applic"
HANG_GUARD = 10.0  # only so a broken test fails instead of hanging


async def echo_length(request: web.BaseRequest) -> web.StreamResponse:
    return web.Response(text=str(len(await request.read())))


@asynccontextmanager
async def serving(
    limits: ConnectionLimits, handler: Handler = echo_length
) -> AsyncIterator[tuple[BoundedServer, int]]:
    server = BoundedServer(handler, limits, access_log=None)
    runner = web.ServerRunner(server, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield server, int(runner.addresses[0][1])
    finally:
        await runner.cleanup()


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect(port: int, first_bytes: bytes = PARTIAL_HEADER) -> Connection:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(first_bytes)
    await writer.drain()
    return reader, writer


async def until_closed(connection: Connection) -> bytes:
    """Everything the server sent before it closed the connection."""
    reader, writer = connection
    try:
        return await asyncio.wait_for(reader.read(), HANG_GUARD)
    except ConnectionResetError:
        return b""
    finally:
        writer.close()


async def test_a_half_open_connection_is_closed_at_its_deadline() -> None:
    async with serving(ConnectionLimits(max_connections=10, request_seconds=0.3)) as (server, port):
        idle = [await connect(port) for _ in range(3)]
        for connection in idle:
            assert await until_closed(connection) == b""
        # The server lets go of a connection before its socket closes, so this holds now.
        assert server.open_connections == 0


async def test_a_kept_alive_connection_is_closed_once_idle_for_the_deadline() -> None:
    async with serving(ConnectionLimits(max_connections=10, request_seconds=0.3)) as (server, port):
        request = b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        answer = await until_closed(await connect(port, request))
        assert answer.startswith(b"HTTP/1.1 200")
        assert answer.endswith(b"5")
        assert server.open_connections == 0


async def test_a_body_that_trickles_in_is_cut_off_with_408() -> None:
    async with serving(ConnectionLimits(max_connections=10, request_seconds=0.3)) as (_, port):
        headers = b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
        answer = await until_closed(await connect(port, headers + b"ten bytes."))
        assert answer.startswith(b"HTTP/1.1 408")


async def test_idle_connections_never_pass_the_ceiling_and_a_real_request_gets_in() -> None:
    # A long deadline: here the ceiling alone has to make room.
    async with serving(ConnectionLimits(max_connections=4, request_seconds=60)) as (server, port):
        idle = [await connect(port) for _ in range(10)]
        for connection in idle[:6]:  # the six that waited longest gave way to newcomers
            assert await until_closed(connection) == b""
        assert server.open_connections == 4
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"http://127.0.0.1:{port}/hook", data=b"an update") as answer,
        ):
            assert answer.status == 200
            assert await answer.text() == "9"
        assert server.open_connections <= 4
        assert await until_closed(idle[6]) == b""  # the oldest idle one made room for it
        for _, writer in idle[7:]:
            writer.close()


async def test_a_connection_being_answered_keeps_its_place() -> None:
    release = asyncio.Event()
    both_started = asyncio.Event()
    started: list[None] = []

    async def slow(request: web.BaseRequest) -> web.StreamResponse:
        started.append(None)
        if len(started) == 2:
            both_started.set()
        await request.read()
        await release.wait()
        return web.Response(text="done")

    request = b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"
    limits = ConnectionLimits(max_connections=2, request_seconds=60)
    async with serving(limits, slow) as (server, port):
        busy = [await connect(port, request) for _ in range(2)]
        await asyncio.wait_for(both_started.wait(), HANG_GUARD)
        assert await until_closed(await connect(port)) == b""  # no idle place to take
        assert server.turned_away == 1
        release.set()
        for connection in busy:
            assert (await until_closed(connection)).endswith(b"done")
