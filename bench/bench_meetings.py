"""Meetings benchmark: many meetings at once, every member writing, through the simulator.

Run: python bench/bench_meetings.py [--meetings 200] [--members 5] [--messages 6] [--gap 10]

The real Application polls the local Bot API simulator (Telegram's rate limits off, to
measure the bot itself). Each group has the bot as an admin that may delete, etiquette in
delete mode, and a meeting started with /meeting start. Then every member sends
`messages` messages, `gap` seconds apart, starts spread evenly over the first gap: own
shares, identifying, thanks, and every fifth message crosstalk that the bot deletes.
Reported: messages assessed a second, the median and 99th-percentile delay from a
crosstalk message entering the simulator to the bot's deleteMessage, anything missed, and
the process's peak memory (bot and simulator together, one process).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inprocess import delays_line, machine, peak_memory, running_bot  # bench/, beside this script

from bot.sim import BotApiSimulator, SimChat, SimUser

NOW = datetime(2027, 1, 5, 20, 0, tzinfo=UTC)
SHARES = (
    "I nearly picked up on the way home tonight and rang my sister instead",
    "I relate to that, it was the same for me last winter",
    "thank you for sharing",
    "my evenings are the hard part, so I've started walking after dinner",
)
CROSSTALK = "you should really just go to more meetings"


async def run(meetings: int, members: int, messages: int, gap: float) -> None:
    async with running_bot(NOW) as (sim, _, _):
        groups = await open_meetings(sim, meetings, members)
        writers = [(group, user) for group, users in groups for user in users]
        sent_at: dict[tuple[int, int], float] = {}
        started = time.monotonic()
        await asyncio.gather(
            *(
                write(sim, group, user, messages, gap, n, len(writers), sent_at)
                for n, (group, user) in enumerate(writers)
            )
        )
        deleted = await wait_for_deletions(sim, sent_at)
    elapsed = max(deleted.values(), default=started) - started
    delays = [deleted[key] - sent_at[key] for key in deleted]
    total = len(writers) * messages
    report(meetings, members, messages, gap, total, elapsed, sent_at, delays)


async def open_meetings(
    sim: BotApiSimulator, meetings: int, members: int
) -> list[tuple[SimChat, list[SimUser]]]:
    groups = []
    for number in range(meetings):
        chair = sim.add_user(f"Chair {number}")
        users = [sim.add_user(f"M{number}x{k}") for k in range(members)]
        group = sim.add_group(
            f"Group {number}", members=users, admins=[chair], bot_is_admin=True, bot_can_delete=True
        )
        for command in ("/etiquette delete", "/meeting start"):
            sent = sim.send_text(chair, command, chat=group)
            await sim.next_bot_message(group, after=sent.message_id, timeout=60)
        groups.append((group, users))
    return groups


async def write(
    sim: BotApiSimulator,
    group: SimChat,
    user: SimUser,
    messages: int,
    gap: float,
    n: int,
    writers: int,
    sent_at: dict[tuple[int, int], float],
) -> None:
    await asyncio.sleep(n * gap / writers)
    for number in range(messages):
        crosstalk = (n + number) % 5 == 0
        sent = sim.send_text(
            user, CROSSTALK if crosstalk else SHARES[number % len(SHARES)], chat=group
        )
        if crosstalk:
            sent_at[(group.id, sent.message_id)] = time.monotonic()
        await asyncio.sleep(gap)


async def wait_for_deletions(
    sim: BotApiSimulator, sent_at: dict[tuple[int, int], float]
) -> dict[tuple[int, int], float]:
    """When the bot's deleteMessage for each crosstalk message reached the simulator."""
    deleted: dict[tuple[int, int], float] = {}
    quiet_since = time.monotonic()
    seen = 0
    while len(deleted) < len(sent_at) and time.monotonic() - quiet_since < 30:
        calls = sim.calls_to("deleteMessage")
        for call in calls[seen:]:
            key = (int(call.params["chat_id"]), int(call.params["message_id"]))
            if key in sent_at and key not in deleted:
                deleted[key] = call.at
                quiet_since = time.monotonic()
        seen = len(calls)
        await asyncio.sleep(0.1)
    return deleted


def report(
    meetings: int,
    members: int,
    messages: int,
    gap: float,
    total: int,
    elapsed: float,
    sent_at: dict[tuple[int, int], float],
    delays: list[float],
) -> None:
    print(
        f"command: python bench/bench_meetings.py --meetings {meetings} --members {members} "
        f"--messages {messages} --gap {gap}"
    )
    print(machine())
    print(
        f"{meetings} meetings, {members} members each, {total} messages, {len(sent_at)} crosstalk"
    )
    print(f"assessed {total} in {elapsed:.1f} s: {total / elapsed:.0f} a second")
    print(f"crosstalk deleted {len(delays)} of {len(sent_at)}")
    print(delays_line("deletion", delays))
    print(peak_memory())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--members", type=int, default=5)
    parser.add_argument("--messages", type=int, default=6)
    parser.add_argument("--gap", type=float, default=10.0)
    args = parser.parse_args()
    asyncio.run(run(args.meetings, args.members, args.messages, args.gap))


if __name__ == "__main__":
    main()
