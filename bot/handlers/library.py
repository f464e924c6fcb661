"""/library: topics, pages, readings, search; Take, Leave, Topics and Surprise me.

In a group, the buttons carry a short owner tag (a few characters of the opener's keyed
pseudonym): the opener's presses change their message in place; anyone else pressing
gets their own answer as a new message, so nobody changes what another is reading.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.common import (
    HTML,
    NEW_MESSAGES,
    App,
    Context,
    button_data,
    is_private,
    language,
    reply,
    services,
    text,
    verified_callback,
)
from bot.readings.library import Reading
from bot.readings.library_view import (
    PAGE_SIZE,
    render_copy,
    render_page,
    render_reading,
    render_results,
    topic_of,
)
from bot.services import services_of

logger = logging.getLogger(__name__)

FEATURE = "lib"
NO_TOPIC = "x"
ANYONE = "-"
SEARCH_RESULTS = 8
TAKE_PREFIX = "take-"
_RNG = random.Random()  # noqa: S311 - "Surprise me" needs no cryptography
# Someone may come back to a reading over a week; older buttons say they have expired.
BUTTON_MAX_AGE = timedelta(days=7)


def _owner(update: Update, context: Context) -> str:
    """Who opened this message, as a short tag; in a private chat there is only one person."""
    user = update.effective_user
    if is_private(update) or user is None:
        return ANYONE
    return services(context).keyring.pseudonym(user.id)[:6]


def _button(
    update: Update, context: Context, key: str, action: str, *args: str
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text(update, context, key) if key.startswith("library.") else key,
        callback_data=button_data(update, context, FEATURE, action, *args),
    )


def _nav_row(update: Update, context: Context, owner: str) -> list[InlineKeyboardButton]:
    return [
        _button(update, context, "library.topics_button", "t", owner),
        _button(update, context, "library.surprise", "s", owner),
    ]


def _topics_markup(update: Update, context: Context, owner: str) -> InlineKeyboardMarkup:
    topics = services(context).library.topics
    buttons = [
        _button(update, context, t.title_in(language(update, context)), "p", str(i), "0", owner)
        for i, t in enumerate(topics)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(update, context, "library.surprise", "s", owner)])
    return InlineKeyboardMarkup(rows)


def _reading_list(
    update: Update, context: Context, readings: list[Reading], topic: str, owner: str
) -> list[list[InlineKeyboardButton]]:
    return [[_button(update, context, r.title, "r", r.id, topic, owner)] for r in readings]


def _reading_markup(
    update: Update, context: Context, reading: Reading, topic: str, owner: str
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(update, context, "library.take", "k", reading.id),
                _button(update, context, "library.leave", "l", reading.id, topic, owner),
            ],
            _nav_row(update, context, owner),
        ]
    )


async def _show(
    update: Update, context: Context, body: str, markup: InlineKeyboardMarkup, owner: str
) -> None:
    """Edit the pressed message when its opener pressed; otherwise answer with a new one."""
    query = update.callback_query
    if query is not None and query.message is not None and owner == _owner(update, context):
        try:
            await query.edit_message_text(body, parse_mode=HTML, reply_markup=markup)
            return
        except BadRequest:
            pass  # too old to edit, or unchanged: a new message does as well
    await reply(update, context, body, markup=markup)


async def open_library(update: Update, context: Context) -> None:
    svc = services(context)
    owner = _owner(update, context)
    query = " ".join(context.args or []).strip()
    if not query:
        await reply(
            update,
            context,
            text(update, context, "library.topics"),
            markup=_topics_markup(update, context, owner),
        )
        return
    found = svc.search.search(query, limit=SEARCH_RESULTS)
    lang = language(update, context)
    if not found:
        await reply(
            update,
            context,
            text(update, context, "library.no_results", query=query[:80]),
            markup=_topics_markup(update, context, owner),
        )
        return
    rows = _reading_list(update, context, found, NO_TOPIC, owner)
    rows.append(_nav_row(update, context, owner))
    await reply(
        update,
        context,
        render_results(svc.catalog, lang, query, found),
        markup=InlineKeyboardMarkup(rows),
    )


async def show_topics(update: Update, context: Context, owner: str) -> None:
    owner = _owner(update, context)
    await _show(
        update,
        context,
        text(update, context, "library.topics"),
        _topics_markup(update, context, owner),
        owner,
    )


async def show_page(
    update: Update, context: Context, topic_index: int, page: int, owner: str
) -> None:
    svc = services(context)
    topics = svc.library.topics
    if not 0 <= topic_index < len(topics):
        await show_topics(update, context, owner)
        return
    topic = topics[topic_index]
    readings, pages = svc.library.page(topic.id, page, PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    mine = _owner(update, context)
    rows = _reading_list(update, context, readings, str(topic_index), mine)
    paging = []
    if page > 0:
        paging.append(
            _button(update, context, "library.previous", "p", str(topic_index), str(page - 1), mine)
        )
    if page + 1 < pages:
        paging.append(
            _button(update, context, "library.next", "p", str(topic_index), str(page + 1), mine)
        )
    if paging:
        rows.append(paging)
    rows.append(_nav_row(update, context, mine))
    body = render_page(svc.catalog, language(update, context), topic, readings, page, pages)
    await _show(update, context, body, InlineKeyboardMarkup(rows), owner)


async def show_reading(
    update: Update, context: Context, reading: Reading, topic: str, owner: str
) -> None:
    svc = services(context)
    body = render_reading(svc.catalog, language(update, context), reading)
    markup = _reading_markup(update, context, reading, topic, _owner(update, context))
    await _show(update, context, body, markup, owner)


async def take(update: Update, context: Context, reading: Reading) -> None:
    """A clean copy to the presser's private chat, where it lives in their own Telegram."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None
    if user is None:
        return
    copy = render_copy(services(context).catalog, language(update, context), reading)
    try:
        await context.bot.send_message(user.id, copy, parse_mode=HTML)
    except Forbidden:
        # They never started a private chat: this link starts one and delivers the copy.
        await query.answer(
            url=f"https://t.me/{context.bot.username}?start={TAKE_PREFIX}{reading.id}"
        )
        return
    key = "library.sent_here" if is_private(update) else "library.sent_private"
    await query.answer(text(update, context, key))


