"""Flood benchmark: one member floods the bot while others write, under Telegram's limits.

Run: python bench/bench_flood.py [--flood 300] [--others 10] [--waves 3]

The real Application polls the local Bot API simulator with Telegram's limits enforced by
it (about 30 messages a second overall, one a second into a chat, 20 a minute into a
group: past them a 429 with retry_after). Two scenarios:
  private: one member sends `--flood` /library craving in a row in their private chat;
  group:   one member sends a third as many /help in a group.
A second after the flood starts, and in each later wave, `--others` other members each send
/help in their private chats, another member writes a crisis message, and the flooder
writes one too. Reported per scenario: the others' median and p99 time to an answer, the
crisis answers' times, and how much of the flood was answered.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inprocess import machine, running_bot  # bench/, beside this script

from bot.sim import BotApiSimulator, SimChat, SimUser
from bot.sim.ratelimits import RateLimits

NOW = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
CRISIS_WORDS = "i want to end my life tonight"
# Words of the private crisis answer and of the group's crisis post.
PRIVATE_CRISIS, GROUP_CRISIS = "glad you told me", "going through something heavy"
WAVE_GAP = 5.0  # seconds between waves
TIMEOUT = 300.0


async def answer_time(
    sim: BotApiSimulator,
    user: SimUser,
    words: str,
    chat: SimChat | None = None,
    *,
    marker: str = "",
) -> float:
    """Seconds from the member's message reaching the simulator to the bot's answer (the
    first bot message after it holding marker: in a flooded chat, answers to the flood
    come between)."""
    where = chat or sim.private_chat(user)
    sent = sim.send_text(user, words, chat=chat)
    asked = time.perf_counter()

    def answered() -> bool:
        return any(
            message.message_id > sent.message_id and marker in (message.text or "")
            for message in sim.messages(where)
        )

    try:
        await sim.wait_for(answered, timeout=TIMEOUT)
    except TimeoutError:
        return math.inf  # never answered
    return time.perf_counter() - asked


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else values[0]


def seconds(values: list[float]) -> str:
    return ", ".join(f"{s:.2f} s" if s < math.inf else f"none in {TIMEOUT:.0f} s" for s in values)


def ms(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < math.inf else f"none in {TIMEOUT:.0f} s"


async def scenario(name: str, flood: int, others: int, waves: int) -> None:
    async with running_bot(NOW) as (sim, _app, _prepared):
        sim.rate_limits = RateLimits()
        flooder = sim.add_user("Flooder", started=True)
        members = [sim.add_user(f"Member {n}", started=True) for n in range(others)]
        writers = [sim.add_user(f"Writer {n}", started=True) for n in range(waves)]
        # The bot is an admin: with privacy mode on, only then does it see plain words.
        room = sim.add_group("Evening Group", members=[flooder, *members], bot_is_admin=True)
        if name == "group":
            command, where = "/help", room
        else:
            command, where = "/library craving", sim.private_chat(flooder)
        started = time.perf_counter()
        for _ in range(flood):
            sim.send_text(flooder, command, chat=room if name == "group" else None)
        ordinary: list[asyncio.Task[float]] = []
        crises: list[asyncio.Task[float]] = []
        own: list[asyncio.Task[float]] = []
        for wave in range(waves):
            await asyncio.sleep(1.0 if wave == 0 else WAVE_GAP)
            for member in members:
                ordinary.append(asyncio.create_task(answer_time(sim, member, "/help")))
            crises.append(
                asyncio.create_task(
                    answer_time(sim, writers[wave], CRISIS_WORDS, marker=PRIVATE_CRISIS)
                )
            )
            own.append(
                asyncio.create_task(
                    answer_time(sim, flooder, CRISIS_WORDS, room, marker=GROUP_CRISIS)
                    if name == "group"
                    else answer_time(sim, flooder, CRISIS_WORDS, marker=PRIVATE_CRISIS)
                )
            )
        others_s = list(await asyncio.gather(*ordinary))
        crisis_s = list(await asyncio.gather(*crises))
        own_s = list(await asyncio.gather(*own))
        # Let the flooder's answers finish, then count them.
        await asyncio.sleep(3.0)
        elapsed = time.perf_counter() - started
        answered = len(sim.messages(where))
        print(f"\n{name}: {flood} × {command!r} from one member, {others} others × {waves} waves")
        print(
            f"  others' /help: median {ms(statistics.median(others_s))}, "
            f"p99 {ms(p99(others_s))}, slowest {ms(max(others_s))}"
        )
        print(f"  another member's crisis answer: {seconds(crisis_s)}")
        print(f"  the flooder's own crisis answer: {seconds(own_s)}")
        print(
            f"  bot messages in the flooded chat after {elapsed:.0f} s: {answered}; "
            f"429s from the simulator: {sim.rate_limits.refused}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=300)
    parser.add_argument("--others", type=int, default=10)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--only", choices=("private", "group"))
    args = parser.parse_args()
    print(machine())
    for name in ("private", "group"):
        if args.only in (None, name):
            flood = args.flood if name == "private" else max(1, args.flood // 3)
            asyncio.run(scenario(name, flood, args.others, args.waves))


if __name__ == "__main__":
    main()
