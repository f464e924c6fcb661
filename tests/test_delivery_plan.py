"""What a delivery owes when the clock jumps or Telegram refuses, across zones and
daylight saving (pure: bot.delivery.schedule.plan, retry_at and bot.delivery.refusals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.refusals import GIVE_UP_AFTER, Refusal, classify, gives_up, tells_admins
from bot.delivery.schedule import CATCH_UP, local_day, local_instant, next_due, plan, retry_at

TICK = timedelta(minutes=10)
DAY = timedelta(days=1)

# Each zone with a day two days before one of its 2027 daylight-saving changes (Kolkata
# has none; Chatham moves by 45 minutes' offset; St John's sits at a half hour).
ZONES_AND_DAYS = [
    ("Europe/Berlin", date(2027, 3, 26)),
    ("Europe/Berlin", date(2027, 10, 29)),
    ("America/New_York", date(2027, 3, 12)),
    ("America/New_York", date(2027, 11, 5)),
    ("Australia/Sydney", date(2027, 4, 2)),
    ("Australia/Sydney", date(2027, 10, 1)),
    ("Pacific/Chatham", date(2027, 4, 2)),
    ("America/St_Johns", date(2027, 3, 12)),
    ("Asia/Kolkata", date(2027, 1, 10)),
]
# 02:30 falls in the gap or the overlap in several zones; 23:45 and 00:10 test the day's
# edges; 07:30 is an ordinary morning.
MINUTES = [150, 450, 23 * 60 + 45, 10]


@dataclass
class Row:
    """A subscription as the store holds it, looked at the way the tick looks at it."""

    minute: int
    zone: ZoneInfo
    due_at: datetime
    planned_at: datetime
    delivered: date | None = None
    sent: list[tuple[date, datetime]] = field(default_factory=list)

    def tick(self, now: datetime) -> None:
        if self.due_at > now and self.planned_at <= now:
            return  # the store's due() would not return it
        step = plan(self.minute, self.zone, now=now, due_at=self.due_at, delivered=self.delivered)
        if step.send is not None:
            self.sent.append((step.send, now))
            self.delivered = step.send
        else:
            self.delivered = step.delivered
        self.due_at, self.planned_at = step.next_due_at, now

    def run(self, start: datetime, end: datetime) -> list[tuple[date, datetime]]:
        """Tick every ten minutes from start to end; what was sent meanwhile."""
        before = len(self.sent)
        now = start
        while now <= end:
            self.tick(now)
            now += TICK
        return self.sent[before:]


def subscribed(minute: int, zone: ZoneInfo, at: datetime) -> Row:
    return Row(minute, zone, next_due(minute, zone, after=at, delivered=None), at)


def days(sent: list[tuple[date, datetime]]) -> list[date]:
    return [day for day, _ in sent]


@pytest.mark.parametrize(("zone_name", "start"), ZONES_AND_DAYS)
@pytest.mark.parametrize("minute", MINUTES)
def test_a_running_clock_delivers_every_local_day_once_on_time(
    zone_name: str, start: date, minute: int
) -> None:
    zone = ZoneInfo(zone_name)
    begin = local_instant(start, 12 * 60, zone)
    row = subscribed(minute, zone, begin)
    first = local_day(row.due_at, zone)  # today if the minute is still to come
    sent = row.run(begin, begin + 6 * DAY)
    assert days(sent) == [first + timedelta(days=n) for n in range(6)]
    for day, at in sent:
        assert timedelta(0) <= at - local_instant(day, minute, zone) < TICK


@pytest.mark.parametrize(("zone_name", "start"), ZONES_AND_DAYS)
@pytest.mark.parametrize("minute", MINUTES)
@pytest.mark.parametrize("landing", [timedelta(hours=-1), timedelta(hours=2), timedelta(hours=8)])
def test_a_jump_forward_sends_the_missed_day_once_and_then_keeps_the_time(
    zone_name: str, start: date, minute: int, landing: timedelta
) -> None:
    zone = ZoneInfo(zone_name)
    begin = local_instant(start, 12 * 60, zone)
    row = subscribed(minute, zone, begin)
    # The clock stops just before the first delivery, and reads days later.
    assert row.run(begin, row.due_at - timedelta(minutes=5)) == []
    target = start + 4 * DAY
    jumped = local_instant(target, minute, zone) + landing
    sent = row.run(jumped, jumped + 3 * DAY)
    if landing < timedelta(0):
        expected = [target, target + DAY, target + 2 * DAY]
        assert sent[0][1] - local_instant(target, minute, zone) < TICK  # on time, not early
    elif landing <= CATCH_UP:
        expected = [target, target + DAY, target + 2 * DAY, target + 3 * DAY]
        assert sent[0][1] == jumped  # the day missed goes out at once, once
    else:
        expected = [target + DAY, target + 2 * DAY, target + 3 * DAY]
    assert days(sent) == expected
    for day, at in sent[1:]:
        assert timedelta(0) <= at - local_instant(day, minute, zone) < TICK


@pytest.mark.parametrize(("zone_name", "start"), ZONES_AND_DAYS)
@pytest.mark.parametrize("minute", MINUTES)
@pytest.mark.parametrize("back", [timedelta(hours=3), timedelta(days=2), timedelta(days=9)])
def test_a_jump_back_sends_nothing_twice_today_and_resumes_the_next_local_day(
    zone_name: str, start: date, minute: int, back: timedelta
) -> None:
    zone = ZoneInfo(zone_name)
    begin = local_instant(start, 12 * 60, zone)
    row = subscribed(minute, zone, begin)
    delivered_at = local_instant(start + 3 * DAY, minute, zone)
    assert days(row.run(begin, delivered_at + TICK))[-3:] == [start + DAY * n for n in (1, 2, 3)]
    # An hour after the third delivery the clock goes back.
    landed = delivered_at + timedelta(hours=1) - back
    today = local_day(landed, zone)
    sent = row.run(landed, landed + 3 * DAY)
    assert sent, "delivery resumes"
    assert sent[0][0] == today + DAY  # not today again, and not days ahead
    assert days(sent) == [today + DAY * n for n in range(1, len(sent) + 1)]
    for day, at in sent:
        assert timedelta(0) <= at - local_instant(day, minute, zone) < TICK


def test_a_jump_back_within_the_day_of_a_delivery_does_not_repeat_it() -> None:
    zone = ZoneInfo("Europe/Berlin")
    delivered = date(2027, 1, 10)
    due = local_instant(delivered + DAY, 450, zone)
    early = local_instant(delivered, 6 * 60, zone)  # 06:00, before 07:30, the same day
    step = plan(450, zone, now=early, due_at=due, delivered=delivered)
    assert step.send is None
    assert step.next_due_at == due


def test_the_last_delivered_day_follows_the_clock_back() -> None:
    zone = ZoneInfo("America/New_York")
    delivered = date(2027, 1, 20)
    now = local_instant(date(2027, 1, 12), 9 * 60, zone)
    step = plan(450, zone, now=now, due_at=now + 9 * DAY, delivered=delivered)
    assert step.send is None
    assert step.delivered == date(2027, 1, 12)
    assert step.next_due_at == local_instant(date(2027, 1, 13), 450, zone)


@pytest.mark.parametrize(("zone_name", "start"), ZONES_AND_DAYS)
def test_a_refused_delivery_is_tried_again_while_owed_then_the_next_day(
    zone_name: str, start: date
) -> None:
    zone = ZoneInfo(zone_name)
    minute = 450
    due = local_instant(start, minute, zone)
    pauses = []
    now = due
    for refusals in range(1, 6):
        again = retry_at(minute, zone, now=now, day=start, refusals=refusals)
        pauses.append(again - now)
        now = again
    assert pauses[:3] == [timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4)]
    # Past the catch-up window, the next try is the next day's delivery at its time.
    assert now == local_instant(start + DAY, minute, zone)
    step = plan(minute, zone, now=now, due_at=now, delivered=start - DAY)
    assert step.send == start + DAY


@pytest.mark.parametrize(
    ("description", "forbidden", "refusal"),
    [
        ("Forbidden: bot was blocked by the user", True, Refusal.GONE),
        ("Forbidden: bot was kicked from the supergroup chat", True, Refusal.GONE),
        ("Forbidden: bot is not a member of the group chat", True, Refusal.GONE),
        ("Forbidden: the group chat was deactivated", True, Refusal.GONE),
        ("Forbidden: user is deactivated", True, Refusal.GONE),
        ("Chat not found", False, Refusal.GONE),
        ("PEER_ID_INVALID", False, Refusal.GONE),
        ("Not enough rights to send text messages to the chat", False, Refusal.RIGHTS),
        ("Have no rights to send a message", False, Refusal.RIGHTS),
        ("Need administrator rights in the channel chat", False, Refusal.RIGHTS),
        ("Forbidden: CHAT_WRITE_FORBIDDEN", True, Refusal.RIGHTS),
        ("TOPIC_CLOSED", False, Refusal.TOPIC),
        ("Message thread not found", False, Refusal.TOPIC),
        ("Can't parse entities: unsupported start tag", False, Refusal.RIGHTS),
    ],
)
def test_only_a_chat_that_is_gone_loses_its_delivery(
    description: str, forbidden: bool, refusal: Refusal
) -> None:
    assert classify(description, forbidden=forbidden) is refusal


def test_refusals_are_told_once_and_given_up_after_three_days() -> None:
    first = datetime(2027, 1, 10, 6, 30, tzinfo=UTC)
    assert [n for n in range(1, 20) if tells_admins(n)] == [3]
    assert not gives_up(None, first)
    assert not gives_up(first, first + GIVE_UP_AFTER - timedelta(minutes=1))
    assert gives_up(first, first + GIVE_UP_AFTER)
