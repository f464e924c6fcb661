"""Meetings on a schedule: what a group's admins ask for, kept per topic, and the tick that
posts each start's notice, opens the meeting and closes it (bot.meetings.timetable says
when).

The store is the source of truth; the JobQueue only ticks. Each tick claims the schedules
that are due, so with instances side by side each notice, open and close happens once.
The bot opens a meeting as an admin would (the format's opening, the share timer), and
anyone allowed can still run it, or end it early; it closes only a meeting it opened or
one started in the quarter hour before, never an unrelated one left running.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.delivery.schedule import clock_text, parse_clock
from bot.delivery.zones import zone_info
from bot.meetings import listing, live
from bot.meetings.formats import DEFAULT_FORMAT, MeetingFormat
from bot.meetings.timetable import (
    EVERY_DAY,
    NOTICE_BEFORE,
    WEEKDAYS,
    WEEKEND,
    Action,
    Stage,
    Step,
    parse_days,
    replanned,
    step,
    weekdays_of,
)
from bot.platform.catalog import DEFAULT_LANGUAGE, Catalog, Html
from bot.platform.privacy import Pseudonym, SealError
from bot.platform.store import MeetingSchedule, new_slot
from bot.plumbing.priority import BROADCAST
from bot.plumbing.types import App, Context, Place
from bot.services import Services, services_of

logger = logging.getLogger(__name__)

SCHEDULE_TICK = timedelta(seconds=30)
# How long a tick holds the schedules it claimed: far longer than posting three messages.
SCHEDULE_LEASE = timedelta(minutes=5)
BATCH = 200
MAX_PER_TOPIC = 10
MAX_TITLE = 60


# --- what an admin asks for (pure) --------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    days: int
    minute: int
    format_id: str
    title: str


def read_request(args: list[str], formats: dict[str, MeetingFormat]) -> Wanted | str:
    """`<days> <time> [format] [title words]` -> what is wanted, or the catalogue key of
    what is wrong with it."""
    if len(args) < 2:
        return "meeting.schedule_usage"
    days = parse_days(args[0])
    if days is None:
        return "meeting.schedule_bad_days"
    minute = parse_clock(args[1])
    if minute is None:
        return "meeting.schedule_bad_time"
    rest = args[2:]
    format_id = DEFAULT_FORMAT
    if rest and rest[0].lower() in formats:
        format_id, rest = rest[0].lower(), rest[1:]
    title = " ".join(rest).strip()[:MAX_TITLE]
    return Wanted(days, minute, format_id, title)


def length_of(svc: Services, schedule: MeetingSchedule) -> timedelta:
    chosen = svc.meeting_formats.get(schedule.format_id) or svc.meeting_formats[DEFAULT_FORMAT]
    return timedelta(minutes=chosen.length_minutes)


# --- as people read it --------------------------------------------------------------------


def days_text(catalog: Catalog, language: str, days: int) -> str:
    """'Every day', 'Weekdays', 'Weekends', or 'Mon, Wed, Fri'."""
    named = {EVERY_DAY: "daily", WEEKDAYS: "weekdays", WEEKEND: "weekends"}
    if days in named:
        return catalog.text(f"meeting.days_{named[days]}", language)
    short = catalog.text("meeting.weekdays_short", language).split()
    return ", ".join(short[day] for day in weekdays_of(days))


def format_name(svc: Services, language: str, format_id: str) -> str:
    """A format's name in the reader's language: the format's own in English (an operator
    may have renamed it), the catalogue's for a shipped format in another language."""
    chosen = svc.meeting_formats.get(format_id)
    own = chosen.name if chosen else format_id
    if language == DEFAULT_LANGUAGE:
        return own
    try:
        return svc.catalog.text(f"meeting.format_names.{format_id}", language)
    except KeyError:  # a format the operator added
        return own


def title_of(svc: Services, schedule: MeetingSchedule, language: str) -> str:
    """The admins' title, or the format's name when they gave none."""
    return schedule.title or format_name(svc, language, schedule.format_id)


