"""The life of an anonymous peer chat: the line, offers to listeners, starting, ending.

The handlers (bot/handlers/peer_chat.py, checkin.py, conversation.py, listen.py) read
updates and call in here; /forget and a member who blocks the bot leave everything here
too. What lives in memory is bot/peers/room.py, who is matched with whom is
bot/peers/matching.py; the relay is bot/peers/relay.py and the tick bot/peers/tick.py.
Everyone is written to by pseudonym, through the chat id the room holds for them; the
store keeps only a marker per person (PeerSession), so a restart can tell them.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import filters

from bot.peers.checkin import wait_counter
from bot.peers.matching import Offer, Pair
from bot.peers.room import CheckIn, PeerRoom, room_in
from bot.peers.shared_room import holding_the_room
from bot.peers.turns import drop_turns
from bot.platform.privacy import Pseudonym
from bot.platform.store import PeerSession
from bot.plumbing.types import App
from bot.services import services_of

logger = logging.getLogger(__name__)

FEATURE = "peer"
WAITING, CHATTING, LISTENING = "waiting", "chatting", "listening"
HTML = ParseMode.HTML


def room_of(application: App) -> PeerRoom:
    return room_in(application.bot_data)


def _lang(app: App, who: Pseudonym) -> str:
    return room_of(app).languages.get(who, "en")


def say(app: App, who: Pseudonym, key: str, /, **values: object) -> str:
    """A catalogue text in the language who is spoken to in."""
    return services_of(app.bot_data).catalog.text(key, _lang(app, who), **values)


async def tell(
    app: App,
    who: Pseudonym,
    body: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    priority: str | None = None,
) -> Message | None:
    """Send to someone in the peer feature, by pseudonym, outside any update of theirs."""
    peers = room_of(app)
    chat_id = peers.chat_ids.get(who)
    if chat_id is None:
        return None
    try:
        sent = await app.bot.send_message(
            chat_id, body, parse_mode=HTML, reply_markup=markup, rate_limit_args=priority
        )
    except Forbidden:
        logger.info("a peer-chat member blocked the bot; ending what they were part of")
        await leave_everything(app, who, notify_self=False)
        return None
    except TelegramError as error:
        logger.warning("could not send a peer-chat message: %s", type(error).__name__)
        return None
    peers.note_sent(who, sent.message_id)
    return sent if isinstance(sent, Message) else None


def button(
    app: App, who: Pseudonym, label_key: str, action: str, *args: str
) -> InlineKeyboardButton:
    svc = services_of(app.bot_data)
    data = svc.callbacks.build(
        FEATURE, action, *args, chat_id=room_of(app).chat_ids.get(who), now=svc.clock()
    )
    return InlineKeyboardButton(say(app, who, label_key), callback_data=data)


def alternatives_markup(app: App, who: Pseudonym) -> InlineKeyboardMarkup:
    """While waiting: something to read, today's reflection, crisis lines, or stop."""
    return InlineKeyboardMarkup(
        [
            [button(app, who, "checkin.help.read", "alt", "read")],
            [button(app, who, "inline.today", "alt", "today")],
            [button(app, who, "buttons.people_now", "alt", "lines")],
            [
                button(app, who, "peer.keep_waiting", "keep"),
                button(app, who, "peer.stop_waiting", "stop"),
            ],
        ]
    )


def way_back_markup(app: App, who: Pseudonym) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(app, who, "checkin.help.read", "alt", "read")],
            [button(app, who, "buttons.people_now", "alt", "lines")],
        ]
    )


async def mark_session(app: App, who: Pseudonym, role: str | None) -> None:
    """Mark who as waiting, chatting or listening (None: none of them) for a restart."""
    svc = services_of(app.bot_data)
    chat_id = room_of(app).chat_ids.get(who)
    if role is None or chat_id is None:
        await svc.store.end_peer_session(who)
    else:
        session = PeerSession(who, role, svc.keyring.seal(chat_id))
        await svc.store.set_peer_session(session, svc.clock())


async def count(app: App, name: str) -> None:
    svc = services_of(app.bot_data)
    await svc.store.count(name, svc.clock())


# --- joining and leaving the line ----------------------------------------------------


