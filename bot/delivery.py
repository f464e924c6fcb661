"""deliver_due(now): scheduled deliveries, driven by one repeating JobQueue tick.

The store is the source of truth: every due subscription is sent, and recorded as done
only after Telegram accepted it, so delivery is at least once and never silently lost
(a crash between Telegram's acceptance and the record can repeat that one message).
A delivery more than six hours late (the bot was down) is skipped, with nothing sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.privacy import SealError
from bot.schedule import is_too_late, local_day, next_due
from bot.services import Services
from bot.store import Subscription
from bot.zones import zone_info

logger = logging.getLogger(__name__)

REFLECTION = "reflection"
NUDGE = "nudge"  # a daily check-in nudge, private chats only
# How many deliveries are in flight at once; the rate limiter paces them for Telegram.
IN_FLIGHT = 200
BATCH = 1000
_RETRIES = 4
_BACKOFF = (1.0, 2.0, 5.0, 10.0)

# Sends one delivery: (chat id, topic or None, subscription) -> Telegram accepted it.
Sender = Callable[[int, int | None, Subscription], Awaitable[None]]


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped_late: int = 0
    removed: int = 0
    failed: int = 0
    moved: int = 0  # groups that became supergroups, delivered under the new id next tick


async def deliver_due(now: datetime, services: Services, send: Sender) -> DeliveryReport:
    """Send everything due at `now`; record each as delivered once Telegram accepted it."""
    report = DeliveryReport()
    limit = asyncio.Semaphore(IN_FLIGHT)

    async def one(subscription: Subscription) -> None:
        async with limit:
            await _deliver_one(now, services, send, subscription, report)

    while True:
        due = await services.store.due(now, BATCH)
        if not due:
            break
        await asyncio.gather(*(one(s) for s in due))
        if len(due) < BATCH or report.failed:
            break  # a failed one stays due; the next tick tries it again
    if report.sent or report.skipped_late or report.removed or report.failed or report.moved:
        logger.info(
            "deliveries: %d sent, %d skipped as too late, %d removed, %d moved, %d to retry",
            report.sent,
            report.skipped_late,
            report.removed,
            report.moved,
            report.failed,
        )
    return report


async def _deliver_one(
    now: datetime, services: Services, send: Sender, sub: Subscription, report: DeliveryReport
) -> None:
    zone = zone_info(sub.zone)
    store = services.store
    if is_too_late(sub.next_due_at, now):
        following = next_due(sub.minute, zone, after=now, delivered=local_day(now, zone))
        await store.reschedule(sub, following, None)
        report.skipped_late += 1
        return
    try:
        chat_id = services.keyring.unseal(sub.sealed_chat)
    except SealError:
        await store.unsubscribe(sub.chat, sub.kind, sub.thread_id)
        report.removed += 1
        return
    delivered_day = local_day(sub.next_due_at, zone)
    for attempt in range(_RETRIES + 1):
        try:
            await send(chat_id, sub.thread_id, sub)
            break
        except ChatMigrated as migrated:
            new_id = migrated.new_chat_id
            await store.move_chat(
                sub.chat, services.keyring.pseudonym(new_id), services.keyring.seal(new_id)
            )
            report.moved += 1
            return  # it is delivered under its new id on the next tick
        except (Forbidden, BadRequest) as refused:
            # Blocked, removed from the group, or the chat is gone: the subscription goes.
            if isinstance(refused, BadRequest) and "not found" not in str(refused).lower():
                logger.warning("a delivery was refused (%s)", type(refused).__name__)
            await store.unsubscribe(sub.chat, sub.kind, sub.thread_id)
            report.removed += 1
            return
        except RetryAfter as error:
            await asyncio.sleep(
                float(error.retry_after)
                if isinstance(error.retry_after, int | float)
                else error.retry_after.total_seconds()
            )
        except NetworkError as error:
            if attempt == _RETRIES:
                logger.warning(
                    "a delivery failed and will be tried again (%s)", type(error).__name__
                )
                report.failed += 1
                return
            await asyncio.sleep(_BACKOFF[attempt])
    else:
        report.failed += 1
        return
    following = next_due(sub.minute, zone, after=sub.next_due_at, delivered=delivered_day)
    await store.reschedule(sub, following, delivered_day)
    report.sent += 1
