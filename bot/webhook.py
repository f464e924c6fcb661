"""Webhook mode: a small aiohttp server feeding the Application's update queue.

PTB's own run_webhook serves one route and compares the secret plainly, so we serve the
webhook path and /healthz ourselves: the secret token is compared in constant time (a
request without it gets 403 and nothing is processed), an update Telegram sends twice is
processed once, and an update PTB cannot read is skipped and counted, never retried.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from aiohttp import web
from telegram import Update

from bot.handlers.common import App
from bot.handlers.daily import LAST_TICK_KEY
from bot.services import services_of
from bot.updates_guard import readable_updates

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# The delivery tick runs every 30 s; a minute and a half without one means it is stuck.
TICK_STALE_SECONDS = 90.0
_REMEMBERED_IDS = 10_000


def new_secret_token() -> str:
    """Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -."""
    return secrets.token_urlsafe(48)


@dataclass
class WebhookServer:
    application: App
    path: str
    secret_token: str
    _seen: OrderedDict[int, None] = field(default_factory=OrderedDict)
    _runner: web.AppRunner | None = None
    skipped_updates: int = 0
    duplicates: int = 0

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.path, self._receive)
        app.router.add_get("/healthz", self._health)
        return app

    async def start(self, host: str, port: int) -> int:
        runner = web.AppRunner(self.web_app(), access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        return int(runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
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

    async def _health(self, request: web.Request) -> web.Response:
        del request
        svc = services_of(self.application.bot_data)
        last_tick = self.application.bot_data.get(LAST_TICK_KEY)
        ticking = isinstance(last_tick, float) and time.monotonic() - last_tick < TICK_STALE_SECONDS
        if await svc.store.healthy(svc.clock()) and ticking:
            if svc.assessor.degraded:
                # Serving, but crises are recognised by the rules alone: say so plainly.
                return web.Response(text=f"degraded: crisis model off ({svc.assessor.problem})\n")
            return web.Response(text="ok\n")
        return web.Response(status=503, text="unhealthy\n")
