"""Anonymous peer chats: the line, offers to listeners, the relay, and how chats end.

Thin over bot.peers.matching (who is matched with whom) and bot.peers.room (what lives in memory).
Everything a member writes passes through here to the other side under an alias, as a
new message with protect_content: never a forward, never a reply quote, never a name.
The store holds only a marker per person (PeerSession), so a restart can tell them.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.handlers.checkin_view import send_reading_for
from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    PRIVATE,
    App,
    Context,
    clear_buttons,
    just_had_a_crisis,
    language,
    member_pseudonym,
    reply,
    services,
    text,
    verified_callback,
)
from bot.handlers.reflections import chat_zone, local_today, show_today
from bot.handlers.resources import send_answer
from bot.peers.checkin import wait_counter
from bot.peers.contacts import find_contact
from bot.peers.matching import WAIT_BEFORE_ALTERNATIVES, Offer, Pair, Request, peer_alias
from bot.peers.room import (
    FAST_TYPING_BACKLOG,
    IDLE_END,
    IDLE_WARNING,
    REPORT_OPEN_FOR,
    REPORT_REASONS,
    CheckIn,
    PeerRoom,
    PendingReport,
    room_in,
)
from bot.platform.catalog import Html
from bot.platform.privacy import Pseudonym, SealError
from bot.platform.store import PeerSession
from bot.plumbing.priority import CRISIS
from bot.safety import Level
from bot.safety.resources import AnswerKind
from bot.services import services_of

logger = logging.getLogger(__name__)

FEATURE = "peer"
TICK = timedelta(seconds=10)
# Telegram's limit for one message, counted in UTF-16 units; a chunk of this many
# characters stays under it even if every character needs two units.
_CHUNK = 2000
WAITING, CHATTING, LISTENING = "waiting", "chatting", "listening"


def room_of(application: App) -> PeerRoom:
    return room_in(application.bot_data)


def room(context: Context) -> PeerRoom:
    return room_of(context.application)


def _lang(app: App, who: Pseudonym) -> str:
    return room_of(app).languages.get(who, "en")


def _say(app: App, who: Pseudonym, key: str, /, **values: object) -> str:
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


def _button(
    app: App, who: Pseudonym, label_key: str, action: str, *args: str
) -> InlineKeyboardButton:
    svc = services_of(app.bot_data)
    data = svc.callbacks.build(
        FEATURE, action, *args, chat_id=room_of(app).chat_ids.get(who), now=svc.clock()
    )
    return InlineKeyboardButton(_say(app, who, label_key), callback_data=data)


def alternatives_markup(app: App, who: Pseudonym) -> InlineKeyboardMarkup:
    """While waiting: something to read, today's reflection, crisis lines, or stop."""
    return InlineKeyboardMarkup(
        [
            [_button(app, who, "checkin.help.read", "alt", "read")],
            [_button(app, who, "inline.today", "alt", "today")],
            [_button(app, who, "buttons.people_now", "alt", "lines")],
            [
                _button(app, who, "peer.keep_waiting", "keep"),
                _button(app, who, "peer.stop_waiting", "stop"),
            ],
        ]
    )


def way_back_markup(app: App, who: Pseudonym) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(app, who, "checkin.help.read", "alt", "read")],
            [_button(app, who, "buttons.people_now", "alt", "lines")],
        ]
    )


async def _session(app: App, who: Pseudonym, role: str | None) -> None:
    """Mark who as waiting, chatting or listening (None: none of them) for a restart."""
    svc = services_of(app.bot_data)
    chat_id = room_of(app).chat_ids.get(who)
    if role is None or chat_id is None:
        await svc.store.end_peer_session(who)
    else:
        session = PeerSession(who, role, svc.keyring.seal(chat_id))
        await svc.store.set_peer_session(session, svc.clock())


async def _count(app: App, name: str) -> None:
    svc = services_of(app.bot_data)
    await svc.store.count(name, svc.clock())


# --- joining the line ------------------------------------------------------------------