async def leave(update: Update, context: Context, reading: Reading, topic: str, owner: str) -> None:
    """The next reading in the topic, no questions asked; the end of the topic says so."""
    svc = services(context)
    index = int(topic) if topic.isdigit() else None
    current = topic_of(svc.library, reading, index)
    following = svc.library.next_in_topic(current.id, reading.id)
    topic_index = str(svc.library.topic_index(current.id))
    if following is not None:
        await show_reading(update, context, following, topic_index, owner)
        return
    mine = _owner(update, context)
    topic_title = current.title_in(language(update, context))
    body = text(update, context, "library.end_of_topic", topic=topic_title)
    await _show(
        update, context, body, InlineKeyboardMarkup([_nav_row(update, context, mine)]), owner
    )


class _TakeLink(filters.MessageFilter):
    """/start take-<id> for a reading this library has; any other /start is welcome.py's."""

    def __init__(self, app: App) -> None:
        super().__init__(name="take_link")
        self._app = app

    def filter(self, message: Message) -> bool:
        words = (message.text or "").split()
        payload = words[1] if len(words) > 1 else ""
        reading_id = payload.removeprefix(TAKE_PREFIX)
        readings = services_of(self._app.bot_data).library.readings
        return payload.startswith(TAKE_PREFIX) and reading_id in readings


async def deliver_taken(update: Update, context: Context) -> None:
    """/start take-<id>, from the link a member without a private chat was given."""
    svc = services(context)
    reading = svc.library.readings[(context.args or [""])[0].removeprefix(TAKE_PREFIX)]
    await reply(update, context, render_copy(svc.catalog, language(update, context), reading))


async def on_button(update: Update, context: Context) -> None:
    verified = await verified_callback(update, context, max_age=BUTTON_MAX_AGE)
    if verified is None:
        return
    query, data = verified
    library = services(context).library
    action, args = data.action, data.args
    if action == "k" and args and args[0] in library.readings:
        await take(update, context, library.readings[args[0]])
        return
    await query.answer()
    if action == "t" and args:
        await show_topics(update, context, args[0])
    elif action == "p" and len(args) == 3 and args[0].isdigit() and args[1].isdigit():
        await show_page(update, context, int(args[0]), int(args[1]), args[2])
    elif action == "r" and len(args) == 3 and args[0] in library.readings:
        await show_reading(update, context, library.readings[args[0]], args[1], args[2])
    elif action == "l" and len(args) == 3 and args[0] in library.readings:
        await leave(update, context, library.readings[args[0]], args[1], args[2])
    elif action == "s" and args:
        reading = library.surprise(_RNG)
        topic = str(library.topic_index(reading.topics[0]))
        await show_reading(update, context, reading, topic, args[0])
    else:
        # Signed by us but no longer meaningful (a reading an operator removed, say).
        await show_topics(update, context, ANYONE)


def register(application: App) -> None:
    take_link = NEW_MESSAGES & _TakeLink(application)
    application.add_handler(CommandHandler("start", deliver_taken, filters=take_link))
    application.add_handler(CommandHandler("library", open_library, filters=NEW_MESSAGES))
    application.add_handler(CallbackQueryHandler(on_button, pattern=f"^{FEATURE}:"))
