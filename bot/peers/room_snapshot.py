"""The peer room as records, so instances can share it (bot/peers/shared_room.py).

The room is cut into small records, one per person, listener, request, offer, chat, chat
log and block, so a change writes only what it changed and another instance reads only
that. Each record has a fingerprint: its values as a tuple, cheap to make and compare,
so finding what changed costs no text; only the changed records become text. Everything
the room and its matchmaker hold is in some record except what belongs to one process:
the pacer's queues and the matchmaker's random numbers. A test holds the list of
attributes to this module, so one added to the room cannot be left out unnoticed.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.peers.matching import Listener, Offer, Pair, Request
from bot.peers.room import (
    REPORT_MESSAGES,
    ChatLog,
    CheckIn,
    Deletable,
    PeerRoom,
    PendingReport,
)
from bot.peers.room_tracking import entries
from bot.platform.privacy import Pseudonym

# Kept out of the records: they belong to this process alone.
PROCESS_ONLY = {"pacer"}
MATCHMAKER_PROCESS_ONLY = {"_blocked", "_rng"}

Fingerprint = tuple[Any, ...]
_PERSON, _LISTENER, _REQUEST, _OFFER, _CHAT, _LOG, _BLOCK = "p", "l", "r", "o", "c", "g", "b"
_SERIAL = "serial"


def _checkin(c: CheckIn) -> Fingerprint:
    return (c.mood, c.made_at, c.words, c.crisis)


def _deletable(d: Deletable) -> Fingerprint:
    return (tuple(d.message_ids), d.chat_id, d.until)


def _report(r: PendingReport) -> Fingerprint:
    messages = tuple(tuple(entry) for entry in r.messages)
    return (
        r.reporter_alias,
        r.reported_alias,
        r.reported_is_listener,
        r.reported,
        messages,
        r.made_at,
    )


def _as_is(value: Any) -> Any:
    return value


def _tables(room: PeerRoom) -> tuple[tuple[dict[Pseudonym, Any], Callable[[Any], Any]], ...]:
    """The per-person tables, in a person record's order, each with how its values are
    made into fingerprints."""
    return (
        (room.chat_ids, _as_is),
        (room.languages, _as_is),
        (room.checkins, _checkin),
        (room.sent, tuple),
        (room.deletable, _deletable),
        (room.reports, _report),
        (room.asks, tuple),
        (room.offer_messages, _as_is),
        (room.offer_serials, _as_is),
        (room.told_to_wait_on, _as_is),
        (room.held_contacts, _as_is),
        (room.shift_requests, _as_is),
    )


def _everyone(room: PeerRoom) -> dict[Pseudonym, list[Any]]:
    """Each person some per-person table holds, with what every table holds of theirs
    (None where nothing), and whether their chat is discreet. Table by table, not person
    by person: most people are in three or four of the tables, and only those entries
    are visited."""
    tables = _tables(room)
    blank = [None] * len(tables) + [False]
    people: dict[Pseudonym, list[Any]] = {}
    for column, (table, shape) in enumerate(tables):
        for who, value in entries(table):
            row = people.get(who)
            if row is None:
                row = people[who] = blank.copy()
            row[column] = shape(value)
    for who in room.discreet:
        row = people.get(who)
        if row is None:
            row = people[who] = blank.copy()
        row[-1] = True
    return people


def _row_of(room: PeerRoom, who: Pseudonym) -> Fingerprint | None:
    """One person's record, or None when no table holds anything of theirs."""
    row = [_shaped(dict.get(table, who), shape) for table, shape in _tables(room)]
    discreet = who in room.discreet
    if not discreet and all(value is None for value in row):
        return None
    return (*row, discreet)


def _shaped(value: Any, shape: Callable[[Any], Any]) -> Any:
    return None if value is None else shape(value)


def _chat(pair: Pair) -> Fingerprint:
    names = (pair.listener, pair.member_alias, pair.listener_alias)
    return (*names, pair.started_at, pair.last_activity)


