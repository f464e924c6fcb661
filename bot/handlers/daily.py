"""/daily and /stop, and the tick that delivers what is due.

The store is the source of truth for every schedule; the JobQueue only ticks. In groups,
only admins change what the group receives, checked with Telegram each time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ExtBot

from bot.days.kept import milestone_message
from bot.delivery.deliver import (
    MILESTONE,
    NUDGE,
    REFLECTION,
    DeliveryReport,
    Notifier,
    Sender,
    deliver_due,
)
from bot.delivery.refusals import GIVE_UP_AFTER, Refusal
from bot.delivery.schedule import clock_text, parse_clock
from bot.delivery.zones import zone_label
from bot.handlers.checkin_view import mood_markup
from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    chat_pseudonym,
    chat_zone,
    is_group_admin,
    is_private,
    reply,
    schedule_here,
    services,
    text,
    thread_of,
    verified_callback,
)
from bot.handlers.reflection_view import date_text, day_key, scheduled_list
from bot.platform.store import Subscription
from bot.plumbing.priority import BROADCAST
from bot.plumbing.webhook import LAST_TICK_KEY
from bot.readings.reflections import render_reflection
from bot.services import Services, services_of

logger = logging.getLogger(__name__)

FEATURE = "daily"
TICK = timedelta(seconds=30)
_RUN_LOCK = "porchlight.delivery_lock"
COMMON_TIMES = (6 * 60, 7 * 60, 8 * 60, 9 * 60, 12 * 60, 18 * 60, 20 * 60, 21 * 60, 22 * 60)


def _times_markup(update: Update, context: Context) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            clock_text(m), callback_data=button_data(update, context, FEATURE, "t", str(m))
        )
        for m in COMMON_TIMES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def _may_change(update: Update, context: Context) -> bool:
    if is_private(update) or await is_group_admin(update, context):
        return True
    await reply(update, context, text(update, context, "daily.admins_only"))
    return False


async def offer_times(update: Update, context: Context) -> None:
    zone = await chat_zone(update, context)
    body = text(update, context, "daily.choose", zone=zone_label(zone or "UTC"))
    await reply(update, context, body, markup=_times_markup(update, context))


async def stop_daily(update: Update, context: Context) -> None:
    chat = chat_pseudonym(update, context)
    if chat is None:
        return
    thread = thread_of(update.effective_message)
    removed = await services(context).store.unsubscribe(chat, REFLECTION, thread)
    key = "daily.stopped" if removed else "daily.none"
    await reply(update, context, text(update, context, key))


async def subscribe(update: Update, context: Context, minute: int) -> None:
    zone = await schedule_here(update, context, REFLECTION, minute)
    body = text(
        update, context, "daily.subscribed", time=clock_text(minute), zone=zone_label(zone or "UTC")
    )
    if zone is None:
        body += "\n\n" + text(update, context, "daily.utc_note")
    await reply(update, context, body)


async def daily_command(update: Update, context: Context) -> None:
    svc = services(context)
    chat = chat_pseudonym(update, context)
    if chat is None:
        return
    thread = thread_of(update.effective_message)
    typed = " ".join(context.args or []).strip().lower()
    if typed in ("off", "stop", "no"):
        if await _may_change(update, context):
            await stop_daily(update, context)
        return
    if typed:
        minute = parse_clock(typed)
        if minute is None:
            await reply(update, context, text(update, context, "daily.bad_time"))
        elif await _may_change(update, context):
            await subscribe(update, context, minute)
        return
    existing = await svc.store.subscription(chat, REFLECTION, thread)
    if existing is not None:
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        text(update, context, "daily.change"),
                        callback_data=button_data(update, context, FEATURE, "c"),
                    ),
                    InlineKeyboardButton(
                        text(update, context, "daily.stop"),
                        callback_data=button_data(update, context, FEATURE, "off"),
                    ),
                ]
            ]
        )
        body = text(
            update,
            context,
            "daily.current",
            time=clock_text(existing.minute),
            zone=zone_label(existing.zone),
        )
        await reply(update, context, body, markup=markup)
        return
    await offer_times(update, context)


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context)
    if verified is None:
        return
    query, data = verified
    await query.answer()
    if not await _may_change(update, context):
        return
    if data.action == "t" and data.args and data.args[0].isdigit() and int(data.args[0]) < 24 * 60:
        await subscribe(update, context, int(data.args[0]))
    elif data.action == "c":
        await offer_times(update, context)
    elif data.action == "off":
        await stop_daily(update, context)


async def stop_command(update: Update, context: Context) -> None:
    """Stops what is scheduled here and says what. In a forum topic, only this topic's,
    naming what still comes in the others; `/stop all` stops every topic's."""
    svc = services(context)
    chat = chat_pseudonym(update, context)
    if chat is None:
        return
    if not is_private(update) and not await is_group_admin(update, context):
        await reply(update, context, text(update, context, "stop.admins_only"))
        return
    everywhere = [word.lower() for word in context.args or []] == ["all"]
    thread = thread_of(update.effective_message)
    scheduled = await svc.store.subscriptions_of(chat)
    stopping = [s for s in scheduled if everywhere or s.thread_id == thread]
    elsewhere = [s for s in scheduled if s not in stopping]
    for subscription in stopping:
        await svc.store.unsubscribe(chat, subscription.kind, subscription.thread_id)
    parts = [
        text(update, context, "stop.done", what=scheduled_list(update, context, stopping))
        if stopping
        else text(update, context, "stop.nothing")
    ]
    if elsewhere:
        what = scheduled_list(update, context, elsewhere)
        parts.append(text(update, context, "stop.elsewhere", what=what))
    await reply(update, context, "\n\n".join(parts))