async def ask_for_peer(update: Update, context: Context, checkin: CheckIn | None) -> None:
    """A member asks to talk: into the line, told their place, and offered at once if a
    listener is free. A crisis goes to the front."""
    app, peers, svc = context.application, room(context), services(context)
    who = member_pseudonym(update, context)
    chat = update.effective_chat
    if who is None or chat is None:
        return
    now = svc.clock()
    mm = peers.matchmaker
    pair = mm.pair_of(who)
    if pair is not None:
        alias = pair.alias_of(pair.other(who))
        await reply(update, context, text(update, context, "peer.already_chatting", alias=alias))
        return
    # A crisis, in the check-in or in their words a few minutes ago, goes to the front of
    # the line, and no limit stands between it and a peer.
    crisis = just_had_a_crisis(update, context) or (checkin is not None and checkin.crisis)
    place = mm.position(who)
    if place and not crisis:
        await reply(update, context, text(update, context, "peer.already_waiting", place=place))
        return
    if not place and not crisis and not peers.may_ask(who, now):
        await reply(update, context, text(update, context, "peer.too_many_asks"))
        return
    peers.chat_ids[who] = chat.id
    peers.languages[who] = language(update, context)
    if checkin is not None:
        peers.checkins[who] = checkin
    place = mm.ask(who, now, crisis=crisis)
    await _session(app, who, WAITING)
    await _count(app, "peer_requests")
    key = "peer.waiting_crisis" if crisis else "peer.waiting"
    await reply(update, context, text(update, context, key, place=place))
    # Nobody on shift, or every listener on shift has had the chats they offered: say so.
    nobody = "peer.nobody_listening" if mm.on_shift(now) == 0 else "peer.nobody_free"
    if mm.may_take_more(now) == 0:
        await reply(
            update, context, text(update, context, nobody), markup=alternatives_markup(app, who)
        )
    await match(app)


async def cancel_command(update: Update, context: Context) -> None:
    who = member_pseudonym(update, context)
    if who is None:
        return
    if not room(context).matchmaker.position(who):
        await reply(update, context, text(update, context, "peer.not_waiting"))
        return
    await _leave_line(context.application, who)
    await reply(update, context, text(update, context, "peer.cancelled"))


async def _leave_line(app: App, who: Pseudonym) -> None:
    peers = room_of(app)
    withdrawn = peers.matchmaker.cancel(who)
    if withdrawn is not None:
        await close_offer(app, withdrawn.listener, "peer.offer_gone")
    peers.checkins.pop(who, None)
    await _session(app, who, None)
    peers.release(who)
    await match(app)


# --- offers ----------------------------------------------------------------------------


async def match(app: App) -> None:
    """Make every offer that can be made now."""
    svc = services_of(app.bot_data)
    for offer in room_of(app).matchmaker.next_offers(svc.clock()):
        await _send_offer(app, offer)


async def _send_offer(app: App, offer: Offer) -> None:
    peers = room_of(app)
    listener = offer.listener
    checkin = peers.checkins.get(offer.member)
    mood = _say(app, listener, f"checkin.mood.{checkin.mood if checkin else 'getting_by'}")
    serial = peers.new_serial()
    peers.offer_serials[listener] = serial
    markup = InlineKeyboardMarkup(
        [
            [
                _button(app, listener, "peer.accept", "ok", serial),
                _button(app, listener, "peer.pass", "no", serial),
            ]
        ]
    )
    key = "peer.offer_crisis" if offer.crisis else "peer.offer"
    sent = await tell(app, listener, _say(app, listener, key, mood=mood), markup)
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
            _say(app, listener, key), chat_id=chat_id, message_id=message_id, parse_mode=HTML
        )
    except TelegramError as error:
        logger.info("could not close an offer: %s", type(error).__name__)


