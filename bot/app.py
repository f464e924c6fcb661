"""The composition root: builds the PTB Application and registers every handler module.

Order matters: within a handler group the first matching handler wins, so the fallback
module, which answers what nothing else claimed, is registered last.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import LinkPreviewOptions
from telegram.ext import ApplicationBuilder, BaseRateLimiter, Defaults

from bot.commands import publish_commands
from bot.handlers import (
    daily,
    fallback,
    inline,
    library,
    membership,
    operator,
    privacy,
    reflections,
    resources,
    safety,
    welcome,
)
from bot.handlers.common import App, Context
from bot.priority import MembersFirstRateLimiter
from bot.services import SERVICES_KEY, Services, services_of
from bot.updates_guard import TolerantUpdatesRequest

logger = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(hours=1)
# Safety first: its handler runs in an early group, before any feature sees a message.
HANDLER_MODULES = (
    safety,
    welcome,
    reflections,
    daily,
    library,
    inline,
    privacy,
    resources,
    membership,
    operator,
    fallback,
)


def build_application(
    services: Services, *, rate_limiter: BaseRateLimiter[Any] | None = None
) -> App:
    settings = services.settings
    application: App = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        # parse_mode is passed where text is sent (handlers.common.HTML), not as a default:
        # PTB would add a default parse_mode to calls that have no such parameter.
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(rate_limiter or MembersFirstRateLimiter())
        .get_updates_request(TolerantUpdatesRequest(connection_pool_size=1))
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    for module in HANDLER_MODULES:
        module.register(application)
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(
        purge_expired, interval=PURGE_INTERVAL, first=timedelta(minutes=1), name="purge"
    )
    return application


async def on_startup(application: App) -> None:
    """Work that needs Telegram, done once the bot is initialised and before updates flow."""
    await publish_commands(application.bot, services_of(application.bot_data).catalog)


async def purge_expired(context: Context) -> None:
    svc = services_of(context.application.bot_data)
    erased = await svc.store.purge_expired(svc.clock())
    if erased:
        logger.info("purged %d expired rows", erased)
