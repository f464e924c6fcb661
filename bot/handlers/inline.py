"""Inline mode, for sponsors: '@bot words' in any chat offers today's reflection first, then
reflections and readings that match, ready to send into that chat. Words that are crisis
language put the people to talk to now before everything else; '@bot meetings' offers
cards of listed meetings starting soon, each with its group's way in."""

from __future__ import annotations

import html

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import InlineQueryHandler

from bot.delivery.dates import parse_day
from bot.delivery.zones import local_today
from bot.handlers.common import HTML, App, Context, language, services
from bot.handlers.directory_view import card_text, details, join_button, relative
from bot.handlers.reflection_view import date_text, day_key
from bot.meetings.directory import find_soon
from bot.meetings.scheduled import title_of
from bot.platform.textfold import fold
from bot.readings.library_view import render_copy
from bot.readings.reflections import Reflection, render_reflection
from bot.readings.search import Searchable, SearchIndex
from bot.safety import Level
from bot.safety.resources import AnswerKind, render, resolve_region
from bot.services import Services

MAX_RESULTS = 20  # Telegram allows 50; twenty is plenty to choose from on a phone
# Brief, and personal: "today" depends on the member's own time zone.
CACHE_SECONDS = 60
_INDEX = "porchlight.inline_index"
_MEETING_WORDS = {"meeting", "meetings", "reunion", "reuniones"}


def _reflection_index(svc: Services, context: Context, lang: str) -> SearchIndex:
    """One index per language, so a sponsor finds the reflections in the words they read."""
    name = f"{_INDEX}.{lang}"
    found = context.application.bot_data.get(name)
    if not isinstance(found, SearchIndex):
        items = [
            Searchable(f"r:{r.key}", r.title, r.question, " ".join(r.topics), r.body)
            for r in svc.reflections.every_day(lang)
        ]
        items += [
            Searchable(f"l:{r.id}", r.title, r.summary, " ".join(r.topics), r.body)
            for r in svc.library.readings.values()
        ]
        found = context.application.bot_data[name] = SearchIndex(items)
    return found


def _help_result(svc: Services, lang: str, bot_username: str) -> InlineQueryResultArticle:
    """The lines in the sender's language; the message it sends carries the websites and a
    way to the bot's private chat, where any country can be picked (an inline message
    belongs to a chat the bot may not be in, so it is never edited for one reader)."""
    region = resolve_region(None, svc.settings.region)
    rendered = render(svc.catalog, lang, AnswerKind.RESOURCES, region)
    buttons = [[InlineKeyboardButton(label, url=url)] for label, url in rendered.links]
    private = f"https://t.me/{bot_username}?start=resources"
    buttons.append(
        [InlineKeyboardButton(svc.catalog.text("inline.pick_country", lang), url=private)]
    )
    return InlineQueryResultArticle(
        id="help",
        title=svc.catalog.text("inline.help_title", lang),
        description=svc.catalog.text("inline.help_description", lang),
        input_message_content=InputTextMessageContent(rendered.text, parse_mode=HTML),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


def _reflection_result(
    svc: Services, reflection: Reflection, label: str
) -> InlineQueryResultArticle:
    when = date_text(svc, reflection.language, reflection.month, reflection.day)
    return InlineQueryResultArticle(
        id=f"r:{reflection.key}",
        title=reflection.title,
        description=f"{label}: {reflection.question}"[:200],
        input_message_content=InputTextMessageContent(
            render_reflection(svc.catalog, reflection, when), parse_mode=HTML
        ),
    )


async def _meeting_results(svc: Services, lang: str) -> list[InlineQueryResultArticle]:
    now = svc.clock()
    listed = await svc.listed_meetings.read(svc.store)
    found = find_soon(listed, now, preferred=lang, language=None)
    results = []
    for entry in [*found.starting_now, *found.soon, *found.later]:
        description = svc.catalog.text(
            "meetings.card_description",
            lang,
            relative=relative(svc, lang, entry.start, now),
            details=details(svc, lang, entry.listing, entry.schedule),
        )
        results.append(
            InlineQueryResultArticle(
                id=f"m:{entry.schedule.slot}:{int(entry.start.timestamp())}",
                title=title_of(svc, entry.schedule, lang),
                description=html.unescape(description),
                input_message_content=InputTextMessageContent(
                    card_text(svc, lang, entry), parse_mode=HTML
                ),
                reply_markup=InlineKeyboardMarkup([[join_button(svc, lang, entry)]]),
            )
        )
    return results


async def answer_inline(update: Update, context: Context) -> None:
    query = update.inline_query
    if query is None:
        return
    svc = services(context)
    lang = language(update, context)
    zone = await svc.store.get_zone(svc.keyring.pseudonym(query.from_user.id), svc.clock())
    today = local_today(zone, svc.clock())
    results: list[InlineQueryResultArticle] = []
    seen: set[str] = set()
    typed = query.query.strip()
    if typed and (await svc.assessor.assess(typed)).level is Level.CRISIS:
        results.append(_help_result(svc, lang, context.bot.username))
    if fold(typed) in _MEETING_WORDS:
        results += await _meeting_results(svc, lang)
    asked_day = parse_day(typed, today) if typed else None
    first = svc.reflections.get(day_key(*(asked_day or (today.month, today.day))), lang)
    if first is not None:
        label_key = "inline.today" if asked_day is None else "inline.reflection"
        label = svc.catalog.text(label_key, lang, date=date_text(svc, lang, first.month, first.day))
        results.append(_reflection_result(svc, first, label))
        seen.add(f"r:{first.key}")
    if typed and asked_day is None:
        for found in _reflection_index(svc, context, lang).search(typed, limit=MAX_RESULTS):
            if found in seen:
                continue
            kind, key = found.split(":", 1)
            if kind == "r":
                reflection = svc.reflections.day(key, lang)
                label = svc.catalog.text(
                    "inline.reflection",
                    lang,
                    date=date_text(svc, lang, reflection.month, reflection.day),
                )
                results.append(_reflection_result(svc, reflection, label))
            else:
                reading = svc.library.readings[key]
                kind_label = svc.catalog.text("inline.reading", lang)
                results.append(
                    InlineQueryResultArticle(
                        id=found,
                        title=reading.title,
                        description=f"{kind_label}: {reading.summary}"[:200],
                        input_message_content=InputTextMessageContent(
                            render_copy(svc.catalog, lang, reading), parse_mode=HTML
                        ),
                    )
                )
            seen.add(found)
    await query.answer(results[:MAX_RESULTS], cache_time=CACHE_SECONDS, is_personal=True)


def register(application: App) -> None:
    application.add_handler(InlineQueryHandler(answer_inline))