async def on_offer_button(update: Update, context: Context, action: str, serial: str) -> None:
    app, peers, svc = context.application, room(context), services(context)
    query = update.callback_query
    who = member_pseudonym(update, context)
    assert query is not None
    if who is None:
        return
    # Checked and acted on before any await: an expiry or a cancel cannot slip between.
    offer = peers.matchmaker.offers.get(who)
    if peers.offer_serials.get(who) != serial or offer is None:
        await query.answer(text(update, context, "peer.offer_gone"))
        return
    if action == "no":
        peers.matchmaker.decline(who)
        await query.answer()
        await close_offer(app, who, "peer.offer_passed")
        await match(app)
        return
    request = peers.matchmaker.request_of(offer.member)
    now = svc.clock()
    pair = peers.matchmaker.accept(who, now)
    peers.offer_messages.pop(who, None)
    peers.offer_serials.pop(who, None)
    await query.answer()
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:
        logger.info("could not clear an offer's buttons: %s", type(error).__name__)
    await _start_chat(app, pair, offer, request.asked_at if request else now)


async def _start_chat(app: App, pair: Pair, offer: Offer, asked_at: datetime) -> None:
    peers = room_of(app)
    svc = services_of(app.bot_data)
    peers.told_to_wait_on.pop(pair.member, None)
    await _session(app, pair.member, CHATTING)
    await _session(app, pair.listener, CHATTING)
    await _count(app, "peer_chats_started")
    await _count(app, wait_counter((svc.clock() - asked_at).total_seconds()))
    checkin = peers.checkins.pop(pair.member, None)
    mood = _say(app, pair.listener, f"checkin.mood.{checkin.mood if checkin else 'getting_by'}")
    for who, own_alias, key, values in (
        (pair.member, pair.member_alias, "peer.connected_member", {"alias": pair.listener_alias}),
        (
            pair.listener,
            pair.listener_alias,
            "peer.connected_listener",
            {"alias": pair.member_alias, "mood": mood},
        ),
    ):
        intro = _say(app, who, "peer.how_it_works", alias=own_alias)
        await tell(app, who, f"{_say(app, who, key, **values)}\n\n{intro}")
    if offer.crisis:
        await tell(app, pair.listener, _say(app, pair.listener, "peer.may_be_crisis"))
    if checkin is not None and checkin.words:
        words = html.escape(checkin.words)
        await tell(app, pair.listener, f"{_say(app, pair.listener, 'peer.their_words')}\n\n{words}")


# --- the relay -------------------------------------------------------------------------


def _chunks(words: str) -> list[str]:
    return [words[i : i + _CHUNK] for i in range(0, len(words), _CHUNK)] or [""]


async def relay(update: Update, context: Context) -> None:
    """One message from one side to the other, paced, in order, under an alias."""
    app, peers, svc = context.application, room(context), services(context)
    message = update.effective_message
    who = member_pseudonym(update, context)
    if message is None or who is None:
        return
    pair = peers.matchmaker.pair_of(who)
    if pair is None:
        return
    other = pair.other(who)
    other_chat = peers.chat_ids.get(other)
    if other_chat is None:
        return
    if message.text is None and message.sticker is None:
        await reply(update, context, text(update, context, "peer.media_refused"))
        return
    pair.last_activity = svc.clock()
    peers.log_of(pair).warned_idle = False
    verdict = svc.verdicts.verdict_of(update.update_id)
    crisis = verdict is not None and verdict.level is Level.CRISIS
    if message.text is not None and not crisis and find_contact(message.text) is not None:
        # Safety and anonymity both ways: the sender says once whether to pass it on. A
        # crisis is passed on at once, contact details and all.
        peers.held_contacts[who] = message.text
        rows = [
            [
                _button(app, who, "peer.contact_send", "cs", "send"),
                _button(app, who, "peer.contact_drop", "cs", "drop"),
            ]
        ]
        body = text(update, context, "peer.contact_check")
        await reply(update, context, body, markup=InlineKeyboardMarkup(rows))
        return
    if message.text is not None:
        backlog = _pass_on(app, pair, who, message.text)
    else:
        peers.log_of(pair).recent.append((pair.alias_of(who), "[sticker]"))
        backlog = peers.pacer.submit(other_chat, _copier(app, other, message))
    if who == pair.member and crisis:
        prompt = _say(app, other, "peer.crisis_prompt", alias=pair.alias_of(who))
        peers.pacer.submit(other_chat, _sender(app, other, prompt, priority=CRISIS))
    await _pace_the_typist(update, context, pair, who, backlog)


