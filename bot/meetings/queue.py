"""A running meeting's share queue and timer (pure, in memory).

The queue, the speaker and who has been reminded about the etiquette live here only (and
sealed in Redis with REDIS_URL, bot.meetings.shared_meetings): none of it is stored, and
/meeting end drops it all. What a restart needs (the format,
the timer, when it started) is the store's MeetingRecord.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEFAULT_TIMER = timedelta(minutes=3)
MAX_TIMER_MINUTES = 30


@dataclass(frozen=True)
class Hand:
    """A raised hand: a member's Telegram id (memory only) and first name, as Telegram
    shows it to everyone in the group anyway."""

    user_id: int
    first_name: str


@dataclass(frozen=True)
class Runner:
    """Who runs a meeting now, to tell them privately when someone may need help: a
    Telegram id (memory only) and the language to write in."""

    user_id: int
    language: str


@dataclass
class Meeting:
    chat_id: int
    thread_id: int | None
    format_id: str
    timer: timedelta = DEFAULT_TIMER
    queue: list[Hand] = field(default_factory=list)
    speaker: Hand | None = None
    share_started: datetime | None = None
    timer_noticed: bool = False
    reminded: set[int] = field(default_factory=set)  # members told about the etiquette
    contact_reminded: set[int] = field(default_factory=set)
    # The chair's "parking lot" after the shares: open conversation, no etiquette, no queue.
    parking_lot: bool = False
    # Who started the meeting or last called the next share (None after a restart, or
    # when an anonymous admin runs it).
    runner: Runner | None = None

    def holds(self, user_id: int) -> bool:
        """Whether this meeting holds anything of the member: a hand, a turn, a reminder."""
        people = [hand.user_id for hand in self.queue]
        people += [person.user_id for person in (self.speaker, self.runner) if person]
        return user_id in people or user_id in self.reminded | self.contact_reminded

    def forget(self, user_id: int) -> None:
        """A member's /forget: their hand, their turn and the reminders they had go."""
        self.queue = [hand for hand in self.queue if hand.user_id != user_id]
        if self.speaker is not None and self.speaker.user_id == user_id:
            self.speaker, self.share_started, self.timer_noticed = None, None, False
        self.reminded.discard(user_id)
        self.contact_reminded.discard(user_id)
        if self.runner is not None and self.runner.user_id == user_id:
            self.runner = None

    def raise_hand(self, hand: Hand) -> int:
        """Join the queue once; returns the place in it (0: they are sharing now)."""
        if self.speaker is not None and self.speaker.user_id == hand.user_id:
            return 0
        for place, waiting in enumerate(self.queue, start=1):
            if waiting.user_id == hand.user_id:
                return place
        self.queue.append(hand)
        return len(self.queue)

    def lower_hand(self, user_id: int) -> bool:
        before = len(self.queue)
        self.queue = [h for h in self.queue if h.user_id != user_id]
        return len(self.queue) < before

    def call_next(self, now: datetime) -> Hand | None:
        """The chair's /next: the first raised hand shares now."""
        self.speaker = self.queue.pop(0) if self.queue else None
        self.share_started = now if self.speaker else None
        self.timer_noticed = False
        return self.speaker

    def finish_share(self, user_id: int) -> bool:
        if self.speaker is None or self.speaker.user_id != user_id:
            return False
        self.speaker, self.share_started, self.timer_noticed = None, None, False
        return True

    def is_sharing(self, user_id: int) -> bool:
        return self.speaker is not None and self.speaker.user_id == user_id

    def over_time(self, now: datetime) -> bool:
        """Whether the share's time has run out and nobody was told yet."""
        if self.share_started is None or self.timer_noticed:
            return False
        return now - self.share_started >= self.timer

    def time_is_up(self, now: datetime) -> bool:
        """True once per share, when its time has run out: one gentle notice, no cut-off."""
        if not self.over_time(now):
            return False
        self.timer_noticed = True
        return True