@holding_the_room
async def ask_for_peer(
    app: App,
    update: Update,
    language: str,
    checkin: CheckIn | None,
    *,
    crisis: bool,
) -> None:
    """A member asks to talk: into the line, told their place, and offered at once if a
    listener is free. A crisis (in the check-in, or in their words a few minutes ago,
    which the caller knows) goes to the front of the line, and no limit stands between
    it and a peer."""
    peers, svc = room_of(app), services_of(app.bot_data)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    who, chat_id = svc.keyring.pseudonym(user.id), chat.id

    async def answer(
        key: str, markup: InlineKeyboardMarkup | None = None, **values: object
    ) -> None:
        body = svc.catalog.text(key, language, **values)
        await app.bot.send_message(chat_id, body, parse_mode=HTML, reply_markup=markup)

    now = svc.clock()
    mm = peers.matchmaker
    pair = mm.pair_of(who)
    if pair is not None:
        await answer("peer.already_chatting", alias=pair.alias_of(pair.other(who)))
        return
    crisis = crisis or (checkin is not None and checkin.crisis)
    place = mm.position(who)
    if place and not crisis:
        await answer("peer.already_waiting", place=place)
        return
    if not place and not crisis and not peers.may_ask(who, now):
        await answer("peer.too_many_asks")
        return
    peers.chat_ids[who] = chat_id
    peers.languages[who] = language
    if checkin is not None:
        peers.checkins[who] = checkin
    place = mm.ask(who, now, crisis=crisis)
    await mark_session(app, who, WAITING)
    await count(app, "peer_requests")
    await answer("peer.waiting_crisis" if crisis else "peer.waiting", place=place)
    # Nobody on shift, or every listener on shift has had the chats they offered: say so.
    nobody = "peer.nobody_listening" if mm.on_shift(now) == 0 else "peer.nobody_free"
    if mm.may_take_more(now) == 0:
        await answer(nobody, alternatives_markup(app, who))
    await match(app)


async def leave_line(app: App, who: Pseudonym) -> None:
    peers = room_of(app)
    withdrawn = peers.matchmaker.cancel(who)
    if withdrawn is not None:
        await close_offer(app, withdrawn.listener, "peer.offer_gone")
    peers.checkins.pop(who, None)
    await mark_session(app, who, None)
    peers.release(who)
    await match(app)


# --- offers --------------------------------------------------------------------------


async def match(app: App) -> None:
    """Make every offer that can be made now."""
    svc = services_of(app.bot_data)
    for offer in room_of(app).matchmaker.next_offers(svc.clock()):
        await send_offer(app, offer)


async def send_offer(app: App, offer: Offer) -> None:
    peers = room_of(app)
    listener = offer.listener
    checkin = peers.checkins.get(offer.member)
    mood = say(app, listener, f"checkin.mood.{checkin.mood if checkin else 'getting_by'}")
    serial = peers.new_serial()
    peers.offer_serials[listener] = serial
    markup = InlineKeyboardMarkup(
        [
            [
                button(app, listener, "peer.accept", "ok", serial),
                button(app, listener, "peer.pass", "no", serial),
            ]
        ]
    )
    key = "peer.offer_crisis" if offer.crisis else "peer.offer"
    sent = await tell(app, listener, say(app, listener, key, mood=mood), markup)
    if sent is not None:
        peers.offer_messages[listener] = sent.message_id


async def close_offer(app: App, listener: Pseudonym, key: str) -> None:
    """Take the buttons off an offer that is no longer open, saying why."""
    peers = room_of(app)
    message_id = peers.offer_messages.pop(listener, None)
    peers.offer_serials.pop(listener, None)
    chat_id = peers.chat_ids.get(listener)
    if message_id is None or chat_id is None:
        return
    try:
        await app.bot.edit_message_text(
            say(app, listener, key), chat_id=chat_id, message_id=message_id, parse_mode=HTML
        )
    except TelegramError as error:
        logger.info("could not close an offer: %s", type(error).__name__)


def accept_offer(app: App, listener: Pseudonym, offer: Offer) -> tuple[Pair, datetime]:
    """The listener took the offer: the pair is made at once, with no await between the
    check and this (start_chat then tells both sides). Returns the pair and when the
    member asked."""
    peers, now = room_of(app), services_of(app.bot_data).clock()
    request = peers.matchmaker.request_of(offer.member)
    pair = peers.matchmaker.accept(listener, now)
    peers.offer_messages.pop(listener, None)
    peers.offer_serials.pop(listener, None)
    return pair, request.asked_at if request else now


async def start_chat(app: App, pair: Pair, offer: Offer, asked_at: datetime) -> None:
    peers = room_of(app)
    svc = services_of(app.bot_data)
    peers.told_to_wait_on.pop(pair.member, None)
    await mark_session(app, pair.member, CHATTING)
    await mark_session(app, pair.listener, CHATTING)
    await count(app, "peer_chats_started")
    await count(app, wait_counter((svc.clock() - asked_at).total_seconds()))
    checkin = peers.checkins.pop(pair.member, None)
    mood = say(app, pair.listener, f"checkin.mood.{checkin.mood if checkin else 'getting_by'}")
    for who, own_alias, key, values in (
        (pair.member, pair.member_alias, "peer.connected_member", {"alias": pair.listener_alias}),
        (
            pair.listener,
            pair.listener_alias,
            "peer.connected_listener",
            {"alias": pair.member_alias, "mood": mood},
        ),
    ):
        intro = say(app, who, "peer.how_it_works", alias=own_alias)
        await tell(app, who, f"{say(app, who, key, **values)}\n\n{intro}")
    if offer.crisis:
        await tell(app, pair.listener, say(app, pair.listener, "peer.may_be_crisis"))
    if checkin is not None and checkin.words:
        words = html.escape(checkin.words)
        await tell(app, pair.listener, f"{say(app, pair.listener, 'peer.their_words')}\n\n{words}")


