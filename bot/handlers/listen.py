"""/listen: volunteer peer listeners, their guide, their shifts, and the moderators' say.

Who may listen is the operator's choice (PORCHLIGHT_LISTENERS): "approved" sends each
request to the moderators' chat under a random reference, "open" lets anyone who accepts
the guide listen. Moderators never learn who anyone is: their buttons carry the
reference, and the bot tells the listener their answer.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import replace
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    clear_buttons,
    is_private,
    language,
    member_pseudonym,
    reply,
    services,
    text,
    verified_callback,
)
from bot.peers.matching import DEFAULT_CAP, MAX_SHIFT, peer_alias
from bot.peers.service import LISTENING, close_offer, match, room_of
from bot.peers.shared_room import changes_the_room
from bot.platform.privacy import Pseudonym, SealedId, SealError
from bot.platform.store import ListenerRecord, PeerSession
from bot.services import Services

logger = logging.getLogger(__name__)

FEATURE = "lsn"
# What each moderators' button makes of a listener, and the state it acts on.
_DECISIONS = {"ap": "approved", "de": "declined", "su": "suspended", "un": "approved"}
_ACTS_ON = {"ap": "pending", "de": "pending", "su": "approved", "un": "suspended"}
DEFAULT_SHIFT = timedelta(hours=2)
MAX_CAP = 10
_DURATION = re.compile(r"^(?:(\d{1,2})h)?(?:(\d{1,3})m(?:in)?)?$")


def parse_duration(value: str) -> timedelta | None:
    """'2h', '90m', '1h30m' or a bare number of hours; None if unreadable or zero."""
    value = value.strip().lower()
    if value.isdigit():
        hours = int(value)
        return timedelta(hours=hours) if 0 < hours <= 99 else None
    matched = _DURATION.match(value)
    if matched is None or not any(matched.groups()):
        return None
    hours, minutes = (int(g) if g else 0 for g in matched.groups())
    total = timedelta(hours=hours, minutes=minutes)
    return total if total > timedelta(0) else None


def applicant_name(svc: Services, ref: str) -> str:
    return svc.catalog.text("moderators.applicant", ref=ref.upper())


async def listen_command(update: Update, context: Context) -> None:
    if not is_private(update):
        await reply(update, context, text(update, context, "listen.private_only"))
        return
    who = member_pseudonym(update, context)
    assert who is not None
    args = [a.lower() for a in context.args or []]
    if args == ["off"]:
        await _stop_shift(update, context, who)
        return
    peers = room_of(context.application)
    current = peers.matchmaker.listeners.get(who)
    if not args and current is not None:  # bare, on shift: the shift as it is
        left = _hours_text(current.until - services(context).clock())
        key = "listen.available_at_cap" if peers.matchmaker.at_cap(who) else "listen.current"
        body = text(update, context, key, hours=left, cap=current.cap, more=current.cap + 1)
        await reply(update, context, body)
        return
    duration, cap = DEFAULT_SHIFT, current.cap if current else DEFAULT_CAP
    if len(args) == 2 and args[0] == "cap" and args[1].isdigit() and 1 <= int(args[1]) <= MAX_CAP:
        cap = int(args[1])
        if current is not None:
            duration = current.until - services(context).clock()
    elif len(args) == 1 and parse_duration(args[0]) is not None:
        # As asked: make_available holds a shift to MAX_SHIFT, and start_shift says so.
        duration = parse_duration(args[0]) or DEFAULT_SHIFT
    elif args:
        await reply(update, context, text(update, context, "listen.usage"))
        return
    await _start_if_allowed(update, context, who, duration, cap)


async def _start_if_allowed(
    update: Update, context: Context, who: Pseudonym, duration: timedelta, cap: int
) -> None:
    svc = services(context)
    record = await svc.store.listener(who)
    if record is not None and record.status == "suspended":
        await reply(update, context, text(update, context, "listen.suspended"))
        return
    if record is None or not record.guide_accepted:
        room_of(context.application).shift_requests[who] = (duration, cap)
        await _show_guide(update, context)
        return
    if record.status == "approved" or svc.settings.listeners == "open":
        await start_shift(update, context, who, duration, cap)
    elif record.status == "pending":
        await reply(update, context, text(update, context, "listen.pending"))
    else:
        await reply(update, context, text(update, context, "listen.declined"))


async def _show_guide(update: Update, context: Context) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    text(update, context, "listen.accept_guide"),
                    callback_data=button_data(update, context, FEATURE, "g", "ok"),
                ),
                InlineKeyboardButton(
                    text(update, context, "listen.not_now"),
                    callback_data=button_data(update, context, FEATURE, "g", "no"),
                ),
            ]
        ]
    )
    await reply(update, context, text(update, context, "listen.guide"), markup=markup)


async def start_shift(
    update: Update, context: Context, who: Pseudonym, duration: timedelta, cap: int
) -> None:
    """On shift for duration as asked, at most MAX_SHIFT (and told so when it was more)."""
    svc, peers = services(context), room_of(context.application)
    chat = update.effective_chat
    assert chat is not None
    peers.chat_ids[who] = chat.id
    peers.languages[who] = language(update, context)
    listener = peers.matchmaker.make_available(who, svc.clock(), duration, cap)
    if who not in peers.matchmaker.pairs:
        session = PeerSession(who, LISTENING, svc.keyring.seal(chat.id))
        await svc.store.set_peer_session(session, svc.clock())
    hours = _hours_text(listener.until - svc.clock())
    at_cap = peers.matchmaker.at_cap(who)
    key = "listen.available_at_cap" if at_cap else "listen.available"
    body = text(update, context, key, hours=hours, cap=listener.cap, more=listener.cap + 1)
    if duration > MAX_SHIFT:
        body += "\n\n" + text(update, context, "listen.capped")
    await reply(update, context, body)
    await match(context.application)


def _hours_text(span: timedelta) -> str:
    minutes = max(1, round(span.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


async def _stop_shift(update: Update, context: Context, who: Pseudonym) -> None:
    peers, svc = room_of(context.application), services(context)
    if who not in peers.matchmaker.listeners:
        await reply(update, context, text(update, context, "listen.not_on_shift"))
        return
    offer = peers.matchmaker.make_unavailable(who)
    if offer is not None:
        await close_offer(context.application, who, "peer.offer_gone")
    if who in peers.matchmaker.pairs:
        await reply(update, context, text(update, context, "listen.off_in_chat"))
    else:
        await svc.store.end_peer_session(who)
        peers.release(who)
        await reply(update, context, text(update, context, "listen.off"))
    await match(context.application)


async def _guide_answered(update: Update, context: Context, accepted: bool) -> None:
    svc, peers = services(context), room_of(context.application)
    who = member_pseudonym(update, context)
    chat = update.effective_chat
    assert who is not None
    assert chat is not None
    await clear_buttons(update.effective_message)
    requested = peers.shift_requests.pop(who, (DEFAULT_SHIFT, DEFAULT_CAP))
    if not accepted:
        await reply(update, context, text(update, context, "listen.not_now_done"))
        return
    now = svc.clock()
    record = await svc.store.listener(who)
    if record is not None and record.status == "suspended":
        await reply(update, context, text(update, context, "listen.suspended"))
        return
    sealed = svc.keyring.seal(chat.id)
    if svc.settings.listeners == "open" or (record is not None and record.status == "approved"):
        ref = record.ref if record else secrets.token_hex(3)
        await svc.store.save_listener(ListenerRecord(who, ref, "approved", True, sealed), now)
        await start_shift(update, context, who, *requested)
        return
    if svc.settings.moderator_chat is None:
        await reply(update, context, text(update, context, "listen.no_moderators"))
        return
    if record is not None and record.status == "declined":
        await reply(update, context, text(update, context, "listen.declined"))
        return
    ref = record.ref if record else secrets.token_hex(3)
    await svc.store.save_listener(ListenerRecord(who, ref, "pending", True, sealed), now)
    await _ask_moderators(context, ref)
    await reply(update, context, text(update, context, "listen.asked_moderators"))


async def _ask_moderators(context: Context, ref: str) -> None:
    svc = services(context)
    moderators = svc.settings.moderator_chat
    assert moderators is not None

    def button(key: str, action: str) -> InlineKeyboardButton:
        data = svc.callbacks.build(FEATURE, action, ref, chat_id=moderators, now=svc.clock())
        return InlineKeyboardButton(svc.catalog.text(key), callback_data=data)

    markup = InlineKeyboardMarkup(
        [[button("moderators.approve", "ap"), button("moderators.decline", "de")]]
    )
    body = svc.catalog.text("moderators.request", applicant=applicant_name(svc, ref))
    try:
        await context.bot.send_message(moderators, body, parse_mode=HTML, reply_markup=markup)
    except TelegramError as error:
        logger.warning(
            "a listener request could not reach the moderators: %s", type(error).__name__
        )


async def _moderate(update: Update, context: Context, action: str, args: tuple[str, ...]) -> None:
    """Approve, decline, suspend or lift a suspension, from the moderators' chat only (the
    button is bound to that chat, so a copy pressed anywhere else has expired). Each button
    acts once, on a listener in the state it was made for."""
    svc = services(context)
    query = update.callback_query
    assert query is not None
    record = await svc.store.listener_by_ref(args[0]) if args else None
    if record is None or record.status != _ACTS_ON[action]:
        await query.answer(text(update, context, "moderators.already"))
        return
    await query.answer()
    await svc.store.save_listener(replace(record, status=_DECISIONS[action]), svc.clock())
    if action in ("ap", "de"):
        done = svc.catalog.text(
            f"moderators.{_DECISIONS[action]}", applicant=applicant_name(svc, record.ref)
        )
        try:
            await query.edit_message_text(done, parse_mode=HTML)
        except TelegramError as error:
            logger.info("could not update a moderators' message: %s", type(error).__name__)
        await _tell_listener(context, record.sealed_chat, f"listen.{_DECISIONS[action]}")
        return
    # Suspending or lifting: the report stays readable, its button goes, a line follows.
    await clear_buttons(update.effective_message)
    reported = peer_alias(args[1]) if len(args) > 1 else applicant_name(svc, record.ref)
    if action == "su":
        await _end_shift_of(context.application, record.who)
        data = button_data(update, context, FEATURE, "un", *args[:2])
        lift = InlineKeyboardButton(svc.catalog.text("moderators.lift"), callback_data=data)
        body = svc.catalog.text("moderators.suspended", reported=reported)
        await reply(update, context, body, markup=InlineKeyboardMarkup([[lift]]))
        await _tell_listener(context, record.sealed_chat, "listen.suspended")
    else:
        await reply(update, context, svc.catalog.text("moderators.lifted", reported=reported))
        await _tell_listener(context, record.sealed_chat, "listen.lifted")


async def _end_shift_of(app: App, who: Pseudonym) -> None:
    peers = room_of(app)
    if who in peers.matchmaker.listeners:
        peers.matchmaker.make_unavailable(who)
        await match(app)
    if who not in peers.matchmaker.pairs:
        peers.release(who)


async def _tell_listener(context: Context, sealed: SealedId, key: str) -> None:
    svc = services(context)
    try:
        chat_id = svc.keyring.unseal(sealed)
        await context.bot.send_message(chat_id, svc.catalog.text(key), parse_mode=HTML)
    except (SealError, TelegramError) as error:
        logger.info("could not tell a listener the moderators' answer: %s", type(error).__name__)


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    if data.action == "g" and data.args and is_private(update):
        await query.answer()
        await _guide_answered(update, context, data.args[0] == "ok")
    elif data.action in _DECISIONS:
        await _moderate(update, context, data.action, data.args)
    else:
        await query.answer(text(update, context, "buttons.expired"))


def register(application: App) -> None:
    application.add_handler(
        CommandHandler("listen", changes_the_room(listen_command), filters=NEW_MESSAGES)
    )
    application.add_handler(
        CallbackQueryHandler(changes_the_room(on_button), pattern=f"^{FEATURE}:")
    )
