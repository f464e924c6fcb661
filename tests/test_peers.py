"""Matching members with peer listeners (pure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.peers.matching import MAX_SHIFT, OFFER_TIMEOUT, WAIT_BEFORE_ALTERNATIVES, Matchmaker
from bot.platform.privacy import Pseudonym

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
ANA, BEN, CAL = Pseudonym("member-ana"), Pseudonym("member-ben"), Pseudonym("member-cal")
LEE, MO = Pseudonym("listener-lee"), Pseudonym("listener-mo")


def matchmaker(blocks: set[frozenset[str]] | None = None) -> Matchmaker:
    blocked = blocks or set()
    return Matchmaker(lambda a, b: frozenset((a, b)) in blocked, random.Random(7))


def test_first_asked_first_served_and_one_chat_per_listener() -> None:
    mm = matchmaker()
    mm.make_available(LEE, NOW, timedelta(hours=2))
    assert mm.ask(ANA, NOW) == 1
    assert mm.ask(BEN, NOW + timedelta(seconds=1)) == 2
    [offer] = mm.next_offers(NOW)
    assert (offer.member, offer.listener) == (ANA, LEE)
    pair = mm.accept(LEE, NOW)
    assert mm.pair_of(ANA) is pair is mm.pair_of(LEE)
    assert pair.member_alias != pair.listener_alias
    assert pair.member_alias.startswith("Peer ")
    assert mm.next_offers(NOW) == []  # Lee is busy; Ben waits
    assert mm.position(BEN) == 1


def test_a_crisis_request_goes_to_the_front_and_the_listener_is_told() -> None:
    mm = matchmaker()
    mm.ask(ANA, NOW)
    mm.ask(BEN, NOW + timedelta(seconds=5))
    assert mm.ask(CAL, NOW + timedelta(seconds=9), crisis=True) == 1
    mm.make_available(LEE, NOW, timedelta(hours=1))
    [offer] = mm.next_offers(NOW + timedelta(seconds=10))
    assert offer.member == CAL
    assert offer.crisis


def test_a_pass_or_a_timeout_offers_the_member_to_the_next_listener() -> None:
    mm = matchmaker()
    mm.make_available(LEE, NOW, timedelta(hours=1))
    mm.make_available(MO, NOW, timedelta(hours=1))
    mm.ask(ANA, NOW)
    [first] = mm.next_offers(NOW)
    mm.decline(first.listener)
    [second] = mm.next_offers(NOW)
    assert second.listener != first.listener
    assert mm.expire_offers(NOW + OFFER_TIMEOUT - timedelta(seconds=1)) == []
    assert mm.expire_offers(NOW + OFFER_TIMEOUT) == [second]
    # Both have passed on Ana now: nobody is offered her again for this request.
    assert mm.next_offers(NOW + OFFER_TIMEOUT) == []
    assert mm.position(ANA) == 1


def test_never_a_blocked_pair_and_never_a_member_with_themselves() -> None:
    mm = matchmaker({frozenset((ANA, LEE))})
    mm.make_available(LEE, NOW, timedelta(hours=1))
    mm.make_available(ANA, NOW, timedelta(hours=1))  # Ana listens too
    mm.ask(ANA, NOW)
    assert mm.next_offers(NOW) == []
    mm.ask(BEN, NOW)
    offers = mm.next_offers(NOW)
    assert {(o.member, o.listener) for o in offers} == {(BEN, LEE)}


def test_listeners_are_offered_in_turn_and_keep_to_their_cap() -> None:
    mm = matchmaker()
    mm.make_available(LEE, NOW, timedelta(hours=1), cap=1)
    mm.make_available(MO, NOW, timedelta(hours=1))
    mm.ask(ANA, NOW)
    [offer] = mm.next_offers(NOW)
    assert offer.listener == LEE  # neither has been offered a chat: the first to volunteer
    mm.accept(LEE, NOW)
    mm.end(ANA)
    mm.ask(BEN, NOW + timedelta(minutes=1))
    [again] = mm.next_offers(NOW + timedelta(minutes=1))
    assert again.listener == MO  # Mo's turn: Lee was offered one more recently
    mm.accept(MO, NOW)
    mm.end(BEN)
    mm.ask(CAL, NOW + timedelta(minutes=2))
    [third] = mm.next_offers(NOW + timedelta(minutes=2))
    assert third.listener == MO  # Lee's cap of one chat this shift is used up


def test_availability_ends_by_itself_within_twelve_hours() -> None:
    mm = matchmaker()
    listener = mm.make_available(LEE, NOW, timedelta(days=3))
    assert listener.until == NOW + MAX_SHIFT
    mm.ask(ANA, NOW + MAX_SHIFT)
    assert mm.next_offers(NOW + MAX_SHIFT) == []


def test_going_unavailable_returns_an_open_offer_to_the_line() -> None:
    mm = matchmaker()
    mm.make_available(LEE, NOW, timedelta(hours=1))
    mm.make_available(MO, NOW, timedelta(hours=1))
    mm.ask(ANA, NOW)
    [offer] = mm.next_offers(NOW)
    assert mm.make_unavailable(offer.listener) == offer
    [next_offer] = mm.next_offers(NOW)
    assert next_offer.listener != offer.listener


def test_a_hand_over_puts_the_member_first_for_another_listener() -> None:
    mm = matchmaker()
    mm.make_available(LEE, NOW, timedelta(hours=1))
    mm.ask(ANA, NOW)
    mm.accept(mm.next_offers(NOW)[0].listener, NOW)
    mm.ask(BEN, NOW - timedelta(minutes=30))  # asked long ago, still behind Ana
    assert mm.hand_over(LEE, NOW + timedelta(minutes=10)) is not None
    assert mm.pair_of(ANA) is None
    assert mm.position(ANA) == 1
    mm.make_available(MO, NOW, timedelta(hours=1))
    offers = mm.next_offers(NOW + timedelta(minutes=10))
    assert (offers[0].member, offers[0].listener) == (ANA, MO)


def test_leaving_the_line_withdraws_an_offer() -> None:
    mm = matchmaker()
    mm.make_available(LEE, NOW, timedelta(hours=1))
    mm.ask(ANA, NOW)
    [offer] = mm.next_offers(NOW)
    assert mm.cancel(ANA) == offer
    assert mm.offers == {}
    assert mm.position(ANA) == 0


def test_long_waits_are_noticed_and_a_paired_member_cannot_ask_again() -> None:
    mm = matchmaker()
    mm.ask(ANA, NOW)
    assert mm.waited_too_long(NOW + WAIT_BEFORE_ALTERNATIVES - timedelta(seconds=1)) == []
    assert [r.member for r in mm.waited_too_long(NOW + WAIT_BEFORE_ALTERNATIVES)] == [ANA]
    mm.make_available(LEE, NOW, timedelta(hours=1))
    mm.accept(mm.next_offers(NOW)[0].listener, NOW)
    with pytest.raises(ValueError, match="already in a chat"):
        mm.ask(ANA, NOW)
