"""Runs the Application, by long polling or as a webhook, until asked to stop.

We drive PTB's lifecycle ourselves (rather than run_polling) so the demo can run the bot,
the simulator and the terminal in one event loop, and tests can stop it on cue.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from urllib.parse import urlsplit

from telegram import Update

from bot.app import on_startup
from bot.platform.config import Settings
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
            # Pending updates are kept: switching from polling to webhook loses none.
            await application.bot.set_webhook(
                settings.webhook_url,
                secret_token=server.secret_token,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
                max_connections=TELEGRAM_CONNECTIONS,
            )
            logger.info("Porchlight is serving its webhook on port %d", port)
            await stop.wait()
        finally:
            await server.stop()
            await application.stop()
    logger.info("Porchlight stopped")
    return port


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM (hosts stopping us) and SIGINT (Ctrl-C) both end the run cleanly."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
