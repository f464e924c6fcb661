"""/checkin: how a member is right now and what would help, in two taps; the daily
nudge (/checkin remind 21:30); and /discreet for members on a shared phone.

Nothing of a check-in is stored: the mood and any words live in memory until the member
chooses, and only coarse counts (no ids) reach the store.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.delivery.deliver import NUDGE
from bot.delivery.schedule import clock_text, parse_clock
from bot.delivery.zones import zone_label
from bot.handlers.answer_view import send_answer
from bot.handlers.checkin_view import FEATURE, ask_mood, help_markup, send_reading_for
from bot.handlers.common import (
    NEW_MESSAGES,
    PRIVATE,
    App,
    Context,
    chat_pseudonym,
    clear_buttons,
    is_private,
    just_had_a_crisis,
    language,
    member_pseudonym,
    reply,
    schedule_here,
    services,
    text,
    verified_callback,
)
from bot.handlers.directory_view import with_a_meeting_soon
from bot.peers.checkin import (
    help_counter,
    hour_counter,
    is_help,
    is_mood,
    mood_counter,
)
from bot.peers.room import MAX_CHECKIN_WORDS, CheckIn
from bot.peers.service import PeerState, ask_for_peer, room_of
from bot.peers.shared_room import changes_the_room
from bot.platform.catalog import Html
from bot.safety import Level
from bot.safety.resources import AnswerKind


async def checkin_command(update: Update, context: Context) -> None:
    if not is_private(update):
        await reply(update, context, text(update, context, "checkin.private_only"))
        return
    args = [a.lower() for a in context.args or []]
    if args and args[0] == "remind":
        await _remind(update, context, args[1:])
        return
    if args:
        await reply(update, context, text(update, context, "checkin.usage"))
        return
    # In a live peer chat already: say so first, not after both questions.
    who = member_pseudonym(update, context)
    pair = None if who is None else room_of(context.application).matchmaker.pair_of(who)
    if who is not None and pair is not None:
        alias = pair.alias_of(pair.other(who))
        await reply(update, context, text(update, context, "peer.already_chatting", alias=alias))
        return
    await ask_mood(update, context)


async def _remind(update: Update, context: Context, args: list[str]) -> None:
    chat = chat_pseudonym(update, context)
    assert chat is not None
    if args == ["off"]:
        removed = await services(context).store.unsubscribe(chat, NUDGE, None)
        key = "checkin.remind_off" if removed else "checkin.remind_none"
        await reply(update, context, text(update, context, key))
        return
    if not args:  # bare: the nudge now, if there is one, and how to change it
        existing = await services(context).store.subscription(chat, NUDGE, None)
        body = text(update, context, "checkin.remind_usage")
        if existing is not None:
            current = text(
                update,
                context,
                "checkin.remind_current",
                time=clock_text(existing.minute),
                zone=zone_label(existing.zone),
            )
            body = f"{current}\n\n{body}"
        await reply(update, context, body)
        return
    minute = parse_clock(" ".join(args))
    if minute is None:
        await reply(update, context, text(update, context, "checkin.remind_bad_time"))
        return
    zone = await schedule_here(update, context, NUDGE, minute)
    body = text(
        update,
        context,
        "checkin.remind_set",
        time=clock_text(minute),
        zone=zone_label(zone or "UTC"),
    )
    if zone is None:
        body += "\n\n" + text(update, context, "daily.utc_note")
    await reply(update, context, body)


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    choice = data.args[0] if data.args else ""
    who = member_pseudonym(update, context)
    if who is None or update.effective_chat is None:
        return
    if data.action == "m" and is_mood(choice):
        await query.answer()
        await _mood_chosen(update, context, choice)
    elif data.action == "h" and is_help(choice):
        checkin = room_of(context.application).checkins.get(who)
        if checkin is None:
            await query.answer(text(update, context, "checkin.expired"))
            return
        await query.answer()
        await _help_chosen(update, context, checkin, choice)
    else:
        await query.answer(text(update, context, "checkin.expired"))


async def _mood_chosen(update: Update, context: Context, mood: str) -> None:
    svc = services(context)
    who = member_pseudonym(update, context)
    chat = update.effective_chat
    assert who is not None
    assert chat is not None
    now = svc.clock()
    room_of(context.application).checkins[who] = CheckIn(mood, now)
    for name in ("checkins", mood_counter(mood), hour_counter(now)):
        await svc.store.count(name, now)
    await clear_buttons(update.effective_message)
    markup = help_markup(svc, chat.id, language(update, context))
    markup = await with_a_meeting_soon(update, context, markup)
    chosen = text(update, context, f"checkin.mood.{mood}")
    answer = text(update, context, f"checkin.mood_answer.{mood}", mood=Html(chosen))
    body = f"{answer}\n\n{text(update, context, 'checkin.mood_noted')}"
    await reply(update, context, body, markup=markup)


async def _help_chosen(update: Update, context: Context, checkin: CheckIn, choice: str) -> None:
    svc = services(context)
    who = member_pseudonym(update, context)
    assert who is not None
    await svc.store.count(help_counter(choice), svc.clock())
    await clear_buttons(update.effective_message)
    if choice == "peer":
        await ask_for_peer(
            context.application,
            update,
            language(update, context),
            checkin,
            crisis=await just_had_a_crisis(update, context),
        )
        return
    if choice == "crisis":
        # The lines first; a peer stays one tap away, at the front of the line.
        checkin.crisis = True
        await send_answer(update, context, AnswerKind.CRISIS)
        chat = update.effective_chat
        assert chat is not None
        await reply(
            update,
            context,
            text(update, context, "checkin.closing"),
            markup=help_markup(svc, chat.id, language(update, context)),
        )
        return
    room_of(context.application).checkins.pop(who, None)
    if choice == "read":
        await send_reading_for(update, context, checkin.mood)
        await reply(update, context, text(update, context, "checkin.closing"))
    else:
        await reply(update, context, text(update, context, "checkin.just_checking"))


async def checkin_words(update: Update, context: Context) -> None:
    """A few words with a check-in, or while waiting: kept in memory for the peer only."""
    message = update.effective_message
    who = member_pseudonym(update, context)
    peers = room_of(context.application)
    checkin = peers.checkins.get(who) if who else None
    if message is None or message.text is None or who is None or checkin is None:
        return
    room_left = MAX_CHECKIN_WORDS - len(checkin.words)
    if room_left > 0:
        checkin.words = (checkin.words + "\n" + message.text[:room_left]).strip()
    # Say so when some of it will not reach the listener, rather than cut it in silence.
    cut = len(message.text) > max(room_left, 0)
    told_of_cut = (
        text(update, context, "checkin.words_cut", limit=MAX_CHECKIN_WORDS) + "\n\n" if cut else ""
    )
    verdict = services(context).verdicts.verdict_of(update.update_id)
    waiting = peers.matchmaker.position(who) > 0
    if verdict is not None and verdict.level is Level.CRISIS:
        checkin.crisis = True
        if waiting:
            peers.matchmaker.ask(who, services(context).clock(), crisis=True)
    if waiting:
        body = told_of_cut + text(update, context, "peer.words_while_waiting")
        await reply(update, context, body)
        return
    chat = update.effective_chat
    assert chat is not None
    markup = help_markup(services(context), chat.id, language(update, context))
    body = told_of_cut + text(update, context, "checkin.words_noted")
    await reply(update, context, body, markup=markup)


async def discreet_command(update: Update, context: Context) -> None:
    """/discreet on|off: everything sent to this chat starts with a neutral line."""
    if not is_private(update):
        await reply(update, context, text(update, context, "discreet.private_only"))
        return
    svc = services(context)
    chat = chat_pseudonym(update, context)
    assert chat is not None
    peers = room_of(context.application)
    choice = (context.args or [""])[0].lower()
    if choice not in ("on", "off"):
        state = text(
            update, context, "discreet.state_on" if chat in peers.discreet else "discreet.state_off"
        )
        await reply(update, context, text(update, context, "discreet.usage", state=state))
        return
    await svc.store.set_discreet(chat, choice == "on", svc.clock())
    if choice == "on":
        peers.discreet.add(chat)
    else:
        peers.discreet.discard(chat)
    await reply(update, context, text(update, context, f"discreet.{choice}"))


def register(application: App) -> None:
    application.add_handler(
        CommandHandler("checkin", changes_the_room(checkin_command), filters=NEW_MESSAGES)
    )
    application.add_handler(
        CommandHandler("discreet", changes_the_room(discreet_command), filters=NEW_MESSAGES)
    )
    open_checkin = PeerState(
        application,
        "has_open_checkin",
        lambda peers, who: who in peers.checkins and who not in peers.matchmaker.pairs,
    )
    words = NEW_MESSAGES & PRIVATE & filters.TEXT & ~filters.COMMAND & open_checkin
    application.add_handler(MessageHandler(words, changes_the_room(checkin_words)))
    application.add_handler(
        CallbackQueryHandler(changes_the_room(on_button), pattern=f"^{FEATURE}:")
    )
