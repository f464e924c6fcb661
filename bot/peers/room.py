"""Everything about live peer chats that lives in memory only, in one place.

Who is waiting, listening or talking, the chat ids needed to reach them, a check-in's
few words, the last few relayed messages (for a report) and the bot's own message ids
(so a member can delete their copies): none of it is ever written down. The store keeps
only what a restart needs to tell people their chat ended (see Store.set_peer_session).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.peers.matching import Matchmaker, Pair
from bot.platform.privacy import Pseudonym
from bot.plumbing.pacer import Pacer

IDLE_WARNING = timedelta(minutes=15)
IDLE_END = timedelta(minutes=20)
# A member may ask for a new peer this many times an hour.
ASKS_PER_HOUR = 5
# What a report carries to the moderators.
REPORT_MESSAGES = 6
# Telegram lets a bot delete its own messages for 48 hours.
DELETE_WINDOW = timedelta(hours=47)
MAX_CHECKIN_WORDS = 1000
# A sender this many messages ahead of the pace hears, once per burst, to slow down.
FAST_TYPING_BACKLOG = 4
REPORT_REASONS = ("harassment", "crisis", "spam", "other")
# A check-in left without a choice of what would help is let go after this long.
CHECKIN_OPEN_FOR = timedelta(minutes=30)
# A report waits this long for the tap saying why; then it is let go, unsent.
REPORT_OPEN_FOR = timedelta(minutes=30)


@dataclass
class CheckIn:
    """A check-in in progress or just made: its mood and the member's own few words."""

    mood: str
    made_at: datetime
    words: str = ""
    crisis: bool = False


@dataclass
class PendingReport:
    """Between /report and the tap saying why: what the moderators will be sent."""

    reporter_alias: str
    reported_alias: str
    reported_is_listener: bool
    reported: Pseudonym
    messages: list[tuple[str, str]]
    made_at: datetime


@dataclass
class ChatLog:
    """Per pair: the last few relayed messages, and whether an idle warning went out."""

    recent: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=REPORT_MESSAGES))
    warned_idle: bool = False
    told_about_edits: set[Pseudonym] = field(default_factory=set)
    told_to_slow: set[Pseudonym] = field(default_factory=set)


@dataclass
class Deletable:
    message_ids: list[int]
    chat_id: int
    until: datetime


