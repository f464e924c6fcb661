"""A member's kept date and its milestone messages: keeping it (only when asked),
reading it, overwriting it, forgetting it, and what a milestone's morning says.

The date is sealed under the member's pseudonym (bot.platform.store.kept_days). Milestone
messages are a daily delivery of their own (kind MILESTONE) at the member's daily time,
through the same tick as the reflection: on a milestone's day it sends a short word, on
any other it sends nothing, and either way that day is done, so each comes once.
"""

from __future__ import annotations

from datetime import date

from bot.days.count import Milestone, milestone_on
from bot.delivery.deliver import MILESTONE, NUDGE, REFLECTION, subscribe_daily
from bot.platform.catalog import Catalog
from bot.platform.privacy import SealError
from bot.platform.store import KeptDays, Subscription
from bot.services import Services

# Milestone messages come at the member's daily reflection (or check-in nudge) time;
# with neither, in the morning.
DEFAULT_MINUTE = 9 * 60


async def keep_start(svc: Services, chat_id: int, start: date) -> None:
    """Keep the date, sealed; any date kept before is overwritten, not kept anywhere."""
    kept = KeptDays(svc.keyring.pseudonym(chat_id), svc.keyring.seal_date(start))
    await svc.store.keep_days(kept, svc.clock())


async def kept_start(svc: Services, chat_id: int) -> date | None:
    kept = await svc.store.kept_days(svc.keyring.pseudonym(chat_id), svc.clock())
    if kept is None:
        return None
    try:
        return svc.keyring.unseal_date(kept.sealed_start)
    except SealError:  # kept under another secret: as good as gone
        return None


async def milestones_on(svc: Services, chat_id: int) -> Subscription | None:
    return await svc.store.subscription(svc.keyring.pseudonym(chat_id), MILESTONE, None)


async def turn_on_milestones(
    svc: Services, chat_id: int, language: str, zone: str | None
) -> Subscription:
    """Milestone messages at the member's daily time; what was scheduled."""
    chat = svc.keyring.pseudonym(chat_id)
    minute = DEFAULT_MINUTE
    for kind in (NUDGE, REFLECTION):  # the reflection's time first, if there is one
        daily = await svc.store.subscription(chat, kind, None)
        if daily is not None:
            minute = daily.minute
    await subscribe_daily(svc, chat_id, None, language, MILESTONE, minute, zone)
    scheduled = await svc.store.subscription(chat, MILESTONE, None)
    assert scheduled is not None
    return scheduled


async def turn_off_milestones(svc: Services, chat_id: int) -> int:
    return await svc.store.unsubscribe(svc.keyring.pseudonym(chat_id), MILESTONE, None)


async def forget_days(svc: Services, chat_id: int) -> bool:
    """The kept date and its milestone messages, gone; whether there was a date."""
    await turn_off_milestones(svc, chat_id)
    return await svc.store.forget_days(svc.keyring.pseudonym(chat_id)) > 0


def milestone_words(catalog: Catalog, language: str, milestone: Milestone) -> str:
    """'24 hours', '90 days', '6 months', 'a year', '3 years'."""
    if milestone.unit == "years" and milestone.amount == 1:
        return catalog.text("days.unit.year", language)
    return catalog.text(f"days.unit.{milestone.unit}", language, n=milestone.amount)


async def milestone_message(svc: Services, subscription: Subscription, day: date) -> str | None:
    """What the member's milestone delivery says on its local day: a word if a milestone
    falls on it, else nothing. A milestone sent renews the kept date's life."""
    now = svc.clock()
    kept = await svc.store.kept_days(subscription.chat, now)
    if kept is None:
        return None
    try:
        start = svc.keyring.unseal_date(kept.sealed_start)
    except SealError:
        return None
    milestone = milestone_on(start, day)
    if milestone is None:
        return None
    await svc.store.keep_days(kept, now)
    language = subscription.language
    words = milestone_words(svc.catalog, language, milestone)
    return svc.catalog.text("days.milestone", language, milestone=words)