def _pass_on(app: App, pair: Pair, who: Pseudonym, words: str) -> int:
    """who's words to the other side, under who's alias; the other side's backlog after."""
    peers = room_of(app)
    other = pair.other(who)
    other_chat = peers.chat_ids[other]
    alias = pair.alias_of(who)
    peers.log_of(pair).recent.append((alias, words[:500]))
    backlog = 0
    for chunk in _chunks(words):
        body = _say(app, other, "peer.relay", alias=alias, text=chunk)
        backlog = peers.pacer.submit(other_chat, _sender(app, other, body))
    return backlog


async def _pace_the_typist(
    update: Update, context: Context, pair: Pair, who: Pseudonym, backlog: int
) -> None:
    log = room(context).log_of(pair)
    if backlog >= FAST_TYPING_BACKLOG and who not in log.told_to_slow:
        log.told_to_slow.add(who)
        await reply(update, context, text(update, context, "peer.slow_down"))
    elif backlog <= 1:
        log.told_to_slow.discard(who)


def _sender(app: App, to: Pseudonym, body: str, *, priority: str | None = None):  # type: ignore[no-untyped-def]
    async def send() -> None:
        peers = room_of(app)
        chat_id = peers.chat_ids.get(to)
        if chat_id is None or to not in peers.matchmaker.pairs:
            return  # the chat ended while this waited
        try:
            sent = await app.bot.send_message(
                chat_id, body, parse_mode=HTML, protect_content=True, rate_limit_args=priority
            )
        except Forbidden:
            await leave_everything(app, to, notify_self=False)
            return
        peers.note_sent(to, sent.message_id)

    return send


def _copier(app: App, to: Pseudonym, message: Message):  # type: ignore[no-untyped-def]
    from_chat, message_id = message.chat_id, message.message_id

    async def copy() -> None:
        peers = room_of(app)
        chat_id = peers.chat_ids.get(to)
        if chat_id is None or to not in peers.matchmaker.pairs:
            return
        try:
            sent = await app.bot.copy_message(chat_id, from_chat, message_id, protect_content=True)
        except Forbidden:
            await leave_everything(app, to, notify_self=False)
            return
        peers.note_sent(to, sent.message_id)

    return copy


async def edited_in_chat(update: Update, context: Context) -> None:
    """Edits are not relayed; the sender hears so once per chat."""
    peers = room(context)
    who = member_pseudonym(update, context)
    pair = peers.matchmaker.pair_of(who) if who else None
    if who is None or pair is None:
        return
    log = peers.log_of(pair)
    if who not in log.told_about_edits:
        log.told_about_edits.add(who)
        await reply(update, context, text(update, context, "peer.edits_not_relayed"))


# --- ending ----------------------------------------------------------------------------


async def end_chat(app: App, pair: Pair, *, ended_by: Pseudonym | None, how: str) -> None:
    """End a chat for both sides. how: end, idle, block, report, forget or gone."""
    peers = room_of(app)
    svc = services_of(app.bot_data)
    if peers.matchmaker.end(pair.member) is None:
        return  # already ended
    now = svc.clock()
    await _count(app, "peer_chats_ended")
    for who in (pair.member, pair.listener):
        chat_id = peers.chat_ids.get(who)
        if chat_id is not None:
            peers.pacer.drop(chat_id)
    peers.close_chat(pair, now)
    for who in (pair.member, pair.listener):
        still_listening = who == pair.listener and who in peers.matchmaker.listeners
        await _session(app, who, LISTENING if still_listening else None)
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
        await tell(app, who, _say(app, who, "peer.way_back"), way_back_markup(app, who))
    else:
        await tell(app, who, _say(app, who, "peer.debrief"))
        listener = peers.matchmaker.listeners.get(who)
        if listener is not None and peers.matchmaker.at_cap(who):
            more = listener.cap + 1
            await tell(app, who, _say(app, who, "peer.cap_reached", cap=listener.cap, more=more))
    if who in peers.deletable:
        markup = InlineKeyboardMarkup([[_button(app, who, "peer.delete_button", "del")]])
        await tell(app, who, _say(app, who, "peer.delete_offer"), markup)