# --- ending --------------------------------------------------------------------------


async def end_chat(app: App, pair: Pair, *, ended_by: Pseudonym | None, how: str) -> None:
    """End a chat for both sides. how: end, idle, block, report, forget or gone."""
    peers = room_of(app)
    svc = services_of(app.bot_data)
    if peers.matchmaker.end(pair.member) is None:
        return  # already ended
    now = svc.clock()
    await count(app, "peer_chats_ended")
    for who in (pair.member, pair.listener):
        chat_id = peers.chat_ids.get(who)
        if chat_id is not None:
            await drop_turns(app, chat_id)
    peers.close_chat(pair, now)
    for who in (pair.member, pair.listener):
        still_listening = who == pair.listener and who in peers.matchmaker.listeners
        await mark_session(app, who, LISTENING if still_listening else None)
        # Whoever left by /forget or by blocking the bot is not written to again.
        if not (who == ended_by and how in ("forget", "gone")):
            await _tell_chat_ended(app, pair, who, ended_by, how)
        peers.release(who)
    await match(app)


async def _tell_chat_ended(
    app: App, pair: Pair, who: Pseudonym, ended_by: Pseudonym | None, how: str
) -> None:
    """How it ended; the way back or a debrief; and the offer to delete the copies."""
    peers = room_of(app)
    await tell(app, who, _ending_text(app, pair, who, ended_by, how))
    if who == pair.member:
        await tell(app, who, say(app, who, "peer.way_back"), way_back_markup(app, who))
    else:
        await tell(app, who, say(app, who, "peer.debrief"))
        listener = peers.matchmaker.listeners.get(who)
        if listener is not None and peers.matchmaker.at_cap(who):
            more = listener.cap + 1
            await tell(app, who, say(app, who, "peer.cap_reached", cap=listener.cap, more=more))
    if who in peers.deletable:
        markup = InlineKeyboardMarkup([[button(app, who, "peer.delete_button", "del")]])
        await tell(app, who, say(app, who, "peer.delete_offer"), markup)


def _ending_text(app: App, pair: Pair, who: Pseudonym, ended_by: Pseudonym | None, how: str) -> str:
    if how == "idle":
        return say(app, who, "peer.ended_idle")
    if who != ended_by:
        return say(app, who, "peer.ended_by_other", alias=pair.alias_of(pair.other(who)))
    return say(app, who, "peer.blocked" if how == "block" else "peer.ended_by_you")


async def block(app: App, blocker: Pseudonym, blocked: Pseudonym) -> None:
    svc = services_of(app.bot_data)
    await svc.store.block(blocker, blocked, svc.clock())
    room_of(app).blocked_pairs.add((blocker, blocked))


async def hand_over(app: App, pair: Pair) -> None:
    """'I need to step away': the chat ends, and the member keeps the front of the line
    for someone else."""
    peers, svc = room_of(app), services_of(app.bot_data)
    listener = pair.listener
    for side in (pair.member, listener):
        chat_id = peers.chat_ids.get(side)
        if chat_id is not None:
            await drop_turns(app, chat_id)
    peers.matchmaker.hand_over(listener, svc.clock())
    await count(app, "peer_chats_ended")
    peers.close_chat(pair, svc.clock())
    await mark_session(app, pair.member, WAITING)
    await mark_session(app, listener, LISTENING if listener in peers.matchmaker.listeners else None)
    alias = pair.listener_alias
    await tell(app, pair.member, say(app, pair.member, "peer.handed_over_member", alias=alias))


@holding_the_room
async def leave_everything(app: App, who: Pseudonym, *, notify_self: bool = True) -> str | None:
    """/forget, or a member who blocked the bot: out of any chat, line and shift.
    Returns what they left (chat, line or shift), for /forget to say so."""
    peers = room_of(app)
    mm = peers.matchmaker
    left = None
    pair = mm.pair_of(who)
    if pair is not None:
        await end_chat(app, pair, ended_by=who, how="forget" if notify_self else "gone")
        left = "chat"
    if mm.position(who):
        await leave_line(app, who)
        left = left or "line"
    if who in mm.listeners:
        left = left or "shift"
        if mm.make_unavailable(who) is not None:
            await match(app)
    await services_of(app.bot_data).store.end_peer_session(who)
    peers.forget(who)
    peers.release(who)
    return left


class PeerState(filters.MessageFilter):
    """Messages whose sender is in some peer state, checked in memory with no I/O; the
    question is asked of the room and the sender's pseudonym."""

    def __init__(self, app: App, name: str, question: Callable[[PeerRoom, Pseudonym], bool]):
        super().__init__(name=name)
        self._app = app
        self._question = question

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None:
            return False
        who = services_of(self._app.bot_data).keyring.pseudonym(user.id)
        return self._question(room_of(self._app), who)
