"""The peer tick, every ten seconds: offers that expire, long waits, quiet chats, shifts
that end; and, at start, telling whoever a previous run left mid-chat that it ended."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.error import TelegramError

from bot.peers.matching import WAIT_BEFORE_ALTERNATIVES, Request
from bot.peers.room import IDLE_END, IDLE_WARNING
from bot.peers.service import (
    CHATTING,
    HTML,
    LISTENING,
    WAITING,
    alternatives_markup,
    close_offer,
    count,
    end_chat,
    mark_session,
    match,
    room_of,
    say,
    tell,
)
from bot.peers.shared_room import holding_the_room, shared_room_of
from bot.platform.privacy import SealError
from bot.plumbing.types import App
from bot.services import services_of

logger = logging.getLogger(__name__)


@holding_the_room
async def peer_tick_now(app: App) -> None:
    peers = room_of(app)
    svc = services_of(app.bot_data)
    now = svc.clock()
    mm = peers.matchmaker
    peers.let_go_of_old_checkins(now)
    for offer in mm.expire_offers(now):
        await close_offer(app, offer.listener, "peer.offer_expired")
        await count(app, "peer_offers_expired")
    for who in mm.shifts_over(now):
        if mm.make_unavailable(who) is not None:
            await close_offer(app, who, "peer.offer_gone")
        if who not in mm.pairs:
            await mark_session(app, who, None)
            await tell(app, who, say(app, who, "peer.shift_over"))
            peers.release(who)
    for request in mm.waited_too_long(now):
        await _tell_of_the_wait(app, request, now)
    for pair in {id(p): p for p in mm.pairs.values()}.values():
        quiet = now - pair.last_activity
        if quiet >= IDLE_END:
            await end_chat(app, pair, ended_by=None, how="idle")
        elif quiet >= IDLE_WARNING and not peers.log_of(pair).warned_idle:
            peers.log_of(pair).warned_idle = True
            for who in (pair.member, pair.listener):
                await tell(app, who, say(app, who, "peer.idle_warning"))
    await match(app)


# After this many five-minute marks (half an hour), a waiting member hears from the bot
# every third mark instead: reassurance, not a stream of notices at 3 a.m.
QUIET_AFTER_MARK = 6


async def _tell_of_the_wait(app: App, request: Request, now: datetime) -> None:
    """Nobody waits in silence: at five minutes, what else might help (once); then at
    every five-minute mark, their place in line, every fifteen after half an hour."""
    peers, who = room_of(app), request.member
    mark = (now - request.asked_at) // WAIT_BEFORE_ALTERNATIVES
    told = peers.told_to_wait_on.get(who, 0)
    if mark <= told or (mark > QUIET_AFTER_MARK and mark % 3):
        return
    peers.told_to_wait_on[who] = mark
    if told == 0:
        await count(app, "peer_long_waits")
        markup = alternatives_markup(app, who)
        await tell(app, who, say(app, who, "peer.long_wait"), markup)
        return
    place = peers.matchmaker.position(who)
    minutes = mark * int(WAIT_BEFORE_ALTERNATIVES.total_seconds() // 60)
    await tell(app, who, say(app, who, "peer.wait_mark", minutes=minutes, place=place))


@holding_the_room
async def take_up_the_room(app: App) -> None:
    """At start: the blocks and discreet chats the store keeps, into the room; and if the
    room is shared and still there, carry on with it (another instance, or this one
    before its restart, left people in it), else tell whoever a previous run left
    waiting, listening or chatting that it ended."""
    svc = services_of(app.bot_data)
    peers = room_of(app)
    peers.discreet |= await svc.store.discreet_chats(svc.clock())
    peers.blocked_pairs |= await svc.store.blocks(svc.clock())
    if await shared_room_of(app).found_in_shared_state():
        logger.info("carrying on the peer room the shared state holds")
        return
    await _tell_restarted(app)


async def _tell_restarted(app: App) -> None:
    """Whoever a previous run left waiting, listening or chatting is told it ended, so
    nobody waits on a chat that no longer exists."""
    svc = services_of(app.bot_data)
    for session in await svc.store.take_peer_sessions():
        try:
            chat_id = svc.keyring.unseal(session.sealed_chat)
        except SealError:
            continue
        key = {
            WAITING: "peer.restart_waiting",
            CHATTING: "peer.restart_chat",
            LISTENING: "peer.restart_listening",
        }.get(session.role, "peer.restart_chat")
        try:
            await app.bot.send_message(chat_id, svc.catalog.text(key), parse_mode=HTML)
        except TelegramError as error:
            logger.info("could not tell someone their peer chat ended: %s", type(error).__name__)