def _ending_text(app: App, pair: Pair, who: Pseudonym, ended_by: Pseudonym | None, how: str) -> str:
    if how == "idle":
        return _say(app, who, "peer.ended_idle")
    if who != ended_by:
        return _say(app, who, "peer.ended_by_other", alias=pair.alias_of(pair.other(who)))
    return _say(app, who, "peer.blocked" if how == "block" else "peer.ended_by_you")


async def _pair_or_explain(update: Update, context: Context) -> tuple[Pseudonym, Pair] | None:
    who = member_pseudonym(update, context)
    pair = room(context).matchmaker.pair_of(who) if who else None
    if who is None or pair is None:
        await reply(update, context, text(update, context, "peer.not_in_chat"))
        return None
    return who, pair


async def end_command(update: Update, context: Context) -> None:
    found = await _pair_or_explain(update, context)
    if found is not None:
        who, pair = found
        await end_chat(context.application, pair, ended_by=who, how="end")


async def _block(app: App, blocker: Pseudonym, blocked: Pseudonym) -> None:
    svc = services_of(app.bot_data)
    await svc.store.block(blocker, blocked, svc.clock())
    room_of(app).blocked_pairs.add((blocker, blocked))


async def block_command(update: Update, context: Context) -> None:
    found = await _pair_or_explain(update, context)
    if found is None:
        return
    who, pair = found
    await _block(context.application, who, pair.other(who))
    await end_chat(context.application, pair, ended_by=who, how="block")


async def report_command(update: Update, context: Context) -> None:
    """Ends the chat, blocks, and asks in one tap what happened; the moderators get the
    aliases, the reason and the last few messages once the reason is chosen."""
    app, peers, svc = context.application, room(context), services(context)
    found = await _pair_or_explain(update, context)
    if found is None:
        return
    who, pair = found
    other = pair.other(who)
    if svc.settings.moderator_chat is not None:
        # Kept (in memory) until the reason is tapped; it also keeps the reporter's chat.
        peers.reports[who] = PendingReport(
            reporter_alias=pair.alias_of(who),
            reported_alias=pair.alias_of(other),
            reported_is_listener=other == pair.listener,
            reported=other,
            messages=list(peers.log_of(pair).recent),
            made_at=svc.clock(),
        )
    await _block(app, who, other)
    # Ask what happened first; the chat's closing and the offer to delete copies follow.
    if svc.settings.moderator_chat is None:
        await reply(update, context, text(update, context, "peer.report_nowhere"))
    else:
        rows = [
            [_button(app, who, f"peer.reason.{reason}", "why", reason)] for reason in REPORT_REASONS
        ]
        ask = text(update, context, "peer.report_ask")
        await reply(update, context, ask, markup=InlineKeyboardMarkup(rows))
    await end_chat(app, pair, ended_by=who, how="report")
    await _count(app, "peer_reports")


