"""Webhook mode: a small aiohttp server feeding the Application's update queue.

PTB's own run_webhook serves one route and compares the secret plainly, so we serve the
webhook path and /healthz ourselves: the secret token is compared in constant time (a
request without it gets 403 and nothing is processed), an update Telegram sends twice is
processed once, and an update PTB cannot read is skipped and counted, never retried. The
server under it is bounded (bot/plumbing/bounded_server.py): so many connections, and a deadline
for each request, so idle or half-open connections cannot use up the process's files.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from aiohttp import web
from telegram import Update

from bot.plumbing.bounded_server import BoundedServer, ConnectionLimits
from bot.plumbing.types import App
from bot.plumbing.updates_guard import readable_updates
from bot.services import services_of

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# The delivery tick runs every 30 s; a minute and a half without one means it is stuck.
TICK_STALE_SECONDS = 90.0
# Where the delivery tick (bot/handlers/daily.py) leaves time.monotonic() at each beat, in
# bot_data: a tick that stopped makes /healthz unhealthy.
LAST_TICK_KEY = "porchlight.last_tick"
_REMEMBERED_IDS = 10_000
# Telegram's own default, said out loud: it never opens more connections to the webhook
# than this, well under the server's ceiling (ConnectionLimits.max_connections).
TELEGRAM_CONNECTIONS = 40
HEALTH_PATH = "/healthz"


def new_secret_token() -> str:
    """Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -."""
    return secrets.token_urlsafe(48)


@dataclass
class WebhookServer:
    application: App
    path: str
    secret_token: str
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    _seen: OrderedDict[int, None] = field(default_factory=OrderedDict)
    _runner: web.ServerRunner | None = None
    skipped_updates: int = 0
    duplicates: int = 0

    async def start(self, host: str, port: int) -> int:
        # Bodies over 1 MB (aiohttp's default) are refused with 413; an update is a few KB.
        server = BoundedServer(self._route, self.limits, access_log=None)
        runner = web.ServerRunner(server, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _route(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path == self.path:
            if request.method != "POST":
                return web.Response(status=405, headers={"Allow": "POST"})
            return await self._receive(request)
        if request.path == HEALTH_PATH:
            if request.method not in ("GET", "HEAD"):
                return web.Response(status=405, headers={"Allow": "GET, HEAD"})
            return await self._health()
        return web.Response(status=404)

    async def _receive(self, request: web.BaseRequest) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not secrets.compare_digest(given.encode(), self.secret_token.encode()):
            logger.warning("refused a webhook request without the right secret token")
            return web.Response(status=403)
        try:
            payload = await request.json()
        except ValueError:
            self.skipped_updates += 1
            return web.Response(status=200)  # unreadable: answering 200 stops the retries
        kept, skipped = readable_updates([payload])
        self.skipped_updates += skipped
        for data in kept:
            update_id = int(data["update_id"])
            if update_id in self._seen:
                self.duplicates += 1
                continue
            self._seen[update_id] = None
            while len(self._seen) > _REMEMBERED_IDS:
                self._seen.popitem(last=False)
            update = Update.de_json(data, self.application.bot)
            await self.application.update_queue.put(update)
        return web.Response(status=200)

    async def _health(self) -> web.Response:
        svc = services_of(self.application.bot_data)
        last_tick = self.application.bot_data.get(LAST_TICK_KEY)
        ticking = isinstance(last_tick, float) and time.monotonic() - last_tick < TICK_STALE_SECONDS
        if await svc.store.healthy(svc.clock()) and ticking:
            if svc.assessor.degraded:
                # Serving, but crises are recognised by the rules alone: say so plainly.
                return web.Response(text=f"degraded: crisis model off ({svc.assessor.problem})\n")
            return web.Response(text="ok\n")
        return web.Response(status=503, text="unhealthy\n")
