"""The pure parts around peer chats: pacing, check-in counters, shift lengths and the
discreet first line."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta

from bot.handlers.listen import parse_duration
from bot.peers.checkin import MOODS, hour_counter, mood_counter, wait_counter
from bot.platform.discreet import neutral_first_line
from bot.plumbing.pacer import Pacer


async def test_pacer_keeps_order_and_spacing_per_chat_and_chats_apart() -> None:
    pacer = Pacer(interval=0.05)
    sent: list[tuple[int, int, float]] = []

    def job(chat: int, number: int):  # type: ignore[no-untyped-def]
        async def send() -> None:
            sent.append((chat, number, time.monotonic()))

        return send

    for number in range(4):
        pacer.submit(1, job(1, number))
        pacer.submit(2, job(2, number))
    await pacer.idle()
    for chat in (1, 2):
        mine = [(n, at) for c, n, at in sent if c == chat]
        assert [n for n, _ in mine] == [0, 1, 2, 3]
        assert all(b - a >= 0.045 for (_, a), (_, b) in itertools.pairwise(mine))
    # Two chats are paced side by side, not one after the other.
    assert sent[1][0] == 2


async def test_pacer_survives_a_failing_send_and_can_drop_a_chat() -> None:
    pacer = Pacer(interval=0.01)
    done: list[int] = []

    async def fails() -> None:
        raise RuntimeError("Telegram said no")

    def ok(number: int):  # type: ignore[no-untyped-def]
        async def send() -> None:
            done.append(number)

        return send

    pacer.submit(7, fails)
    pacer.submit(7, ok(1))
    assert pacer.backlog(7) == 2
    await pacer.idle()
    assert done == [1]
    pacer.submit(8, ok(2))
    pacer.submit(8, ok(3))
    pacer.submit(8, ok(4))
    await asyncio.sleep(0)
    assert pacer.drop(8) >= 1
    await pacer.idle()
    assert 4 not in done
    await pacer.close()


def test_check_in_counters_are_coarse() -> None:
    assert len({mood_counter(m) for m in MOODS}) == 6
    night = datetime(2026, 11, 22, 3, 17, tzinfo=UTC)
    assert hour_counter(night) == "checkin_hours_00"
    assert hour_counter(night.replace(hour=23)) == "checkin_hours_20"
    assert wait_counter(59) == "peer_wait_under_1m"
    assert wait_counter(299) == "peer_wait_under_5m"
    assert wait_counter(3600) == "peer_wait_15m_plus"


def test_shift_lengths_are_read_kindly() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1h30m") == timedelta(hours=1, minutes=30)
    assert parse_duration("3") == timedelta(hours=3)
    for bad in ("", "0", "0h", "h", "soon", "-2h", "2 hours"):
        assert parse_duration(bad) is None, bad


def test_discreet_line_goes_on_private_texts_of_discreet_chats_only() -> None:
    adjust = neutral_first_line(lambda chat_id: chat_id == 42, "A message for you.")
    data = {"chat_id": 42, "text": "Your reflection"}
    adjust("sendMessage", data)
    assert data["text"] == "A message for you.\n\nYour reflection"
    adjust("sendMessage", data)  # never twice
    assert data["text"].count("A message for you.") == 1
    for endpoint, other in (
        ("sendMessage", {"chat_id": 43, "text": "x"}),
        ("sendMessage", {"chat_id": -42, "text": "x"}),
        ("editMessageText", {"chat_id": 42, "text": "x"}),
    ):
        adjust(endpoint, other)
        assert other["text"] == "x"