def _log(log: ChatLog) -> Fingerprint:
    recent = tuple(tuple(entry) for entry in log.recent)
    edits, slow = tuple(sorted(log.told_about_edits)), tuple(sorted(log.told_to_slow))
    return (recent, log.warned_idle, edits, slow)


def whole_records(room: PeerRoom) -> dict[str, Fingerprint]:
    """The records compared whole at every write: few, and small (listeners on shift,
    the line, open offers, blocks, the serial)."""
    mm = room.matchmaker
    records: dict[str, Fingerprint] = {_SERIAL: (room._serial,)}
    for who, lis in mm.listeners.items():
        records[f"{_LISTENER}:{who}"] = (lis.until, lis.cap, lis.taken, lis.last_offered)
    for place, r in enumerate(mm.requests):
        passed_by = tuple(sorted(r.passed_by))
        records[f"{_REQUEST}:{r.member}"] = (place, r.asked_at, r.crisis, r.handed_over, passed_by)
    for who, o in mm.offers.items():
        records[f"{_OFFER}:{who}"] = (o.member, o.offered_at, o.crisis)
    for a, b in room.blocked_pairs:
        records[f"{_BLOCK}:{a}:{b}"] = ()
    return records


def people_records(
    room: PeerRoom, people: Iterable[Pseudonym] | None = None
) -> tuple[dict[str, Fingerprint], set[str] | None]:
    """The records kept per person (each person, chat and chat log) of the people named
    (None: everyone), and the keys of every record that was looked for (None: all), so a
    key looked for and not found is a record that is gone."""
    records: dict[str, Fingerprint] = {}
    pairs = room.matchmaker.pairs
    if people is None:
        for who, columns in _everyone(room).items():
            records[f"{_PERSON}:{who}"] = tuple(columns)
        for who, pair in entries(pairs):
            if who == pair.member:  # each pair is kept under both its people: once here
                records[f"{_CHAT}:{who}"] = _chat(pair)
        for who, log in entries(room.logs):
            records[f"{_LOG}:{who}"] = _log(log)
        return records, None
    looked_for: set[str] = set()
    for who in people:
        keys = (f"{_PERSON}:{who}", f"{_LOG}:{who}", f"{_CHAT}:{who}")
        looked_for.update(keys)
        if (row := _row_of(room, who)) is not None:
            records[keys[0]] = row
        if (log := dict.get(room.logs, who)) is not None:
            records[keys[1]] = _log(log)
        if (pair := dict.get(pairs, who)) is not None:
            chat = f"{_CHAT}:{pair.member}"
            looked_for.add(chat)
            records[chat] = _chat(pair)
    return records, looked_for


def owner(key: str) -> Pseudonym | None:
    """Whose per-person record key is (None: a record compared whole)."""
    kind, _, who = key.partition(":")
    return Pseudonym(who) if kind in (_PERSON, _LOG, _CHAT) else None


def room_records(room: PeerRoom) -> dict[str, Fingerprint]:
    """Every record of the room, by key, as fingerprints."""
    return whole_records(room) | people_records(room)[0]


def record_text(fingerprint: Fingerprint) -> str:
    return json.dumps(_plain(fingerprint), separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, tuple | list | deque):
        return [_plain(item) for item in value]
    return value


def clear_room(room: PeerRoom) -> None:
    """Empty the room in place: the objects others hold (the discreet set the rate
    limiter reads, the matchmaker, the pacer) stay the same objects."""
    fresh = PeerRoom(room.pacer)
    for name, value in vars(fresh).items():
        if name not in ("pacer", "matchmaker", "discreet"):
            setattr(room, name, value)
    room.discreet.clear()
    mm = room.matchmaker
    mm.listeners, mm.requests, mm.offers, mm.pairs = {}, [], {}, {}


