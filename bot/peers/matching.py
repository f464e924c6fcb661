"""Matching members with peer listeners, and who is paired with whom (pure, no Telegram).

Fair order: a member in crisis goes to the front of the line, otherwise first asked is
first served. A listener takes one chat at a time, up to their cap for the shift, and is
offered chats in turn (whoever was offered one longest ago goes first). Never a pair
either side has blocked, never a member with themselves, never a listener who passed on
this request already. An offer not answered in two minutes goes to the next listener.

Everything here lives in memory: who is talking to whom is never written down beyond
what a restart needs, and that is the store's business, not this module's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.platform.privacy import Pseudonym

OFFER_TIMEOUT = timedelta(minutes=2)
WAIT_BEFORE_ALTERNATIVES = timedelta(minutes=5)
MAX_SHIFT = timedelta(hours=12)
DEFAULT_CAP = 3
ALIASES = (
    "Otter",
    "Heron",
    "Willow",
    "Fox",
    "Wren",
    "Maple",
    "Badger",
    "Finch",
    "Cedar",
    "Lark",
    "Hazel",
    "Robin",
    "Juniper",
    "Puffin",
    "Aspen",
    "Kestrel",
    "Moss",
    "Plover",
    "Rowan",
    "Sparrow",
    "Alder",
    "Lynx",
    "Tern",
    "Birch",
)

Blocked = Callable[[Pseudonym, Pseudonym], bool]


def peer_alias(name: str) -> str:
    """What one side of a chat is called by the other: "Peer Otter"."""
    return f"Peer {name}"


@dataclass
class Listener:
    who: Pseudonym
    until: datetime
    cap: int = DEFAULT_CAP
    taken: int = 0  # chats accepted this shift
    last_offered: datetime | None = None


@dataclass
class Request:
    member: Pseudonym
    asked_at: datetime
    crisis: bool = False
    # A listener stepped away mid-chat: this member keeps their place at the front.
    handed_over: bool = False
    # Listeners who passed on (or let expire) an offer for this request.
    passed_by: set[Pseudonym] = field(default_factory=set)


@dataclass(frozen=True)
class Offer:
    member: Pseudonym
    listener: Pseudonym
    offered_at: datetime
    crisis: bool

    @property
    def expires_at(self) -> datetime:
        return self.offered_at + OFFER_TIMEOUT


@dataclass
class Pair:
    member: Pseudonym
    listener: Pseudonym
    member_alias: str  # what the listener sees the member as
    listener_alias: str  # what the member sees the listener as
    started_at: datetime
    last_activity: datetime

    def other(self, who: Pseudonym) -> Pseudonym:
        return self.listener if who == self.member else self.member

    def alias_of(self, who: Pseudonym) -> str:
        return self.member_alias if who == self.member else self.listener_alias


class Matchmaker:
    def __init__(self, blocked: Blocked, rng: random.Random | None = None) -> None:
        self._blocked = blocked
        self._rng = rng or random.Random()  # noqa: S311 - aliases need no cryptography
        self.listeners: dict[Pseudonym, Listener] = {}
        self.requests: list[Request] = []
        self.offers: dict[Pseudonym, Offer] = {}  # by listener
        self.pairs: dict[Pseudonym, Pair] = {}  # by either side

    # --- listeners ----------------------------------------------------------------------

    def make_available(
        self, who: Pseudonym, now: datetime, for_how_long: timedelta, cap: int = DEFAULT_CAP
    ) -> Listener:
        """Availability always ends by itself, after twelve hours at most."""
        until = now + min(for_how_long, MAX_SHIFT)
        listener = self.listeners.get(who)
        if listener is None:
            listener = self.listeners[who] = Listener(who, until, max(1, cap))
        else:
            listener.until, listener.cap = until, max(1, cap)
        return listener

    def make_unavailable(self, who: Pseudonym) -> Offer | None:
        """Stop being offered chats; an open offer goes back to the line."""
        self.listeners.pop(who, None)
        offer = self.offers.pop(who, None)
        if offer is not None:
            self._requeue(offer.member, passed_by=who)
        return offer

    def _free(self, listener: Listener, now: datetime) -> bool:
        return (
            listener.until > now
            and listener.taken < listener.cap
            and listener.who not in self.pairs
            and listener.who not in self.offers
        )

    # --- members ------------------------------------------------------------------------

    def ask(self, member: Pseudonym, now: datetime, *, crisis: bool = False) -> int:
        """Join the line (once); returns the place in it, 1 being next."""
        if member in self.pairs:
            raise ValueError("already in a chat")
        existing = self._request(member)
        if existing is None:
            self.requests.append(Request(member, now, crisis))
        elif crisis:
            existing.crisis = True
        self._order()
        return self.position(member)

    def cancel(self, member: Pseudonym) -> Offer | None:
        """Leave the line; an offer made for this member is withdrawn."""
        self.requests = [r for r in self.requests if r.member != member]
        for listener, offer in list(self.offers.items()):
            if offer.member == member:
                del self.offers[listener]
                return offer
        return None

    def position(self, member: Pseudonym) -> int:
        for index, request in enumerate(self.requests, start=1):
            if request.member == member:
                return index
        return 0

    def request_of(self, member: Pseudonym) -> Request | None:
        return self._request(member)

    def on_shift(self, now: datetime) -> int:
        """How many listeners are on shift now, busy or not."""
        return sum(1 for listener in self.listeners.values() if listener.until > now)

    def may_take_more(self, now: datetime) -> int:
        """How many listeners on shift now have chats left this shift, busy or not."""
        return sum(
            1
            for listener in self.listeners.values()
            if listener.until > now and listener.taken < listener.cap
        )

    def at_cap(self, who: Pseudonym) -> bool:
        """On shift, with every chat of the shift taken: no more offers until the cap rises."""
        listener = self.listeners.get(who)
        return listener is not None and listener.taken >= listener.cap

    def shifts_over(self, now: datetime) -> list[Pseudonym]:
        """Listeners whose shift has run out: they stop being offered chats."""
        return [who for who, listener in self.listeners.items() if listener.until <= now]

    def _request(self, member: Pseudonym) -> Request | None:
        return next((r for r in self.requests if r.member == member), None)

    def _order(self) -> None:
        # Crisis first, then anyone handed over mid-chat, then the order of asking.
        self.requests.sort(key=lambda r: (not r.crisis, not r.handed_over, r.asked_at))

    def _requeue(self, member: Pseudonym, *, passed_by: Pseudonym) -> None:
        request = self._request(member)
        if request is not None:
            request.passed_by.add(passed_by)

    # --- offers -------------------------------------------------------------------------

    def next_offers(self, now: datetime) -> list[Offer]:
        """Make every offer that can be made now: waiting members to free listeners."""
        made: list[Offer] = []
        offered_members = {o.member for o in self.offers.values()}
        for request in list(self.requests):
            if request.member in offered_members:
                continue
            listener = self._pick_listener(request, now)
            if listener is None:
                continue
            offer = Offer(request.member, listener.who, now, request.crisis)
            self.offers[listener.who] = offer
            listener.last_offered = now
            offered_members.add(request.member)
            made.append(offer)
        return made

    def _pick_listener(self, request: Request, now: datetime) -> Listener | None:
        candidates = [
            listener
            for listener in self.listeners.values()
            if self._free(listener, now)
            and listener.who != request.member
            and listener.who not in request.passed_by
            and not self._blocked(request.member, listener.who)
        ]
        if not candidates:
            return None
        # In turn: whoever was offered a chat longest ago (or never) goes first.
        never = datetime.min.replace(tzinfo=now.tzinfo)
        return min(candidates, key=lambda listener: listener.last_offered or never)

    def accept(self, listener: Pseudonym, now: datetime) -> Pair:
        offer = self.offers.pop(listener)
        self.requests = [r for r in self.requests if r.member != offer.member]
        self.listeners[listener].taken += 1
        first, second = self._rng.sample(ALIASES, 2)
        pair = Pair(offer.member, listener, peer_alias(first), peer_alias(second), now, now)
        self.pairs[offer.member] = self.pairs[listener] = pair
        return pair

    def decline(self, listener: Pseudonym) -> Offer:
        """A listener passes, without explanation; the member is offered to the next."""
        offer = self.offers.pop(listener)
        self._requeue(offer.member, passed_by=listener)
        return offer

    def expire_offers(self, now: datetime) -> list[Offer]:
        """Offers unanswered for two minutes go to the next listener."""
        expired = [o for o in self.offers.values() if o.expires_at <= now]
        for offer in expired:
            self.decline(offer.listener)
        return expired

    def waited_too_long(self, now: datetime) -> list[Request]:
        """Members waiting five minutes or more: time to offer them other help too."""
        return [r for r in self.requests if now - r.asked_at >= WAIT_BEFORE_ALTERNATIVES]

    # --- chats --------------------------------------------------------------------------

    def pair_of(self, who: Pseudonym) -> Pair | None:
        return self.pairs.get(who)

    def end(self, who: Pseudonym) -> Pair | None:
        pair = self.pairs.pop(who, None)
        if pair is not None:
            self.pairs.pop(pair.other(who), None)
        return pair

    def hand_over(self, listener: Pseudonym, now: datetime) -> Pair | None:
        """'I need to step away': the chat ends for the listener, and the member goes to
        the front of the line for the next listener, who sees nothing of what was said."""
        pair = self.end(listener)
        if pair is None:
            return None
        self.requests.append(Request(pair.member, now, handed_over=True, passed_by={listener}))
        self._order()
        return pair
