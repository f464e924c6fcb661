"""Anonymous peer chats, as members and listeners use them: /end, /block, /report,
/handover and /cancel, the buttons under offers and waits, and the relay's Telegram side.

The life of a chat (the line, offers, starting, ending) is bot/peers/service.py, the
relay's pacing bot/peers/relay.py, the tick bot/peers/tick.py; this module reads the
update, calls them, and answers the person who wrote.
"""

from __future__ import annotations

import html
import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.delivery.zones import local_today
from bot.handlers.answer_view import send_answer
from bot.handlers.checkin_view import send_reading_for
from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    PRIVATE,
    SAFETY_GROUP,
    App,
    Context,
    chat_zone,
    clear_buttons,
    member_pseudonym,
    reply,
    services,
    text,
    verified_callback,
)
from bot.handlers.reflection_view import show_today
from bot.peers.contacts import find_contact
from bot.peers.matching import Pair, peer_alias
from bot.peers.relay import pass_on, pass_on_sticker, pass_on_urgently
from bot.peers.room import (
    FAST_TYPING_BACKLOG,
    REPORT_OPEN_FOR,
    REPORT_REASONS,
    PeerRoom,
    PendingReport,
)
from bot.peers.service import (
    FEATURE,
    PeerState,
    accept_offer,
    block,
    button,
    close_offer,
    count,
    end_chat,
    hand_over,
    leave_line,
    match,
    room_of,
    say,
    start_chat,
)
from bot.peers.shared_room import bring_up_to_date, changes_the_room, shared_room_of
from bot.peers.tick import peer_tick_now
from bot.platform.catalog import Html
from bot.platform.privacy import Pseudonym
from bot.safety import Level
from bot.safety.resources import AnswerKind

logger = logging.getLogger(__name__)

TICK = timedelta(seconds=10)


def room(context: Context) -> PeerRoom:
    return room_of(context.application)


# --- joining the line ------------------------------------------------------------------


async def cancel_command(update: Update, context: Context) -> None:
    who = member_pseudonym(update, context)
    if who is None:
        return
    if not room(context).matchmaker.position(who):
        await reply(update, context, text(update, context, "peer.not_waiting"))
        return
    await leave_line(context.application, who)
    await reply(update, context, text(update, context, "peer.cancelled"))


# --- offers ----------------------------------------------------------------------------


async def on_offer_button(update: Update, context: Context, action: str, serial: str) -> None:
    app, peers = context.application, room(context)
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
    pair, asked_at = accept_offer(app, who, offer)
    await query.answer()
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError as error:
        logger.info("could not clear an offer's buttons: %s", type(error).__name__)
    await start_chat(app, pair, offer, asked_at)


# --- the relay -------------------------------------------------------------------------


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
                button(app, who, "peer.contact_send", "cs", "send"),
                button(app, who, "peer.contact_drop", "cs", "drop"),
            ]
        ]
        body = text(update, context, "peer.contact_check")
        await reply(update, context, body, markup=InlineKeyboardMarkup(rows))
        return
    if message.text is not None:
        backlog = await pass_on(app, pair, who, message.text)
    else:
        backlog = await pass_on_sticker(app, pair, who, message)
    if who == pair.member and crisis:
        prompt = say(app, other, "peer.crisis_prompt", alias=pair.alias_of(who))
        await pass_on_urgently(app, other, prompt)
    await _pace_the_typist(update, context, pair, who, backlog)


async def _pace_the_typist(
    update: Update, context: Context, pair: Pair, who: Pseudonym, backlog: int
) -> None:
    log = room(context).log_of(pair)
    if backlog >= FAST_TYPING_BACKLOG and who not in log.told_to_slow:
        log.told_to_slow.add(who)
        await reply(update, context, text(update, context, "peer.slow_down"))
    elif backlog <= 1:
        log.told_to_slow.discard(who)


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


async def block_command(update: Update, context: Context) -> None:
    found = await _pair_or_explain(update, context)
    if found is None:
        return
    who, pair = found
    await block(context.application, who, pair.other(who))
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
    await block(app, who, other)
    # Ask what happened first; the chat's closing and the offer to delete copies follow.
    if svc.settings.moderator_chat is None:
        await reply(update, context, text(update, context, "peer.report_nowhere"))
    else:
        rows = [
            [button(app, who, f"peer.reason.{reason}", "why", reason)] for reason in REPORT_REASONS
        ]
        ask = text(update, context, "peer.report_ask")
        await reply(update, context, ask, markup=InlineKeyboardMarkup(rows))
    await end_chat(app, pair, ended_by=who, how="report")
    await count(app, "peer_reports")


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
    app = context.application
    found = await _pair_or_explain(update, context)
    if found is None:
        return
    who, pair = found
    if who != pair.listener:
        await reply(update, context, text(update, context, "peer.listener_only"))
        return
    await hand_over(app, pair)
    await reply(update, context, text(update, context, "peer.handed_over_listener"))
    room(context).release(who)
    await match(app)


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
            await leave_line(app, who)
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
    backlog = await pass_on(context.application, pair, who, words)
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


async def peer_tick(context: Context) -> None:
    await peer_tick_now(context.application)


def register(application: App) -> None:
    if shared_room_of(application).spans_instances:
        # Before the safety handler's group: it asks who is in a peer chat, too.
        room_group = SAFETY_GROUP - 1
        application.add_handler(TypeHandler(Update, bring_up_to_date), group=room_group)
    in_chat = PeerState(
        application, "in_peer_chat", lambda peers, who: who in peers.matchmaker.pairs
    )
    relayable = NEW_MESSAGES & PRIVATE & in_chat & ~filters.COMMAND & ~filters.StatusUpdate.ALL
    application.add_handler(MessageHandler(relayable, changes_the_room(relay)))
    edited = filters.UpdateType.EDITED_MESSAGE & PRIVATE & in_chat
    application.add_handler(MessageHandler(edited, changes_the_room(edited_in_chat)))
    for name, callback in (
        ("end", end_command),
        ("block", block_command),
        ("report", report_command),
        ("handover", handover_command),
        ("cancel", cancel_command),
    ):
        application.add_handler(
            CommandHandler(name, changes_the_room(callback), filters=NEW_MESSAGES & PRIVATE)
        )
    application.add_handler(
        CallbackQueryHandler(changes_the_room(on_button), pattern=f"^{FEATURE}:")
    )
    assert application.job_queue is not None
    application.job_queue.run_repeating(peer_tick, interval=TICK, first=TICK, name="peers")