def apply_records(room: PeerRoom, records: Mapping[str, str | None]) -> None:
    """Make room hold what records say (None: that record is gone), in place."""
    mm = room.matchmaker
    places = {r.member: place for place, r in enumerate(mm.requests)}
    requests = {r.member: r for r in mm.requests}
    for key, text in records.items():
        kind, _, rest = key.partition(":")
        value = None if text is None else json.loads(text)
        who = Pseudonym(rest)
        if kind == _SERIAL:
            room._serial = 0 if value is None else int(value[0])
        elif kind == _PERSON:
            _apply_person(room, who, value)
        elif kind == _LISTENER:
            if value is None:
                mm.listeners.pop(who, None)
            else:
                until, cap, taken, last = value
                mm.listeners[who] = Listener(who, _at(until), cap, taken, _maybe_at(last))
        elif kind == _REQUEST:
            requests.pop(who, None)
            places.pop(who, None)
            if value is not None:
                place, asked, crisis, handed, passed_by = value
                requests[who] = Request(who, _at(asked), crisis, handed, _people_in(passed_by))
                places[who] = place
        elif kind == _OFFER:
            if value is None:
                mm.offers.pop(who, None)
            else:
                member, offered, crisis = value
                mm.offers[who] = Offer(Pseudonym(member), who, _at(offered), crisis)
        elif kind == _CHAT:
            _apply_chat(room, who, value)
        elif kind == _LOG:
            if value is None:
                room.logs.pop(who, None)
            else:
                recent, warned, edits, slow = value
                entries = deque(((a, w) for a, w in recent), maxlen=REPORT_MESSAGES)
                room.logs[who] = ChatLog(entries, warned, _people_in(edits), _people_in(slow))
        elif kind == _BLOCK:
            first, _, second = rest.partition(":")
            pair = (Pseudonym(first), Pseudonym(second))
            if value is None:
                room.blocked_pairs.discard(pair)
            else:
                room.blocked_pairs.add(pair)
    mm.requests = sorted(requests.values(), key=lambda r: places[r.member])


def _apply_chat(room: PeerRoom, member: Pseudonym, value: list[Any] | None) -> None:
    pairs = room.matchmaker.pairs
    old = pairs.get(member)
    if old is not None and old.member == member:
        pairs.pop(member, None)
        if pairs.get(old.listener) is old:  # the listener may be in a newer chat already
            pairs.pop(old.listener, None)
    if value is not None:
        listener, member_alias, listener_alias, started, last = value
        pair = Pair(
            member, Pseudonym(listener), member_alias, listener_alias, _at(started), _at(last)
        )
        pairs[member] = pairs[pair.listener] = pair


def _apply_person(room: PeerRoom, who: Pseudonym, value: list[Any] | None) -> None:
    (
        chat_id, language, checkin, sent, gone, report, asked,
        offer_message, offer_serial, told_mark, held_contact, shift_request, discreet,
    ) = value if value is not None else (None,) * 12 + (False,)  # fmt: skip
    _put(room.chat_ids, who, chat_id)
    _put(room.languages, who, language)
    _put(
        room.checkins,
        who,
        None if checkin is None else CheckIn(checkin[0], _at(checkin[1]), checkin[2], checkin[3]),
    )
    _put(room.sent, who, None if sent is None else list(sent))
    _put(room.deletable, who, None if gone is None else Deletable(gone[0], gone[1], _at(gone[2])))
    _put(
        room.reports,
        who,
        None
        if report is None
        else PendingReport(
            report[0],
            report[1],
            report[2],
            Pseudonym(report[3]),
            [(a, w) for a, w in report[4]],
            _at(report[5]),
        ),
    )
    _put(room.asks, who, None if asked is None else deque(_at(t) for t in asked))
    _put(room.offer_messages, who, offer_message)
    _put(room.offer_serials, who, offer_serial)
    _put(room.told_to_wait_on, who, told_mark)
    _put(room.held_contacts, who, held_contact)
    span = (
        None if shift_request is None else (timedelta(seconds=shift_request[0]), shift_request[1])
    )
    _put(room.shift_requests, who, span)
    if discreet:
        room.discreet.add(who)
    else:
        room.discreet.discard(who)


def _put(table: dict[Pseudonym, Any], who: Pseudonym, value: Any) -> None:
    if value is None:
        table.pop(who, None)
    else:
        table[who] = value


def _people_in(values: Iterable[str]) -> set[Pseudonym]:
    return {Pseudonym(v) for v in values}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe_at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