async def _send_report(update: Update, context: Context, reason: str) -> None:
    app, peers, svc = context.application, room(context), services(context)
    who = member_pseudonym(update, context)
    report = peers.reports.pop(who, None) if who else None
    moderators = svc.settings.moderator_chat
    if who is None or report is None or moderators is None:
        await reply(update, context, text(update, context, "peer.report_expired"))
        return
    peers.release(who)
    if svc.clock() - report.made_at > REPORT_OPEN_FOR:
        await reply(update, context, text(update, context, "peer.report_expired"))
        return
    catalog, lang = svc.catalog, "en"
    lines = "\n".join(
        f"<b>{html.escape(alias)}</b>: {html.escape(words)}" for alias, words in report.messages
    ) or catalog.text("moderators.no_messages", lang)
    roles = {True: "moderators.role_listener", False: "moderators.role_member"}
    body = catalog.text(
        "moderators.report",
        lang,
        reason=catalog.text(f"peer.reason.{reason}", lang),
        reporter=report.reporter_alias,
        reporter_role=catalog.text(roles[not report.reported_is_listener], lang),
        reported=report.reported_alias,
        reported_role=catalog.text(roles[report.reported_is_listener], lang),
        messages=Html(lines),
    )
    markup = None
    if report.reported_is_listener:
        record = await svc.store.listener(report.reported)
        if record is not None:
            data = svc.callbacks.build(
                "lsn",
                "su",
                record.ref,
                report.reported_alias.removeprefix(peer_alias("")),
                chat_id=moderators,
                now=svc.clock(),
            )
            label = catalog.text("moderators.suspend", lang)
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data)]])
    try:
        await app.bot.send_message(moderators, body, parse_mode=HTML, reply_markup=markup)
    except TelegramError as error:
        logger.warning("a report could not reach the moderators: %s", type(error).__name__)
        await reply(update, context, text(update, context, "errors.generic"))
        return
    await reply(update, context, text(update, context, "peer.report_sent"))


async def handover_command(update: Update, context: Context) -> None:
    """'I need to step away': the member keeps the front of the line for someone else."""
    app, peers, svc = context.application, room(context), services(context)
    found = await _pair_or_explain(update, context)
    if found is None:
        return
    who, pair = found
    if who != pair.listener:
        await reply(update, context, text(update, context, "peer.listener_only"))
        return
    for side in (pair.member, pair.listener):
        chat_id = peers.chat_ids.get(side)
        if chat_id is not None:
            peers.pacer.drop(chat_id)
    peers.matchmaker.hand_over(who, svc.clock())
    await _count(app, "peer_chats_ended")
    peers.close_chat(pair, svc.clock())
    await _session(app, pair.member, WAITING)
    await _session(app, who, LISTENING if who in peers.matchmaker.listeners else None)
    await tell(
        app,
        pair.member,
        _say(app, pair.member, "peer.handed_over_member", alias=pair.listener_alias),
    )
    await reply(update, context, text(update, context, "peer.handed_over_listener"))
    peers.release(who)
    await match(app)


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
        await _leave_line(app, who)
        left = left or "line"
    if who in mm.listeners:
        left = left or "shift"
        if mm.make_unavailable(who) is not None:
            await match(app)
    await services_of(app.bot_data).store.end_peer_session(who)
    peers.forget(who)
    peers.release(who)
    return left


# --- buttons ---------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    action, args = data.action, data.args
    if action in ("ok", "no") and args:
        await on_offer_button(update, context, action, args[0])
        return
    await query.answer()
    app = context.application
    who = member_pseudonym(update, context)
    if who is None:
        return
    if action == "alt" and args:
        await _alternative(update, context, args[0])
    elif action == "keep":
        place = room(context).matchmaker.position(who)
        key = "peer.still_waiting" if place else "peer.not_waiting"
        await reply(update, context, text(update, context, key, place=place))
    elif action == "stop":
        if room(context).matchmaker.position(who):
            await _leave_line(app, who)
            await reply(update, context, text(update, context, "peer.cancelled"))
        else:
            await reply(update, context, text(update, context, "peer.not_waiting"))
    elif action == "del":
        await _delete_copies(update, context, who)
    elif action == "why" and args and args[0] in REPORT_REASONS:
        await _send_report(update, context, args[0])
    elif action == "cs" and args and args[0] in ("send", "drop"):
        await _held_contact(update, context, who, send=args[0] == "send")


async def _held_contact(update: Update, context: Context, who: Pseudonym, *, send: bool) -> None:
    """The sender's answer about a message with contact details: pass it on, or drop it."""
    peers = room(context)
    words = peers.held_contacts.pop(who, None)
    pair = peers.matchmaker.pair_of(who)
    await clear_buttons(update.effective_message)
    if words is None or pair is None or pair.other(who) not in peers.chat_ids:
        await reply(update, context, text(update, context, "peer.contact_expired"))
        return
    if not send:
        await reply(update, context, text(update, context, "peer.contact_dropped"))
        return
    pair.last_activity = services(context).clock()
    backlog = _pass_on(context.application, pair, who, words)
    await _pace_the_typist(update, context, pair, who, backlog)