def when_text(catalog: Catalog, language: str, moment: datetime, zone: str) -> str:
    """'Monday 7 December at 21:00', in the zone given."""
    local = moment.astimezone(zone_info(zone))
    weekday = catalog.text("meeting.weekday_names", language).split()[local.weekday()]
    month = catalog.text("reflections.months", language).split()[local.month - 1]
    return catalog.text(
        "meeting.on_day",
        language,
        weekday=weekday,
        day=str(local.day),
        month=month,
        time=local.strftime("%H:%M"),
    )


def what_text(svc: Services, language: str, schedule: MeetingSchedule) -> Html:
    """'<b>Thursday speakers</b> (Speaker meeting)', or the format's name alone."""
    name = format_name(svc, language, schedule.format_id)
    if not schedule.title:
        return Html(svc.catalog.text("meeting.what_untitled", language, format=name))
    return Html(svc.catalog.text("meeting.what", language, title=schedule.title, format=name))


def schedule_line(svc: Services, language: str, number: int, schedule: MeetingSchedule) -> str:
    return svc.catalog.text(
        "meeting.schedule_line",
        language,
        number=number,
        days=days_text(svc.catalog, language, schedule.days),
        time=clock_text(schedule.minute),
        what=what_text(svc, language, schedule),
    )


# --- kept per topic -----------------------------------------------------------------------


async def schedules_here(
    svc: Services, group: Pseudonym, thread_id: int | None
) -> list[MeetingSchedule]:
    """The topic's schedules (or, outside forums, the group's), in the order listed."""
    return [s for s in await svc.store.schedules_of(group) if s.thread_id == thread_id]


async def add_schedule(
    svc: Services, place: Place, wanted: Wanted, zone: str, language: str
) -> MeetingSchedule:
    now = svc.clock()
    chat_id, thread_id = place
    first = replanned(wanted.days, wanted.minute, zone_info(zone), now=now)
    schedule = MeetingSchedule(
        group=svc.keyring.pseudonym(chat_id),
        thread_id=thread_id,
        slot=new_slot(),
        sealed_chat=svc.keyring.seal(chat_id),
        days=wanted.days,
        minute=wanted.minute,
        zone=zone,
        format_id=wanted.format_id,
        title=wanted.title,
        language=language,
        start_at=first.start,
        stage=first.stage,
        next_at=first.next_at,
    )
    await svc.store.add_schedule(schedule, now)
    return schedule


async def follow_group_zone(
    svc: Services, group: Pseudonym, zone: str, now: datetime
) -> list[MeetingSchedule]:
    """The group's meetings keep their local time in its new zone (one running now is
    left to finish as planned); what moved, for the admin to be told."""
    moved = []
    for schedule in await svc.store.schedules_of(group):
        if schedule.zone == zone:
            continue
        following = replace(schedule, zone=zone)
        if schedule.stage != Stage.OPEN:
            fresh = replanned(schedule.days, schedule.minute, zone_info(zone), now=now)
            following = _stepped(following, fresh)
        await svc.store.add_schedule(following, now)
        moved.append(following)
    return moved


def _stepped(schedule: MeetingSchedule, decided: Step) -> MeetingSchedule:
    return replace(
        schedule, start_at=decided.start, stage=int(decided.stage), next_at=decided.next_at
    )


# --- the tick -----------------------------------------------------------------------------


async def run_due(app: App) -> int:
    """One look at every schedule that is due, and at the directory links due a check;
    how many schedules were looked at."""
    svc = services_of(app.bot_data)
    looked = 0
    while True:
        now = svc.clock()
        due = await svc.store.claim_due_schedules(now, BATCH, SCHEDULE_LEASE)
        for schedule in due:
            await _look_at(app, schedule, now)
        looked += len(due)
        if len(due) < BATCH:
            break
    await listing.check_links(app, svc.clock())
    return looked


