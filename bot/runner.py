"""Runs the Application by long polling until asked to stop.

We drive PTB's lifecycle ourselves (rather than run_polling) so the demo can run the bot,
the simulator and the terminal in one event loop, and tests can stop it on cue.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update

from bot.app import on_startup
from bot.handlers.common import App

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


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGTERM (hosts stopping us) and SIGINT (Ctrl-C) both end the run cleanly."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
