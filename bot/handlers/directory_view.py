"""Listed meetings as a member reads them: each start in the reader's own time ("21:30, in
40 min"), what it is, its language, and a button with the group's invite link. /meetings
and /meeting listing show them.
"""

from __future__ import annotations

import html
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.delivery.schedule import clock_text
from bot.delivery.zones import zone_info, zone_label
from bot.handlers.common import Context, chat_zone, language, services
from bot.meetings import listing
from bot.meetings.directory import Entry, Found
from bot.meetings.scheduled import days_text, title_of, what_text, when_text
from bot.platform.store import Listing, MeetingSchedule
from bot.services import Services

_BUTTON_TITLE = 40


def language_name(svc: Services, lang: str, code: str) -> str:
    """'English', 'Spanish' (in the reader's language), or the code for any other."""
    try:
        return svc.catalog.text(f"meetings.languages.{code}", lang)
    except KeyError:
        return code.upper()


def details(svc: Services, lang: str, listing: Listing, schedule: MeetingSchedule | None) -> str:
    """'English · newcomers welcome': what the group's admins published."""
    parts = [language_name(svc, lang, listing.language)]
    if listing.newcomers or (schedule is not None and schedule.format_id == "beginners"):
        parts.append(svc.catalog.text("meetings.newcomers", lang))
    if listing.approval:
        parts.append(svc.catalog.text("meetings.approval", lang))
    return " · ".join(parts)


def _duration(svc: Services, lang: str, minutes: int) -> str:
    if minutes < 60:
        return svc.catalog.text("meetings.minutes", lang, minutes=minutes)
    return svc.catalog.text("meetings.hours", lang, hours=minutes // 60, minutes=minutes % 60)


def relative(svc: Services, lang: str, start: datetime, now: datetime) -> str:
    """'in 40 min', 'began 5 min ago', 'now'."""
    minutes = round((start - now).total_seconds() / 60)
    if minutes == 0:
        return svc.catalog.text("meetings.now", lang)
    if minutes > 0:
        return svc.catalog.text("meetings.in", lang, duration=_duration(svc, lang, minutes))
    return svc.catalog.text("meetings.ago", lang, duration=_duration(svc, lang, -minutes))


def entry_text(svc: Services, lang: str, entry: Entry, now: datetime, zone: str) -> str:
    local = entry.start.astimezone(zone_info(zone))
    return svc.catalog.text(
        "meetings.line",
        lang,
        time=local.strftime("%H:%M"),
        relative=relative(svc, lang, entry.start, now),
        what=what_text(svc, lang, entry.schedule),
        details=details(svc, lang, entry.listing, entry.schedule),
    )


def join_button(svc: Services, lang: str, entry: Entry) -> InlineKeyboardButton:
    title = title_of(svc, entry.schedule, lang)[:_BUTTON_TITLE]
    key = "meetings.ask_to_join" if entry.listing.approval else "meetings.join"
    label = html.unescape(svc.catalog.text(key, lang, title=title))
    return InlineKeyboardButton(label, url=entry.listing.invite_link)


def render(
    svc: Services, lang: str, found: Found, now: datetime, zone: str, *, day_heading: str | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The sections of what was found, and one join button per meeting shown."""
    parts = [svc.catalog.text("meetings.header", lang, zone=zone_label(zone))]
    shown: list[Entry] = []
    sections = (
        ("meetings.starting_now", found.starting_now),
        (day_heading or "meetings.soon", found.soon),
        ("meetings.next_ones", found.later),
    )
    for heading, entries in sections:
        if entries:
            lines = [entry_text(svc, lang, e, now, zone) for e in entries]
            parts.append(svc.catalog.text(heading, lang) + "\n" + "\n\n".join(lines))
            shown += entries
    if not found.starting_now and not found.soon and found.later:
        parts.insert(1, svc.catalog.text("meetings.nothing_soon", lang))
    buttons = [[join_button(svc, lang, e)] for e in shown]
    return "\n\n".join(parts), InlineKeyboardMarkup(buttons) if buttons else None


def offer_row(
    svc: Services, lang: str, entry: Entry, now: datetime, zone: str | None
) -> list[InlineKeyboardButton]:
    """One button to a meeting starting soon: 'A meeting at 21:30 (in 40 min): Title'."""
    local = entry.start.astimezone(zone_info(zone or "UTC"))
    label = svc.catalog.text(
        "meetings.offer",
        lang,
        time=local.strftime("%H:%M"),
        relative=relative(svc, lang, entry.start, now),
        title=title_of(svc, entry.schedule, lang)[:_BUTTON_TITLE],
    )
    return [InlineKeyboardButton(html.unescape(label), url=entry.listing.invite_link)]


def card_text(svc: Services, lang: str, entry: Entry) -> str:
    """A meeting as shared into any chat, whose readers' zones are unknown: its times in
    the group's own zone, named."""
    schedule = entry.schedule
    return svc.catalog.text(
        "meetings.card",
        lang,
        what=what_text(svc, lang, schedule),
        days=days_text(svc.catalog, lang, schedule.days),
        time=clock_text(schedule.minute),
        zone=zone_label(schedule.zone),
        details=details(svc, lang, entry.listing, schedule),
        when=when_text(svc.catalog, lang, entry.start, schedule.zone),
    )


async def with_a_meeting_soon(
    update: Update, context: Context, markup: InlineKeyboardMarkup
) -> InlineKeyboardMarkup:
    """markup, and one more button when a listed meeting in the member's language starts
    soon: people to be with, beside a check-in or a hard moment."""
    svc = services(context)
    now, lang = svc.clock(), language(update, context)
    soon = await listing.meeting_soon(svc, now, lang)
    if soon is None:
        return markup
    row = offer_row(svc, lang, soon, now, await chat_zone(update, context))
    return InlineKeyboardMarkup([*markup.inline_keyboard, row])