class PeerRoom:
    def __init__(self, pacer: Pacer | None = None) -> None:
        self.blocked_pairs: set[tuple[Pseudonym, Pseudonym]] = set()
        self.matchmaker = Matchmaker(self.is_blocked)
        self.pacer = pacer or Pacer()
        self.chat_ids: dict[Pseudonym, int] = {}
        self.checkins: dict[Pseudonym, CheckIn] = {}
        self.logs: dict[Pseudonym, ChatLog] = {}  # by the pair's member
        self.sent: dict[Pseudonym, list[int]] = {}  # the bot's messages in a live chat
        self.deletable: dict[Pseudonym, Deletable] = {}
        self.reports: dict[Pseudonym, PendingReport] = {}
        self.asks: dict[Pseudonym, deque[datetime]] = {}
        self.offer_messages: dict[Pseudonym, int] = {}  # listener -> the offer's message id
        # Who has been told how long they have waited: the last five-minute mark told.
        self.told_to_wait_on: dict[Pseudonym, int] = {}
        # A message with contact details in it, held until its sender says send or don't.
        self.held_contacts: dict[Pseudonym, str] = {}
        self.discreet: set[Pseudonym] = set()
        self.languages: dict[Pseudonym, str] = {}
        self.offer_serials: dict[Pseudonym, str] = {}  # listener -> the open offer's serial
        self.shift_requests: dict[Pseudonym, tuple[timedelta, int]] = {}
        self._serial = 0

    def new_serial(self) -> str:
        self._serial += 1
        return str(self._serial)

    def is_blocked(self, a: Pseudonym, b: Pseudonym) -> bool:
        return (a, b) in self.blocked_pairs or (b, a) in self.blocked_pairs

    def log_of(self, pair: Pair) -> ChatLog:
        return self.logs.setdefault(pair.member, ChatLog())

    def may_ask(self, member: Pseudonym, now: datetime) -> bool:
        """At most ASKS_PER_HOUR requests for a peer in any hour; records this one."""
        asked = self.asks.setdefault(member, deque())
        while asked and now - asked[0] >= timedelta(hours=1):
            asked.popleft()
        if len(asked) >= ASKS_PER_HOUR:
            return False
        asked.append(now)
        return True

    def let_go_of_old_checkins(self, now: datetime) -> int:
        """Forget check-ins left half-done (the member is not in line for a peer)."""
        stale = [
            who
            for who, checkin in self.checkins.items()
            if now - checkin.made_at >= CHECKIN_OPEN_FOR and not self.matchmaker.position(who)
        ]
        for who in stale:
            del self.checkins[who]
        return len(stale)

    def let_go_of_the_past(self, now: datetime) -> int:
        """Reports never finished, copies no longer deletable, asks over an hour old: each
        kept only as long as it can still be used. Returns how many were let go."""
        stale: list[tuple[dict[Pseudonym, Any], Pseudonym]] = [
            (self.reports, who)
            for who, report in self.reports.items()
            if now - report.made_at > REPORT_OPEN_FOR
        ]
        stale += [(self.deletable, who) for who, d in self.deletable.items() if d.until <= now]
        stale += [
            (self.asks, who)
            for who, asked in self.asks.items()
            if not asked or now - asked[-1] >= timedelta(hours=1)
        ]
        for table, who in stale:
            del table[who]
            self.release(who)
        return len(stale)

    def note_sent(self, who: Pseudonym, message_id: int) -> None:
        if who in self.matchmaker.pairs:
            self.sent.setdefault(who, []).append(message_id)

    def close_chat(self, pair: Pair, now: datetime) -> None:
        """Forget a finished chat's log, keeping only the bot's message ids for deletion."""
        self.logs.pop(pair.member, None)
        self.held_contacts.pop(pair.member, None)
        self.held_contacts.pop(pair.listener, None)
        for who in (pair.member, pair.listener):
            ids = self.sent.pop(who, [])
            chat_id = self.chat_ids.get(who)
            if ids and chat_id is not None:
                self.deletable[who] = Deletable(ids, chat_id, now + DELETE_WINDOW)

    def _tables_by_person(self) -> tuple[dict[Pseudonym, Any], ...]:
        """Every table keyed by a person that /forget empties (chat ids go on release)."""
        return (
            self.checkins,
            self.sent,
            self.deletable,
            self.reports,
            self.asks,
            self.shift_requests,
            self.languages,
            self.offer_messages,
            self.told_to_wait_on,
            self.held_contacts,
        )

    def holds(self, who: Pseudonym) -> bool:
        """Whether memory holds anything about who (for /forget to say so truthfully)."""
        tables = (self.chat_ids, *self._tables_by_person())
        return any(who in table for table in tables) or who in self.discreet

    def forget(self, who: Pseudonym) -> None:
        """Drop everything held in memory about who (after /forget, and chats ending)."""
        for table in self._tables_by_person():
            table.pop(who, None)

    def release(self, who: Pseudonym) -> None:
        """Who is no longer waiting, listening or talking: their chat id goes too."""
        mm = self.matchmaker
        if who in mm.pairs or who in mm.listeners or mm.position(who):
            return
        if any(o.member == who for o in mm.offers.values()) or who in self.reports:
            return
        self.chat_ids.pop(who, None)
        self.languages.pop(who, None)
        self.told_to_wait_on.pop(who, None)


ROOM_KEY = "porchlight.peer_room"


def room_in(bot_data: dict[Any, Any]) -> PeerRoom:
    """The application's one room, made on first use."""
    found = bot_data.get(ROOM_KEY)
    if not isinstance(found, PeerRoom):
        found = bot_data[ROOM_KEY] = PeerRoom()
    return found


def in_peer_chat(bot_data: dict[Any, Any], who: Pseudonym | None) -> bool:
    return who is not None and who in room_in(bot_data).matchmaker.pairs


def in_peer_flow(bot_data: dict[Any, Any], who: Pseudonym | None) -> bool:
    """In a check-in, in line for a peer or in a peer chat: someone is already asking
    this member what would help."""
    if who is None:
        return False
    peers = room_in(bot_data)
    mm = peers.matchmaker
    return who in mm.pairs or who in peers.checkins or mm.position(who) > 0
