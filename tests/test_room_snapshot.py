"""The peer room as records and back: nothing lost on the way, nothing left out, and a
change applied to a copy makes the same room."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

from bot.peers import room_snapshot
from bot.peers.matching import Matchmaker
from bot.peers.room import CheckIn, Deletable, PeerRoom, PendingReport
from bot.peers.room_snapshot import apply_records, clear_room, record_text, room_records
from bot.platform.privacy import Pseudonym

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
MEMBER, LISTENER, WAITING, OTHER = (Pseudonym(p) for p in ("m" * 32, "l" * 32, "w" * 32, "o" * 32))


def a_busy_room() -> PeerRoom:
    """A room with something in every table: a live chat, one waiting, one on shift."""
    room = PeerRoom()
    mm = room.matchmaker
    chats = ((MEMBER, 5734215599), (LISTENER, 6120337841), (WAITING, 303), (OTHER, 404))
    for who, chat in chats:
        room.chat_ids[who] = chat
        room.languages[who] = "es" if who == WAITING else "en"
    mm.make_available(LISTENER, NOW, timedelta(hours=2), cap=2)
    mm.make_available(OTHER, NOW, timedelta(hours=1))
    mm.ask(MEMBER, NOW, crisis=True)
    offer = mm.next_offers(NOW)[0]
    pair = mm.accept(offer.listener, NOW + timedelta(seconds=30))
    mm.ask(WAITING, NOW + timedelta(minutes=1))
    mm.next_offers(NOW + timedelta(minutes=1))
    room.checkins[WAITING] = CheckIn("struggling", NOW, "a long night", crisis=False)
    log = room.log_of(pair)
    log.recent.append(("Peer Otter", "hello there"))
    log.warned_idle = True
    log.told_about_edits.add(MEMBER)
    log.told_to_slow.add(LISTENER)
    room.note_sent(MEMBER, 7)
    room.deletable[OTHER] = Deletable([1, 2], 404, NOW + timedelta(hours=47))
    room.reports[MEMBER] = PendingReport(
        "Peer Otter", "Peer Wren", True, LISTENER, [("Peer Wren", "words")], NOW
    )
    room.may_ask(WAITING, NOW)
    room.offer_messages[OTHER] = 55
    room.offer_serials[OTHER] = room.new_serial()
    room.told_to_wait_on[WAITING] = 1
    room.held_contacts[MEMBER] = "call me on 555 0100"
    room.discreet.add(MEMBER)
    room.blocked_pairs.add((MEMBER, OTHER))
    room.shift_requests[LISTENER] = (timedelta(hours=3), 4)
    return room


def texts_of(room: PeerRoom) -> dict[str, str | None]:
    return {key: record_text(mark) for key, mark in room_records(room).items()}


def test_a_room_comes_back_as_it_was() -> None:
    room = a_busy_room()
    copy = PeerRoom()
    apply_records(copy, texts_of(room))
    assert room_records(copy) == room_records(room)
    # One pair under both its people, as the matchmaker keeps it.
    assert copy.matchmaker.pairs[MEMBER] is copy.matchmaker.pairs[LISTENER]
    assert copy.logs[MEMBER].recent.maxlen == room.logs[MEMBER].recent.maxlen
    assert copy.is_blocked(OTHER, MEMBER)
    assert [r.member for r in copy.matchmaker.requests] == [
        r.member for r in room.matchmaker.requests
    ]


def test_only_what_changed_is_applied_and_the_copy_follows() -> None:
    """As another instance reads a change: the changed records, and the removed ones."""
    room = a_busy_room()
    copy = PeerRoom()
    apply_records(copy, texts_of(room))
    before = room_records(room)
    mm = room.matchmaker
    pair = mm.end(MEMBER)
    assert pair is not None
    room.close_chat(pair, NOW)
    mm.ask(OTHER, NOW, crisis=True)  # to the front of the line: every place moves
    room.discreet.discard(MEMBER)
    after = room_records(room)
    changes: dict[str, str | None] = {
        key: record_text(mark) for key, mark in after.items() if before.get(key) != mark
    }
    changes.update({key: None for key in before if key not in after})
    assert len(changes) < len(after)
    apply_records(copy, changes)
    assert room_records(copy) == after
    assert copy.matchmaker.pair_of(LISTENER) is None
    assert [r.member for r in copy.matchmaker.requests] == [OTHER, WAITING]


def test_restoring_keeps_the_objects_others_hold() -> None:
    """The rate limiter holds the discreet set, and the room's holders the room itself."""
    room = PeerRoom()
    discreet, matchmaker, pacer = room.discreet, room.matchmaker, room.pacer
    apply_records(room, texts_of(a_busy_room()))
    assert room.discreet is discreet
    assert MEMBER in discreet
    assert room.matchmaker is matchmaker
    assert room.pacer is pacer
    assert room.matchmaker.pair_of(MEMBER) is not None
    # The matchmaker still asks this room who blocked whom.
    assert room.matchmaker._blocked(MEMBER, OTHER)
    clear_room(room)
    assert room_records(room) == room_records(PeerRoom())
    assert room.discreet is discreet
    assert room.matchmaker is matchmaker


def test_every_attribute_of_the_room_is_in_the_text_or_named_as_the_process_s_own() -> None:
    """An attribute added to the room or the matchmaker must be shared, or named here as
    belonging to one process: otherwise a second instance would silently not see it."""
    room = a_busy_room()
    source = inspect.getsource(room_snapshot)
    for name in vars(room):
        assert name in room_snapshot.PROCESS_ONLY or f"room.{name}" in source, name
    for name in vars(room.matchmaker):
        assert name in room_snapshot.MATCHMAKER_PROCESS_ONLY or f"mm.{name}" in source, name
    assert set(vars(Matchmaker(lambda a, b: False))) == set(vars(room.matchmaker))