async def _alternative(update: Update, context: Context, which: str) -> None:
    if which == "read":
        checkin = room(context).checkins.get(member_pseudonym(update, context) or Pseudonym(""))
        await send_reading_for(update, context, checkin.mood if checkin else None)
    elif which == "today":
        zone = await chat_zone(update, context)
        await show_today(update, context, local_today(zone, services(context).clock()))
    elif which == "lines":
        await send_answer(update, context, AnswerKind.RESOURCES)


async def _delete_copies(update: Update, context: Context, who: Pseudonym) -> None:
    peers, svc = room(context), services(context)
    found = peers.deletable.pop(who, None)
    if found is None or found.until <= svc.clock():
        await reply(update, context, text(update, context, "peer.nothing_to_delete"))
        return
    deleted = 0
    ids = sorted(found.message_ids)
    for start in range(0, len(ids), 100):  # Telegram's most per call
        batch = ids[start : start + 100]
        try:
            await context.bot.delete_messages(found.chat_id, batch)
            deleted += len(batch)
        except BadRequest as error:
            logger.info("some chat copies could not be deleted: %s", type(error).__name__)
    await reply(update, context, text(update, context, "peer.deleted", count=deleted))


# --- the tick: offers that expire, long waits, quiet chats, shifts that end -------------


async def peer_tick_now(app: App) -> None:
    peers = room_of(app)
    svc = services_of(app.bot_data)
    now = svc.clock()
    mm = peers.matchmaker
    peers.let_go_of_old_checkins(now)
    for offer in mm.expire_offers(now):
        await close_offer(app, offer.listener, "peer.offer_expired")
        await _count(app, "peer_offers_expired")
    for who in mm.shifts_over(now):
        if mm.make_unavailable(who) is not None:
            await close_offer(app, who, "peer.offer_gone")
        if who not in mm.pairs:
            await _session(app, who, None)
            await tell(app, who, _say(app, who, "peer.shift_over"))
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
                await tell(app, who, _say(app, who, "peer.idle_warning"))
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
        await _count(app, "peer_long_waits")
        markup = alternatives_markup(app, who)
        await tell(app, who, _say(app, who, "peer.long_wait"), markup)
        return
    place = peers.matchmaker.position(who)
    minutes = mark * int(WAIT_BEFORE_ALTERNATIVES.total_seconds() // 60)
    await tell(app, who, _say(app, who, "peer.wait_mark", minutes=minutes, place=place))


async def peer_tick(context: Context) -> None:
    await peer_tick_now(context.application)


async def tell_restarted(app: App) -> None:
    """At start: whoever a previous run left waiting, listening or chatting is told it
    ended, so nobody waits on a chat that no longer exists."""
    svc = services_of(app.bot_data)
    peers = room_of(app)
    peers.blocked_pairs |= await svc.store.blocks(svc.clock())
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


def register(application: App) -> None:
    room_of(application)
    in_chat = PeerState(
        application, "in_peer_chat", lambda peers, who: who in peers.matchmaker.pairs
    )
    relayable = NEW_MESSAGES & PRIVATE & in_chat & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(relayable, relay))
    edited = filters.UpdateType.EDITED_MESSAGE & PRIVATE & in_chat
    application.add_handler(MessageHandler(edited, edited_in_chat))
    for name, callback in (
        ("end", end_command),
        ("block", block_command),
        ("report", report_command),
        ("handover", handover_command),
        ("cancel", cancel_command),
    ):
        application.add_handler(CommandHandler(name, callback, filters=NEW_MESSAGES & PRIVATE))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
    assert application.job_queue is not None
    application.job_queue.run_repeating(peer_tick, interval=TICK, first=TICK, name="peers")
