"""The meeting directory's choices (pure): what is starting now, soon and next, in whose
language first, across zones and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.meetings.directory import MAX_SHOWN, find_on_day, find_soon
from bot.meetings.timetable import EVERY_DAY, Stage
from bot.platform.privacy import Pseudonym, SealedId
from bot.platform.store import Listing, MeetingSchedule

NOW = datetime(2027, 1, 4, 20, 50, tzinfo=UTC)  # a Monday; London is on GMT


def listed(
    name: str, minute: int, zone: str, *, language: str = "en", days: int = EVERY_DAY
) -> tuple[MeetingSchedule, Listing]:
    group = Pseudonym(name)
    schedule = MeetingSchedule(
        group=group,
        thread_id=None,
        slot=name,
        sealed_chat=SealedId(""),
        days=days,
        minute=minute,
        zone=zone,
        format_id="open-discussion",
        title=name,
        language=language,
        start_at=NOW,
        stage=int(Stage.WAITING),
        next_at=NOW,
    )
    listing = Listing(group, SealedId(""), f"https://t.me/+{name}", language, False, False, NOW)
    return schedule, listing


def titles(entries: list) -> list[str]:  # type: ignore[type-arg]
    return [entry.schedule.title for entry in entries]


def test_starting_now_soon_and_language_first() -> None:
    meetings = [
        listed("london-started", 20 * 60 + 40, "Europe/London"),  # began 10 min ago
        listed("london-now", 20 * 60 + 55, "Europe/London"),  # in 5 min: starting now
        listed("madrid-soon", 23 * 60, "Europe/Madrid", language="es"),  # 22:00 UTC
        listed("newyork-soon", 18 * 60, "America/New_York"),  # 23:00 UTC
        listed("tokyo-morning", 8 * 60, "Asia/Tokyo"),  # 23:00 UTC
        listed("london-too-late", 20 * 60 + 30, "Europe/London"),  # began 20 min ago
        listed("sydney-far", 18 * 60, "Australia/Sydney"),  # 07:00 UTC, too far
    ]
    found = find_soon(meetings, NOW, preferred="es", language=None)
    assert titles(found.starting_now) == ["london-started", "london-now"]
    assert titles(found.soon) == ["madrid-soon", "newyork-soon", "tokyo-morning"]
    assert found.later == []
    only_spanish = find_soon(meetings, NOW, preferred="en", language="es")
    assert titles(only_spanish.soon) == ["madrid-soon"]
    assert only_spanish.starting_now == []


def test_with_nothing_soon_the_next_ones() -> None:
    meetings = [
        listed("tomorrow-morning", 9 * 60, "Europe/London"),
        listed("sunday-only", 10 * 60, "Europe/London", days=0b1000000),
        listed("later-today", 6 * 60, "Asia/Tokyo"),  # 21:00 UTC, tomorrow in Tokyo
    ]
    found = find_soon(
        meetings, datetime(2027, 1, 4, 21, 30, tzinfo=UTC), preferred="en", language=None
    )
    assert found.starting_now == []
    assert found.soon == []
    # Tokyo's 06:00 began half an hour ago: its next is tomorrow, after London's 09:00.
    assert titles(found.later) == ["tomorrow-morning", "later-today", "tomorrow-morning"]


def test_a_day_in_the_askers_zone_across_daylight_saving() -> None:
    # 28 March 2027: London's clocks go forward. A Tokyo member asks for that day there.
    meetings = [listed("london-nine", 9 * 60, "Europe/London")]
    tokyo_day = (datetime(2027, 3, 27, 15, tzinfo=UTC), datetime(2027, 3, 28, 15, tzinfo=UTC))
    found = find_on_day(meetings, *tokyo_day, preferred="en", language=None)
    assert [e.start for e in found.soon] == [datetime(2027, 3, 28, 8, tzinfo=UTC)]  # 09:00 BST


def test_no_more_than_fit_on_a_phone() -> None:
    meetings = [listed(f"m{n}", 21 * 60 + n, "Europe/London") for n in range(20)]
    found = find_soon(meetings, NOW, preferred="en", language=None)
    assert len(found.starting_now) + len(found.soon) == MAX_SHOWN
    assert titles(found.soon)[0] == "m0"
    assert found.soon[0].start == NOW + timedelta(minutes=10)
