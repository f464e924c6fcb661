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

from bot.handlers import (
    checkin,
    conversation,
    daily,
    days,
    directory,
    etiquette,
    fallback,
    inline,
    library,
    listen,
    meeting_schedule,
    meetings,
    membership,
    operator,
    pace,
    peer_chat,
    privacy,
    reflections,
    resources,
    safety,
    welcome,
)
from bot.handlers.common import App, Context
from bot.meetings.live import bring_back_meetings
from bot.memory import SWEEP_EVERY, sweep
from bot.peers.service import room_of
from bot.peers.tick import take_up_the_room
from bot.platform.discreet import neutral_first_line
from bot.plumbing.broadcast_pace import BroadcastPace
from bot.plumbing.commands import publish_commands
from bot.plumbing.priority import BROADCAST_PER_SECOND, MembersFirstRateLimiter
from bot.plumbing.transport import AiohttpRequest
from bot.plumbing.update_order import PerChatOrder
from bot.plumbing.updates_guard import TolerantUpdatesRequest
from bot.services import SERVICES_KEY, Services, services_of

logger = logging.getLogger(__name__)

PURGE_INTERVAL = timedelta(hours=1)
# Connections to the Bot API at once; more only queue inside the client.
CONNECTIONS = 8
# Safety first: its handler runs in an early group, before any feature sees a message.
HANDLER_MODULES = (
    safety,
    pace,
    peer_chat,
    checkin,
    listen,
    # Before meetings: it claims /meeting schedule and /meeting unschedule.
    meeting_schedule,
    meetings,
    etiquette,
    reflections,
    daily,
    days,
    directory,
    library,
    inline,
    privacy,
    resources,
    # After library and resources: their /start links come before the plain welcome.
    welcome,
    membership,
    operator,
    conversation,
    fallback,
)


def build_application(
    services: Services, *, rate_limiter: BaseRateLimiter[Any] | None = None
) -> App:
    settings = services.settings
    # Beside other instances, broadcasts keep one pace with them.
    shared_pace = (
        BroadcastPace(services.shared, BROADCAST_PER_SECOND)
        if services.shared.spans_instances
        else None
    )
    limiter = rate_limiter or MembersFirstRateLimiter(shared_pace=shared_pace)
    application: App = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        # parse_mode is passed where text is sent (handlers.common.HTML), not as a default:
        # PTB would add a default parse_mode to calls that have no such parameter.
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(limiter)
        # aiohttp, not PTB's httpx: the HTTP client was most of the bot's CPU per update
        # (bench/bench_throughput.py; see bot/plumbing/transport.py).
        .request(AiohttpRequest(connections=CONNECTIONS))
        .get_updates_request(TolerantUpdatesRequest(connections=1))
        .concurrent_updates(PerChatOrder(urgent=safety.looks_like_a_crisis))
        .build()
    )
    application.bot_data[SERVICES_KEY] = services
    for module in HANDLER_MODULES:
        module.register(application)
    if isinstance(limiter, MembersFirstRateLimiter):
        peers = room_of(application)
        limiter.outgoing = neutral_first_line(
            lambda chat_id: services.keyring.pseudonym(chat_id) in peers.discreet,
            services.catalog.text("discreet.line"),
        )
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.job_queue.run_repeating(
        purge_expired, interval=PURGE_INTERVAL, first=timedelta(minutes=1), name="purge"
    )
    # What memory holds about people is let go of on time (bot/memory.py).
    application.job_queue.run_repeating(sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY)
    return application


async def on_startup(application: App) -> None:
    """Work that needs Telegram, done once the bot is initialised and before updates flow."""
    svc = services_of(application.bot_data)
    await publish_commands(application.bot, svc.catalog)
    await take_up_the_room(application)
    await bring_back_meetings(application)


async def purge_expired(context: Context) -> None:
    svc = services_of(context.application.bot_data)
    erased = await svc.store.purge_expired(svc.clock())
    if erased:
        logger.info("purged %d expired rows", erased)