async def schedule_tick(context: Context) -> None:
    await run_due(context.application)


async def _look_at(app: App, schedule: MeetingSchedule, now: datetime) -> None:
    svc = services_of(app.bot_data)
    decided = step(
        schedule.days,
        schedule.minute,
        zone_info(schedule.zone),
        length_of(svc, schedule),
        start=schedule.start_at,
        stage=Stage(schedule.stage),
        now=now,
    )
    try:
        place = (svc.keyring.unseal(schedule.sealed_chat), schedule.thread_id)
    except SealError:  # sealed under another secret: it can never be posted anywhere
        await svc.store.remove_schedule(schedule.group, schedule.thread_id, schedule.slot)
        return
    try:
        if decided.action is Action.NOTICE:
            await _post_notice(app, place, schedule, now)
        elif decided.action is Action.OPEN:
            await _open(app, place, schedule)
        elif decided.action is Action.CLOSE:
            await _close(app, place, schedule)
    except TelegramError as error:
        # The group refused (a closed topic, rights taken away, the bot removed): this
        # start is passed over, and the next is tried as usual.
        action = decided.action.value if decided.action else "look"
        logger.info("a scheduled meeting's %s was refused: %s", action, type(error).__name__)
    await svc.store.schedule_stepped(_stepped(schedule, decided), now)


async def _post_notice(app: App, place: Place, schedule: MeetingSchedule, now: datetime) -> None:
    svc = services_of(app.bot_data)
    lang = schedule.language
    minutes = max(1, round((schedule.start_at - now).total_seconds() / 60))
    body = svc.catalog.text(
        "meeting.starts_soon",
        lang,
        title=title_of(svc, schedule, lang),
        minutes=minutes,
        time=clock_text(schedule.minute),
    )
    sent = await app.bot.send_message(
        place[0],
        body,
        parse_mode=ParseMode.HTML,
        message_thread_id=place[1],
        rate_limit_args=BROADCAST,
    )
    # Gone once the meeting opens: its opening says the rest.
    await live.schedule_deletion(app, sent, schedule.start_at - now + timedelta(minutes=1))


async def _open(app: App, place: Place, schedule: MeetingSchedule) -> None:
    """Opened as an admin would open it, unless a meeting is already running there."""
    svc = services_of(app.bot_data)
    lang = schedule.language
    chosen = svc.meeting_formats.get(schedule.format_id) or svc.meeting_formats[DEFAULT_FORMAT]
    async with live.holding(app, place) as running:
        if running is not None:
            return  # someone started it early: it is this start's meeting
        started = svc.catalog.text(
            "meeting.started",
            lang,
            name=format_name(svc, lang, chosen.id),
            minutes=chosen.share_minutes,
        )
        title = svc.catalog.text(
            "meeting.scheduled_title", lang, title=title_of(svc, schedule, lang)
        )
        body = f"{title}\n\n{html.escape(chosen.opening)}\n\n{started}"
        await app.bot.send_message(
            place[0], body, parse_mode=ParseMode.HTML, message_thread_id=place[1]
        )
        await live.begin(app, place, chosen, runner=None)


async def _close(app: App, place: Place, schedule: MeetingSchedule) -> None:
    """Closed at the end of its length, if it is still running and it is this start's."""
    svc = services_of(app.bot_data)
    lang = schedule.language
    async with live.holding(app, place) as running:
        if running is None:
            return
        record = await live.started_at(app, place)
        if record is None or record.started_at < schedule.start_at - NOTICE_BEFORE:
            return  # a meeting started before this one's notice: not the bot's to close
        await live.end(app, place)
        chosen = svc.meeting_formats.get(running.format_id)
        closing = html.escape(chosen.closing) + "\n\n" if chosen else ""
        body = closing + svc.catalog.text("meeting.ended", lang)
        await app.bot.send_message(
            place[0], body, parse_mode=ParseMode.HTML, message_thread_id=place[1]
        )
