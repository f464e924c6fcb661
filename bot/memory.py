"""What memory holds about people, across every capability, let go of on time.

One tick sweeps every structure bot/platform/inventory.py's MEMORY lists, and /forget (or a
member blocking the bot) clears a member from all of them at once: each capability offers
its own forgetting, and this module is the one place that calls them all. The store's
rows are the store's (Store.forget); here is only what lives in memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.etiquette import memory as etiquette_memory
from bot.meetings import live as live_meetings
from bot.peers.service import leave_everything, room_of
from bot.peers.shared_room import holding_the_room
from bot.platform.privacy import Pseudonym
from bot.platform.store import StoreError
from bot.plumbing.types import App, Context
from bot.services import services_of

logger = logging.getLogger(__name__)

SWEEP_EVERY = timedelta(minutes=1)
_ERASE_LATER = "porchlight.erase_later"


async def sweep_now(app: App) -> None:
    svc = services_of(app.bot_data)
    now = svc.clock()
    await _sweep_the_room(app)
    await live_meetings.let_go_of_ended(app)
    await etiquette_memory.let_go_of_old(app.bot_data, now)
    svc.verdicts.sweep(now)
    await svc.recent_crises.sweep(now)
    await svc.recent_distress.sweep(now)
    await _erase_what_could_not_be(app)


@holding_the_room
async def _sweep_the_room(app: App) -> None:
    svc = services_of(app.bot_data)
    now = svc.clock()
    peers = room_of(app)
    peers.let_go_of_the_past(now)
    # The store's blocks expire after 30 days; memory holds exactly the live ones.
    peers.blocked_pairs = await svc.store.blocks(now)


def _to_erase(app: App) -> set[Pseudonym]:
    found = app.bot_data.setdefault(_ERASE_LATER, set())
    assert isinstance(found, set)
    return found


def erase_later(app: App, member: Pseudonym) -> None:
    """A /forget the store could not carry out (a full disk, say): tried every tick."""
    _to_erase(app).add(member)


async def _erase_what_could_not_be(app: App) -> None:
    store = services_of(app.bot_data).store
    for member in list(_to_erase(app)):
        try:
            await store.forget(member)
        except StoreError as error:
            logger.warning("still could not erase a member's rows (%s)", type(error).__name__)
            return  # the store is still failing: the next tick tries again
        _to_erase(app).discard(member)
        logger.info("erased a member's rows on a later try")


async def sweep(context: Context) -> None:
    await sweep_now(context.application)


@dataclass(frozen=True)
class Forgotten:
    """What /forget let go of in memory, for its answer to say so truthfully."""

    left: str | None  # the peer chat, line or shift they left ("chat", "line", "shift")
    held: bool  # whether memory held anything about them at all


@holding_the_room
async def forget_member(
    app: App, member: Pseudonym, user_id: int, *, notify_self: bool = True
) -> Forgotten:
    """/forget, or a member who blocked the bot (notify_self False: nothing can reach
    them): out of any peer chat, line or shift first, then everything memory holds about
    them."""
    peers, svc = room_of(app), services_of(app.bot_data)
    held_in_memory = (
        peers.holds(member)
        or await live_meetings.holds_member(app, user_id)
        or await svc.recent_crises.names(member)
    )
    left = await leave_everything(app, member, notify_self=notify_self)
    peers.discreet.discard(member)
    peers.blocked_pairs = {pair for pair in peers.blocked_pairs if pair[0] != member}
    await live_meetings.forget_member(app, user_id)
    await etiquette_memory.forget_member(app.bot_data, user_id)
    services_of(app.bot_data).verdicts.forget(member)
    await services_of(app.bot_data).recent_crises.forget(member)
    return Forgotten(left, held_in_memory or left is not None)


async def held(app: App) -> dict[str, int]:
    """How much each structure of the memory inventory holds now, by its name there."""
    peers = room_of(app)
    mm = peers.matchmaker
    return {
        "peer line, shifts, offers and chats": len(mm.requests)
        + len(mm.listeners)
        + len(mm.offers)
        + len(mm.pairs),
        "peer chat ids": len(peers.chat_ids),
        "check-ins": len(peers.checkins),
        "live chats' last messages and the bot's copies": len(peers.logs) + len(peers.sent),
        "copies that may still be deleted": len(peers.deletable),
        "reports waiting for a reason": len(peers.reports),
        "asks for a peer": len(peers.asks),
        "blocks": len(peers.blocked_pairs),
        "discreet chats": len(peers.discreet),
        "messages with contact details, held": len(peers.held_contacts),
        "peer languages, offers and shift requests": len(peers.languages)
        + len(peers.offer_messages)
        + len(peers.offer_serials)
        + len(peers.shift_requests)
        + len(peers.told_to_wait_on),
        "meetings": len(live_meetings.meetings_in(app.bot_data)),
        **await etiquette_memory.held(app.bot_data),
        "crisis verdicts and answered messages": services_of(app.bot_data).verdicts.held(),
        "embeddings for the etiquette": services_of(app.bot_data).verdicts.embeddings_held(),
        "recent crises": await services_of(app.bot_data).recent_crises.held(),
        "distress in meetings": await services_of(app.bot_data).recent_distress.held(),
        "erasures to try again": len(_to_erase(app)),
    }
