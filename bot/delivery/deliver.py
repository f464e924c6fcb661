"""deliver_due(now): scheduled deliveries, driven by one repeating JobQueue tick.

The store is the source of truth: every due subscription is claimed by one tick (of any
instance), sent, and recorded as done only after Telegram accepted it, so delivery is at
least once and never silently lost (a crash between Telegram's acceptance and the record
can repeat that one message, once the dead tick's claim has run out).
What is owed after the bot was down or the clock jumped is bot.delivery.schedule.plan's to say.
A refusal that may pass (bot.delivery.refusals) is tried again for a while, and a group's admins
are told once; only a chat that blocked the bot or no longer exists loses its delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.delivery.refusals import Refusal, classify, gives_up, tells_admins
from bot.delivery.schedule import delivered_as_of, next_due, plan, retry_at
from bot.delivery.zones import zone_info
from bot.platform.privacy import Pseudonym, SealError
from bot.platform.store import StoreError, Subscription
from bot.services import Services

logger = logging.getLogger(__name__)

REFLECTION = "reflection"
NUDGE = "nudge"  # a daily check-in nudge, private chats only
MILESTONE = "milestone"  # a word on a kept date's milestones, private chats only (bot.days)
# How many deliveries are in flight at once; the rate limiter paces them for Telegram.
IN_FLIGHT = 200
BATCH = 1000
# How long a tick holds the batch it claimed: a batch goes out in under a minute at
# Telegram's pace, so another instance takes a row again only when its tick is long dead
# (a delivery that instance had sent but not yet recorded can then repeat, once).
DELIVERY_LEASE = timedelta(minutes=10)
_RETRIES = 4
_BACKOFF = (1.0, 2.0, 5.0, 10.0)

# Sends one delivery: (chat id, topic or None, subscription, its local day) -> Telegram
# accepted it.
Sender = Callable[[int, int | None, Subscription, date], Awaitable[None]]
# Tells a group's admins, in the group itself, why its delivery is refused.
Notifier = Callable[[int, Subscription, Refusal], Awaitable[None]]


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped_late: int = 0
    removed: int = 0
    failed: int = 0
    moved: int = 0  # groups that became supergroups, delivered under the new id next tick
    refused: int = 0  # refused for now (rights, a closed topic): tried again later
    replanned: int = 0  # planned afresh because the clock went back


def rescheduled(
    subscription: Subscription, *, minute: int, zone: str, now: datetime
) -> Subscription:
    """subscription at a new minute or in a new zone, due next when that first comes; a
    day already delivered is never delivered again."""
    local = zone_info(zone)
    delivered = delivered_as_of(subscription.last_delivered, now, local)
    return replace(
        subscription,
        minute=minute,
        zone=zone,
        last_delivered=delivered,
        next_due_at=next_due(minute, local, after=now, delivered=delivered),
    )


async def subscribe_daily(
    svc: Services,
    chat_id: int,
    thread_id: int | None,
    language: str,
    kind: str,
    minute: int,
    zone: str | None,
) -> None:
    """Deliver `kind` into the chat (and topic) daily at minute, in zone (UTC while the
    chat has none). Changing the time never gives the same day twice."""
    now = svc.clock()
    chat = svc.keyring.pseudonym(chat_id)
    subscription = Subscription(
        chat=chat,
        kind=kind,
        thread_id=thread_id,
        sealed_chat=svc.keyring.seal(chat_id),
        minute=minute,
        zone=zone or "UTC",
        last_delivered=None,
        next_due_at=next_due(minute, zone_info(zone or "UTC"), after=now, delivered=None),
        language=language,
    )
    existing = await svc.store.subscription(chat, kind, thread_id)
    if existing is not None:
        subscription = rescheduled(
            replace(subscription, last_delivered=existing.last_delivered),
            minute=minute,
            zone=zone or "UTC",
            now=now,
        )
    await svc.store.subscribe(subscription, now)
    if kind == REFLECTION and thread_id is None:
        # Milestone messages come at the member's daily time: they follow it.
        milestones = await svc.store.subscription(chat, MILESTONE, None)
        if milestones is not None:
            following = rescheduled(milestones, minute=minute, zone=zone or "UTC", now=now)
            await svc.store.subscribe(following, now)


async def follow_chat_zone(
    svc: Services, chat: Pseudonym, zone: str, now: datetime
) -> list[Subscription]:
    """Everything scheduled into a chat (every topic) follows the chat's new zone, at the
    same local time; what was moved, for the member to be told."""
    moved = []
    for subscription in await svc.store.subscriptions_of(chat):
        if subscription.zone != zone:
            following = rescheduled(subscription, minute=subscription.minute, zone=zone, now=now)
            await svc.store.subscribe(following, now)
            moved.append(following)
    return moved


async def deliver_due(
    now: datetime, services: Services, send: Sender, notify: Notifier
) -> DeliveryReport:
    """Send everything due at `now`; record each as delivered once Telegram accepted it."""
    report = DeliveryReport()
    limit = asyncio.Semaphore(IN_FLIGHT)

    async def one(subscription: Subscription) -> None:
        async with limit:
            await _deliver_one(now, services, send, notify, subscription, report)

    while True:
        due = await services.store.claim_due(now, BATCH, DELIVERY_LEASE)
        if not due:
            break
        try:
            await asyncio.gather(*(one(s) for s in due))
        except BaseException:
            # Stopped half-way (the bot is shutting down): what is left goes back for the
            # next tick, here after a restart or on another instance, without waiting out
            # the claim. Letting go of one already done changes nothing.
            await asyncio.shield(_release_all(services, due))
            raise
        if len(due) < BATCH or report.failed:
            break  # a failed one stays due; the next tick tries it again
    if any(vars(report).values()):
        logger.info(
            "deliveries: %d sent, %d skipped as too late, %d removed, %d moved, %d refused "
            "for now, %d planned afresh, %d to retry",
            report.sent,
            report.skipped_late,
            report.removed,
            report.moved,
            report.refused,
            report.replanned,
            report.failed,
        )
    return report


async def _release_all(services: Services, claimed: list[Subscription]) -> None:
    try:
        for subscription in claimed:
            await services.store.release(subscription)
    except StoreError:
        pass  # the database is what failed: the claims run out by themselves


async def _deliver_one(
    now: datetime,
    services: Services,
    send: Sender,
    notify: Notifier,
    sub: Subscription,
    report: DeliveryReport,
) -> None:
    zone = zone_info(sub.zone)
    store = services.store
    step = plan(sub.minute, zone, now=now, due_at=sub.next_due_at, delivered=sub.last_delivered)
    if step.send is None:
        await store.reschedule(sub, step.next_due_at, step.delivered, now, sent=False)
        if sub.next_due_at <= now:
            report.skipped_late += 1
        else:
            report.replanned += 1
        return
    try:
        chat_id = services.keyring.unseal(sub.sealed_chat)
    except SealError:
        await store.unsubscribe(sub.chat, sub.kind, sub.thread_id)
        report.removed += 1
        return
    for attempt in range(_RETRIES + 1):
        try:
            await send(chat_id, sub.thread_id, sub, step.send)
            break
        except ChatMigrated as migrated:
            new_id = migrated.new_chat_id
            moved_to = services.keyring.pseudonym(new_id)
            await store.move_chat(sub.chat, moved_to, services.keyring.seal(new_id))
            await store.release(replace(sub, chat=moved_to))
            report.moved += 1
            return  # it is delivered under its new id on the next tick
        except (Forbidden, BadRequest) as refused:
            await _refused(now, services, notify, sub, step.send, chat_id, refused, report)
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
                await store.release(sub)
                return
            await asyncio.sleep(_BACKOFF[attempt])
    else:
        report.failed += 1
        await store.release(sub)
        return
    await store.reschedule(sub, step.next_due_at, step.send, now, sent=True)
    report.sent += 1


async def _refused(
    now: datetime,
    services: Services,
    notify: Notifier,
    sub: Subscription,
    day: date,
    chat_id: int,
    error: Forbidden | BadRequest,
    report: DeliveryReport,
) -> None:
    """Telegram refused a delivery: the chat is gone, or it may come back."""
    store = services.store
    kind = classify(str(error), forbidden=isinstance(error, Forbidden))
    if kind is Refusal.GONE:
        await store.unsubscribe(sub.chat, sub.kind, sub.thread_id)
        report.removed += 1
        return
    await store.count("deliveries_refused", now)
    if gives_up(sub.refused_since, now):
        logger.warning("a delivery refused for days was given up (%s)", kind.value)
        await store.unsubscribe(sub.chat, sub.kind, sub.thread_id)
        await store.count("deliveries_given_up", now)
        report.removed += 1
        return
    zone = zone_info(sub.zone)
    again = retry_at(sub.minute, zone, now=now, day=day, refusals=sub.refusals + 1)
    counted = await store.refused(sub, again, now)
    report.refused += 1
    if counted.refusals == 1:
        logger.warning("a delivery was refused and will be tried again (%s)", kind.value)
    # Only groups have admins to tell (group ids are negative).
    if tells_admins(counted.refusals) and chat_id < 0:
        try:
            await notify(chat_id, counted, kind)
        except TelegramError as failed:
            # Posting anywhere in the group is refused too: only the operator's count says so.
            logger.warning("the group's admins could not be told (%s)", type(failed).__name__)
            await store.count("delivery_notices_unsent", now)
        else:
            await store.count("delivery_notices", now)
