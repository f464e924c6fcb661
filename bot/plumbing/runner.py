"""Runs the Application, by long polling or as a webhook, until asked to stop.

We drive PTB's lifecycle ourselves (rather than run_polling) so the demo can run the bot,
the simulator and the terminal in one event loop, and tests can stop it on cue.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import suppress
from datetime import timedelta
from urllib.parse import urlsplit

from telegram import Update

from bot.app import on_startup
from bot.platform.config import Settings
from bot.platform.shared import SharedStateError
from bot.platform.shared.lock import SharedLock
from bot.plumbing.bounded_server import ConnectionLimits
from bot.plumbing.types import App
from bot.plumbing.webhook import TELEGRAM_CONNECTIONS, WebhookServer
from bot.services import services_of

logger = logging.getLogger(__name__)


async def run_polling(application: App, stop: asyncio.Event) -> None:
    """Initialise, poll, and shut down cleanly when stop is set."""
    async with application:
        await on_startup(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
        logger.info("Porchlight is running; waiting for updates")
        try:
            await stop.wait()
        finally:
            await application.updater.stop()
            await application.stop()
    logger.info("Porchlight stopped")


async def run_webhook(
    application: App,
    stop: asyncio.Event,
    settings: Settings,
    *,
    limits: ConnectionLimits | None = None,
) -> int:
    """Serve Telegram's webhook until stop is set; returns the port it listened on."""
    assert settings.webhook_url is not None
    path = urlsplit(settings.webhook_url).path or "/"
    # The same secret token in every instance run with the operator's secret.
    token = services_of(application.bot_data).keyring.webhook_token()
    server = WebhookServer(application, path, token, limits or ConnectionLimits())
    async with application:
        await on_startup(application)
        await application.start()
        port = await server.start(settings.webhook_listen, settings.webhook_port)
        try:
            await _point_telegram_here(application, settings.webhook_url, token)
            logger.info("Porchlight is serving its webhook on port %d", port)
            await stop.wait()
        finally:
            await server.stop()
            await application.stop()
    logger.info("Porchlight stopped")
    return port


# Where instances side by side note the webhook set (a keyed digest of how), and the lock
# that lets one of them at a time look and set it.
_WEBHOOK_SET, _WEBHOOK_LOCK = "webhook:set", "webhook:lock"
_WEBHOOK_SET_FOR = timedelta(days=7)


async def _point_telegram_here(application: App, url: str, token: str) -> None:
    """Set the webhook. Beside other instances (REDIS_URL), the first to take the lock
    sets it and the rest find it set as they would set it, and leave it; any instance sets
    it again if Telegram no longer has it (a poller ran in between, say)."""
    svc = services_of(application.bot_data)
    shared = svc.shared
    if not shared.spans_instances:
        await _set_webhook(application, url, token)
        return
    as_set = f"{url}\n{token}\n{TELEGRAM_CONNECTIONS}\n{','.join(Update.ALL_TYPES)}"
    how = svc.keyring.shared_name(f"webhook\n{as_set}")
    async with SharedLock(shared, _WEBHOOK_LOCK).held():
        info = await application.bot.get_webhook_info()
        try:
            noted = await shared.get(_WEBHOOK_SET)
        except SharedStateError:
            noted = None
        if info.url == url and noted == how:
            logger.info("the webhook is set already, as this instance would set it")
            return
        await _set_webhook(application, url, token)
        # Not noted: the next instance sets it once more, which is harmless.
        with suppress(SharedStateError):
            await shared.put(_WEBHOOK_SET, how, _WEBHOOK_SET_FOR)


async def _set_webhook(application: App, url: str, token: str) -> None:
    # Pending updates are kept: switching from polling to webhook loses none.
    await application.bot.set_webhook(
        url,
        secret_token=token,
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
        max_connections=TELEGRAM_CONNECTIONS,
    )


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM (hosts stopping us) and SIGINT (Ctrl-C) both end the run cleanly."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
