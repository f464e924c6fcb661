"""Relay benchmark: many live peer chats at once, both sides writing, through the simulator.

Run: python bench/bench_relay.py [--chats 1000] [--messages 3] [--gap 2.0] [--redis URL]

The real Application polls the local Bot API simulator (Telegram's rate limits off, to
measure the bot itself; the relay still paces itself to one message a second per chat).
Every chat is live before timing starts (paired through the matchmaker, as /checkin and
an accepted offer would leave it). Then every member and every listener sends `messages`
texts, `gap` seconds apart, their starts spread evenly over the first gap: a steady flow
of 2 x chats / gap messages a second, all chats live at once. Reported: messages relayed
a second, the median and 99th-percentile delay from a message entering the simulator (what Telegram
would hand the bot) to the bot's copy reaching it, how many were lost, and the process's
peak memory (bot and simulator together, one process). With --redis, the peer room is
shared through that Redis, as instances beside each other share it, and every change to
it is written there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inprocess import delays_line, machine, peak_memory, running_bot  # bench/, beside this script

from bot.handlers.common import App
from bot.peers.service import room_of
from bot.peers.shared_room import shared_room_of
from bot.platform.privacy import Pseudonym
from bot.sim import BotApiSimulator, SimUser

NOW = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)


async def run(chats: int, messages: int, gap: float, redis_url: str | None) -> None:
    async with running_bot(NOW, redis_url=redis_url) as (sim, app, prepared):
        async with shared_room_of(app).changing():
            pairs = pair_up(app, sim, prepared.services.keyring.pseudonym, chats)
        sent_at: dict[str, float] = {}
        started = time.monotonic()
        writers = [user for pair in pairs for user in pair]
        # Spread evenly over the gap: a steady flow of len(writers) / gap a second.
        await asyncio.gather(
            *(
                write(sim, user, messages, gap, sent_at, delay=n * gap / len(writers))
                for n, user in enumerate(writers)
            )
        )
        expected = len(sent_at)
        arrived = await wait_for_copies(sim, sent_at, expected)
    elapsed = max(arrived.values()) - started if arrived else 0.0
    delays = [arrived[key] - sent_at[key] for key in arrived]
    report(chats, messages, gap, expected, arrived, delays, elapsed, redis_url)


def pair_up(
    app: App, sim: BotApiSimulator, pseudonym: Callable[[int], Pseudonym], chats: int
) -> list[tuple[SimUser, SimUser]]:
    """Live chats, as check-ins and accepted offers leave them."""
    peers = room_of(app)
    mm = peers.matchmaker
    pairs = []
    for number in range(chats):
        member = sim.add_user(f"Member {number}", started=True)
        listener = sim.add_user(f"Listener {number}", started=True)
        member_key, listener_key = pseudonym(member.id), pseudonym(listener.id)
        peers.chat_ids[member_key], peers.chat_ids[listener_key] = member.id, listener.id
        mm.make_available(listener_key, NOW, timedelta(hours=12), cap=1)
        mm.ask(member_key, NOW)
        for offer in mm.next_offers(NOW):
            mm.accept(offer.listener, NOW)
        pairs.append((member, listener))
    assert len(mm.pairs) == 2 * chats
    return pairs


async def write(
    sim: BotApiSimulator,
    user: SimUser,
    messages: int,
    gap: float,
    sent_at: dict[str, float],
    *,
    delay: float,
) -> None:
    await asyncio.sleep(delay)
    for number in range(messages):
        words = f"u{user.id} m{number} how are you doing tonight"
        sent_at[words] = time.monotonic()
        sim.send_text(user, words)
        await asyncio.sleep(gap)


async def wait_for_copies(
    sim: BotApiSimulator, sent_at: dict[str, float], expected: int
) -> dict[str, float]:
    """When each relayed copy reached the simulator, by the original's words."""
    arrived: dict[str, float] = {}
    quiet_since = time.monotonic()
    seen = 0
    while len(arrived) < expected and time.monotonic() - quiet_since < 30:
        calls = sim.calls_to("sendMessage")
        for call in calls[seen:]:
            text = str(call.params.get("text", ""))
            words = text.split(": ", 1)[-1]
            if words in sent_at and words not in arrived:
                arrived[words] = call.at - (time.monotonic() - time.perf_counter())
                quiet_since = time.monotonic()
        seen = len(calls)
        await asyncio.sleep(0.1)
    return arrived


def report(
    chats: int,
    messages: int,
    gap: float,
    expected: int,
    arrived: dict[str, float],
    delays: list[float],
    elapsed: float,
    redis_url: str | None,
) -> None:
    shared = "" if redis_url is None else f" --redis {redis_url}"
    print(
        f"command: python bench/bench_relay.py --chats {chats} --messages {messages} "
        f"--gap {gap}{shared}"
    )
    print(machine())
    print(f"{chats} live chats, {expected} messages written ({messages} per side, {gap} s apart)")
    print(f"relayed {len(arrived)} in {elapsed:.1f} s: {len(arrived) / elapsed:.0f} a second")
    print(f"lost {expected - len(arrived)}")
    print(delays_line("copy", delays))
    print(peak_memory())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--gap", type=float, default=2.0)
    parser.add_argument("--redis", metavar="URL", help="share the peer room through this Redis")
    args = parser.parse_args()
    asyncio.run(run(args.chats, args.messages, args.gap, args.redis))


if __name__ == "__main__":
    main()