def delivery_text(svc: Services, subscription: Subscription, day: date) -> str:
    """What a subscription receives: the reflection for the local day delivered."""
    reflection = svc.reflections.day(day_key(day.month, day.day), subscription.language)
    when = date_text(svc, reflection.language, day.month, day.day)
    return render_reflection(svc.catalog, reflection, when)


def _sender(bot: ExtBot[str], svc: Services) -> Sender:
    async def send(
        chat_id: int, thread_id: int | None, subscription: Subscription, day: date
    ) -> None:
        if subscription.kind == MILESTONE:
            words = await milestone_message(svc, subscription, day)
            if words is not None:  # on any other day, nothing: the day is done all the same
                await bot.send_message(chat_id, words, parse_mode=HTML, rate_limit_args=BROADCAST)
            return
        if subscription.kind == NUDGE:
            lang = subscription.language
            await bot.send_message(
                chat_id,
                svc.catalog.text("checkin.nudge", lang),
                parse_mode=HTML,
                reply_markup=mood_markup(svc, chat_id, lang),
                rate_limit_args=BROADCAST,
            )
            return
        share = InlineKeyboardButton(
            svc.catalog.text("reflections.share", subscription.language),
            switch_inline_query=day_key(day.month, day.day),
        )
        await bot.send_message(
            chat_id,
            delivery_text(svc, subscription, day),
            parse_mode=HTML,
            message_thread_id=thread_id,
            reply_markup=InlineKeyboardMarkup([[share]]),
            rate_limit_args=BROADCAST,
        )

    return send


def _notifier(bot: ExtBot[str], svc: Services) -> Notifier:
    async def notify(chat_id: int, subscription: Subscription, refusal: Refusal) -> None:
        # Into the group itself, outside any topic (a forum's General topic): the topic
        # that refused may be closed or gone, and the admins read the group.
        key = "daily.refused_topic" if refusal is Refusal.TOPIC else "daily.refused_rights"
        body = svc.catalog.text(
            key,
            subscription.language,
            time=clock_text(subscription.minute),
            days=GIVE_UP_AFTER.days,
        )
        await bot.send_message(chat_id, body, parse_mode=HTML, rate_limit_args=BROADCAST)

    return notify


async def deliver_now(application: App) -> DeliveryReport:
    """One delivery run. This process's runs never overlap, so a long one is not joined by
    another; runs of other instances may, as each claims what it sends."""
    svc = services_of(application.bot_data)
    lock = application.bot_data.setdefault(_RUN_LOCK, asyncio.Lock())
    async with lock:
        bot = application.bot
        return await deliver_due(svc.clock(), svc, _sender(bot, svc), _notifier(bot, svc))


async def deliver_tick(context: Context) -> None:
    # /healthz in webhook mode reads this: the tick is alive even while a run is long.
    context.application.bot_data[LAST_TICK_KEY] = time.monotonic()
    lock = context.application.bot_data.get(_RUN_LOCK)
    if isinstance(lock, asyncio.Lock) and lock.locked():
        return  # a long run is still going; it will pick up whatever else is due
    await deliver_now(context.application)


def register(application: App) -> None:
    application.add_handler(CommandHandler("daily", daily_command, filters=NEW_MESSAGES))
    application.add_handler(CommandHandler("stop", stop_command, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
    assert application.job_queue is not None
    # first=1: deliveries missed while the bot was down go out as soon as it is back.
    application.job_queue.run_repeating(deliver_tick, interval=TICK, first=1, name="deliver")
