"""aiohttp's low-level HTTP server with two bounds: so many connections at most, and a
deadline for each request.

Without them every connection, however idle or half-open, holds a file descriptor for as
long as the client likes (aiohttp closes a connection idle between requests, but older
releases never close one that does not finish its first), and enough of them exhaust the
process's file limit. Here each connection must deliver a whole request, headers and body,
within `request_seconds` of opening or of its last answer, or it is closed; and when all
the places are taken, a newcomer takes the place of the idle connection that has waited
longest, so a real request still gets in while idle ones wait out their deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web import RequestHandler

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ConnectionLimits:
    # Telegram opens at most 40 connections to a webhook (set with it); the rest is room for
    # health checks, and the whole stays far below the usual limit of 1,024 open files.
    max_connections: int = 100
    # Telegram sends a whole update within milliseconds of connecting; ten seconds forgives
    # a slow network and frees a half-open connection's descriptor soon. It is also how long
    # an idle kept-alive connection stays open.
    request_seconds: float = 10.0


@dataclass
class _Connection:
    transport: asyncio.Transport
    deadline: float
    timer: asyncio.TimerHandle
    busy: bool = False


class BoundedServer(web.Server):
    def __init__(self, handler: Handler, limits: ConnectionLimits, **kwargs: Any) -> None:
        # aiohttp's own idle timeout at the same bound, for the connections it does watch.
        super().__init__(self._within_deadline, keepalive_timeout=limits.request_seconds, **kwargs)
        self._answer = handler
        self.limits = limits
        self._open: dict[RequestHandler, _Connection] = {}
        self.turned_away = 0

    @property
    def open_connections(self) -> int:
        return len(self._open)

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        if len(self._open) >= self.limits.max_connections and not self._close_longest_idle():
            self.turned_away += 1  # every place is answering a request right now
            transport.close()
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.limits.request_seconds
        timer = loop.call_at(deadline, self._expire, handler)
        self._open[handler] = _Connection(transport, deadline, timer)

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        connection = self._open.pop(handler, None)
        if connection is not None:
            connection.timer.cancel()
        super().connection_lost(handler, exc)

    def _close_longest_idle(self) -> bool:
        idle = [(c.deadline, h) for h, c in self._open.items() if not c.busy]
        if not idle:
            return False
        _, handler = min(idle, key=lambda pair: pair[0])
        connection = self._open.pop(handler)  # its place is free now, not when it is gone
        connection.timer.cancel()
        connection.transport.close()
        return True

    def _expire(self, handler: RequestHandler) -> None:
        connection = self._open.get(handler)
        if connection is not None and not connection.busy:
            connection.transport.close()

    def _rearm(self, handler: RequestHandler, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        connection.timer.cancel()
        connection.deadline = loop.time() + self.limits.request_seconds
        connection.timer = loop.call_at(connection.deadline, self._expire, handler)

    async def _within_deadline(self, request: web.BaseRequest) -> web.StreamResponse:
        handler = request.protocol
        connection = self._open.get(handler)
        if connection is None:  # closed to make room just as its request arrived
            return web.Response(status=503)
        connection.busy = True
        try:
            async with asyncio.timeout_at(connection.deadline) as within:
                return await self._answer(request)
        except TimeoutError:
            if not within.expired():
                raise
            # A body still trickling in, or an answer that cannot come in time: say which,
            # and hang up rather than wait on this connection any longer.
            answer = web.Response(status=408 if not request.content.is_eof() else 503)
            answer.force_close()
            return answer
        finally:
            connection.busy = False
            if self._open.get(handler) is connection:
                self._rearm(handler, connection)
