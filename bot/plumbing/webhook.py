"""Webhook mode: a small aiohttp server that processes each update before it answers.

PTB's own run_webhook serves one route and compares the secret plainly, so we serve the
webhook path and /healthz ourselves: the secret token (the same in every instance, derived
from the operator's secret) is compared in constant time, and a request without it gets
403 and nothing is processed. An update PTB cannot read is skipped and counted, never
retried.

Telegram sends a chat's next update only once the last one was answered, so answering
after processing keeps each chat in order whichever instance it reaches. Each update is
claimed in the database first (store/updates.py): one Telegram sends twice, to this
instance or another, is processed once; one another instance is still processing gets 503,
so Telegram sends it again later. Processing goes on if the request gives up waiting, and
an update whose instance died is taken up when its claim's lease runs out. The server under
it is bounded (bot/plumbing/bounded_server.py): so many connections, and a deadline for
each request, so idle or half-open connections cannot use up the process's files.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta

from aiohttp import web
from telegram import Update

from bot.platform.shared import SharedStateError
from bot.platform.store import Claim, StoreError
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
# Update ids remembered in memory, for when the database cannot be asked.
_REMEMBERED_IDS = 10_000
# How long an instance holds an update it is processing: far longer than any update takes
# (a few answers paced a second apart), short enough that one left by an instance that
# died is processed within a minute or so of Telegram sending it again.
CLAIM_LEASE = timedelta(seconds=60)
# How long Telegram is asked to wait before sending again an update another instance holds.
RETRY_AFTER_SECONDS = 5
# Telegram's own default, said out loud: it never opens more connections to the webhook
# than this, well under the server's ceiling (ConnectionLimits.max_connections).
TELEGRAM_CONNECTIONS = 40
HEALTH_PATH = "/healthz"
# A key /healthz reads from shared state (nothing is there: the read is what counts), and
# how long it waits for the answer; health checks time out after a few seconds.
HEALTH_KEY = "health"
SHARED_STATE_PATIENCE = 2.0


@dataclass
class WebhookServer:
    application: App
    path: str
    secret_token: str
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    _seen: OrderedDict[int, None] = field(default_factory=OrderedDict)
    _runner: web.ServerRunner | None = None
    _processing: set[asyncio.Task[None]] = field(default_factory=set)
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
        # Updates already taken are finished, not dropped half-way, before the bot stops.
        if self._processing:
            await asyncio.wait(set(self._processing), timeout=CLAIM_LEASE.total_seconds())

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
            claim = await self._claim(update_id)
            if claim is Claim.DONE:
                self.duplicates += 1
                continue
            if claim is Claim.BUSY:
                return web.Response(status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
            update = Update.de_json(data, self.application.bot)
            processing = asyncio.create_task(self._process(update))
            self._processing.add(processing)
            processing.add_done_callback(self._processing.discard)
            # Shielded: a request that gives up waiting leaves the update to finish.
            await asyncio.shield(processing)
        return web.Response(status=200)

    async def _claim(self, update_id: int) -> Claim:
        svc = services_of(self.application.bot_data)
        try:
            return await svc.store.claim_update(update_id, svc.clock(), CLAIM_LEASE)
        except StoreError:
            # Answering twice is better than not at all (a crisis among them): fall back
            # on this instance's own memory of the updates it took.
            logger.warning("the database cannot claim an update; remembering it here instead")
        if update_id in self._seen:
            return Claim.DONE
        self._seen[update_id] = None
        while len(self._seen) > _REMEMBERED_IDS:
            self._seen.popitem(last=False)
        return Claim.TAKEN

    async def _process(self, update: Update) -> None:
        """Through the per-chat order and urgency of bot/plumbing/update_order.py."""
        application = self.application
        try:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        except asyncio.CancelledError:
            raise  # stopped half-way: the claim lapses, and Telegram's next try is taken up
        except Exception as error:  # answered all the same: a retry would fail again
            logger.error("an update could not be processed (%s)", type(error).__name__)
        svc = services_of(application.bot_data)
        try:
            await svc.store.finish_update(update.update_id, svc.clock())
        except StoreError:
            logger.warning("the database cannot mark an update done; its claim will lapse")

    async def _health(self) -> web.Response:
        svc = services_of(self.application.bot_data)
        last_tick = self.application.bot_data.get(LAST_TICK_KEY)
        ticking = isinstance(last_tick, float) and time.monotonic() - last_tick < TICK_STALE_SECONDS
        if not (await svc.store.healthy(svc.clock()) and ticking):
            return web.Response(status=503, text="unhealthy\n")
        # Serving, but with something missing: said plainly, and still 200, since a
        # load balancer that took every instance out would answer no crisis at all.
        missing = []
        if svc.assessor.degraded:
            missing.append(f"crisis model off ({svc.assessor.problem})")
        if svc.shared.spans_instances and not await self._shared_state_answers():
            missing.append(f"shared state out of reach ({svc.shared.described})")
        if missing:
            return web.Response(text=f"degraded: {'; '.join(missing)}\n")
        return web.Response(text="ok\n")

    async def _shared_state_answers(self) -> bool:
        shared = services_of(self.application.bot_data).shared
        try:
            await asyncio.wait_for(shared.get(HEALTH_KEY), timeout=SHARED_STATE_PATIENCE)
        except (SharedStateError, TimeoutError):
            return False
        return True
