"""Instances side by side: the relay and a broadcast through one or more real
`python -m bot --webhook` processes behind a load balancer, on one PostgreSQL and one
Redis, and how soon a chat goes on when one of them is killed.

Run: python bench/bench_instances.py --postgres URL --redis URL [--instances 2]
     [--chats 30] [--messages 8] [--gap 4.0] [--subscriptions 2000] [--kill]

The simulator runs in this process and posts updates to a small load balancer
(tests/balancer.py) in front of the instances, as Telegram posts to a webhook; Telegram's
limits are on once the chats are set up (about 30 messages a second, one a second into a
chat: past them a 429). Broadcast: `subscriptions` dailies due now are written into the
database and go out at the instances' next delivery tick, while a member writes a crisis
message every half second: reported, the delivery rate against Telegram's 30 a second,
lost, duplicated, the 429s the simulator answered, and the time to each crisis answer.
Relay: `chats` peer chats are set up as people set them up (/listen, /checkin, an
accepted offer), then both sides of every chat write `messages` messages `gap` seconds
apart (by default 15 a second in all, half Telegram's ceiling): reported, messages
relayed a second; the median, 99th percentile and slowest delay from a message entering
the simulator to its copy reaching it; how many were lost, duplicated or out of order;
the 429s. With --kill, instance 0 is killed with SIGKILL halfway through the relay:
reported, how long after the kill the first copy of a message written after it arrived,
and the slowest delay of the messages written in the ten seconds after the kill. Each
instance's peak memory is read from /proc.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_relay import write  # bench/, beside this script
from inprocess import machine

from bot.platform.logging_setup import configure_logging
from bot.platform.privacy import Keyring
from bot.sim import BotApiSimulator, SimUser
from bot.sim.ratelimits import RateLimits
from tests.balancer import Balancer
from tests.peer_helpers import bot_says, connect, press
from tests.shared_backends import delete_namespace
from tests.store_backends import fresh_schema_at
from tests.test_e2e_webhook import free_port
from tests.test_process_two_instances import subscribe_due_now

CRISIS_WORDS = "i want to end my life tonight"


class Instances:
    """The bot's processes, each logging to a file of its own."""

    def __init__(self, folder: Path, env: dict[str, str], ports: list[int]) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        for number, port in enumerate(ports):
            own = dict(env, PORCHLIGHT_WEBHOOK_PORT=str(port))
            own["PORCHLIGHT_DATA_DIR"] = str(folder / f"data-{number}")
            log = (folder / f"instance-{number}.log").open("wb")
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "--webhook"],
                    cwd=folder,
                    env=own,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def peak_memory(self) -> list[str]:
        peaks = []
        for process in self.processes:
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
            except OSError:
                peaks.append("gone")
                continue
            found = [line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")]
            # A process killed and not yet reaped has no memory left to report.
            peaks.append(f"{int(found[0]) / 1024:.0f} MB" if found else "gone")
        return peaks

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


@asynccontextmanager
async def instances_on(
    sim: BotApiSimulator, count: int, database_url: str, redis_url: str, secret: str
) -> AsyncIterator[Instances]:
    ports = [free_port() for _ in range(count)]
    balancer = Balancer([f"http://127.0.0.1:{port}/telegram" for port in ports])
    webhook_url = await balancer.start(free_port())
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "PORCHLIGHT_")) and key not in ("DATABASE_URL",)
    }
    env.update(
        TELEGRAM_BOT_TOKEN=sim.token,
        TELEGRAM_API_BASE_URL=sim.base_url,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PORCHLIGHT_SECRET=secret,
        PORCHLIGHT_WEBHOOK_URL=webhook_url,
        PORCHLIGHT_WEBHOOK_LISTEN="127.0.0.1",
        PORCHLIGHT_LISTENERS="open",
        PORCHLIGHT_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    with tempfile.TemporaryDirectory() as folder:
        running = Instances(Path(folder), env, ports)
        try:
            await sim.wait_for(lambda: len(sim.calls_to("getWebhookInfo")) >= count, timeout=90)
            yield running
        finally:
            running.stop()
            await balancer.stop()


async def set_up_chats(sim: BotApiSimulator, chats: int) -> list[tuple[SimUser, SimUser]]:
    """Each listener goes on shift, and a member checks in and is connected with them."""
    pairs = []
    for number in range(chats):
        listener = sim.add_user(f"Listener {number}", started=True)
        member = sim.add_user(f"Member {number}", started=True)
        sim.send_text(listener, "/listen")
        guide = await bot_says(
            sim, sim.private_chat(listener), "Listening, in six lines", timeout=30
        )
        press(sim, listener, guide, "I'll listen this way")
        await bot_says(sim, sim.private_chat(listener), "on shift", timeout=30)
        await connect(sim, member, listener)
        pairs.append((member, listener))
    return pairs


async def relay(
    sim: BotApiSimulator,
    pairs: list[tuple[SimUser, SimUser]],
    messages: int,
    gap: float,
    running: Instances,
    kill: bool,
) -> None:
    sent_at: dict[str, float] = {}
    writers = [user for pair in pairs for user in pair]
    killed_at: list[float] = []

    async def kill_halfway() -> None:
        await asyncio.sleep(messages * gap / 2)
        running.processes[0].kill()
        killed_at.append(time.monotonic())

    first_call = len(sim.calls)
    refused_before = sim.rate_limits.refused if sim.rate_limits else 0
    started = time.monotonic()
    tasks = [
        write(sim, user, messages, gap, sent_at, delay=n * gap / len(writers))
        for n, user in enumerate(writers)
    ]
    if kill:
        tasks.append(kill_halfway())
    await asyncio.gather(*tasks)
    arrived, copies, order_breaks = await copies_of(sim, sent_at, first_call)
    elapsed = max(arrived.values()) - started if arrived else 0.0
    delays = [arrived[words] - sent_at[words] for words in arrived]
    refused = (sim.rate_limits.refused if sim.rate_limits else 0) - refused_before
    print(
        f"relay: {len(pairs)} chats, {len(sent_at)} messages ({messages} per side, {gap} s "
        f"apart): {len(arrived) / elapsed:.1f} relayed a second; {delay_line(delays)}; "
        f"lost {len(sent_at) - len(arrived)}, duplicated {sum(n - 1 for n in copies.values())}, "
        f"out of order {order_breaks}, 429s {refused}"
    )
    if killed_at:
        after = [words for words, at in sent_at.items() if at >= killed_at[0]]
        soon = [words for words in after if sent_at[words] < killed_at[0] + 10]
        first_copy = min((arrived[w] for w in after if w in arrived), default=float("nan"))
        slowest = max((arrived[w] - sent_at[w] for w in soon if w in arrived), default=0.0)
        print(
            f"killed instance 0 (SIGKILL) halfway: first copy of a message written after it "
            f"{first_copy - killed_at[0]:.2f} s after the kill; slowest of the {len(soon)} "
            f"written in the next 10 s: {slowest:.2f} s"
        )


async def copies_of(
    sim: BotApiSimulator, sent_at: dict[str, float], first_call: int
) -> tuple[dict[str, float], Counter[str], int]:
    """When each copy first reached the simulator, how many copies each had, and how many
    copies arrived after a later message of the same writer."""
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 20:
        before = len(sim.calls)
        await asyncio.sleep(1)
        if len(sim.calls) != before:
            quiet_since = time.monotonic()
        if len(relayed(sim, sent_at, first_call)[0]) == len(sent_at):
            break
    return relayed(sim, sent_at, first_call)


def relayed(
    sim: BotApiSimulator, sent_at: dict[str, float], first_call: int
) -> tuple[dict[str, float], Counter[str], int]:
    arrived: dict[str, float] = {}
    copies: Counter[str] = Counter()
    last_seen: dict[str, int] = {}
    order_breaks = 0
    for call in sim.calls[first_call:]:
        if call.method != "sendMessage" or call.status != 200:
            continue
        words = str(call.params.get("text", "")).split(": ", 1)[-1]
        if words not in sent_at:
            continue
        copies[words] += 1
        if words in arrived:
            continue
        arrived[words] = call.at
        writer, number = words.split()[0], int(words.split()[1][1:])
        if number < last_seen.get(writer, -1):
            order_breaks += 1
        last_seen[writer] = max(number, last_seen.get(writer, -1))
    return arrived, copies, order_breaks


async def broadcast(sim: BotApiSimulator, database_url: str, keys: Keyring, count: int) -> None:
    readers = [sim.add_user(f"Reader {n}", started=True) for n in range(count)]
    await subscribe_due_now(database_url, keys, readers)
    ids = {reader.id for reader in readers}
    refused_before = sim.rate_limits.refused if sim.rate_limits else 0
    first_call = len(sim.calls)

    def dailies() -> list[float]:
        return [
            call.at
            for call in sim.calls[first_call:]
            if call.method == "sendMessage"
            and call.status == 200
            and int(call.params.get("chat_id", 0)) in ids
        ]

    writers = [sim.add_user(f"Writer {n}", started=True) for n in range(5)]
    latencies: list[float] = []
    turn, deadline = 0, time.monotonic() + 60 + count / 10
    while len(dailies()) < count and time.monotonic() < deadline:
        writer = writers[turn % len(writers)]
        turn += 1
        sent = sim.send_text(writer, CRISIS_WORDS)
        asked = time.monotonic()
        await sim.next_bot_message(sim.private_chat(writer), after=sent.message_id, timeout=60)
        latencies.append(time.monotonic() - asked)
        await asyncio.sleep(0.5)
    await asyncio.sleep(2)  # anything sent twice arrives meanwhile
    times = dailies()
    per_chat = Counter(
        int(call.params["chat_id"])
        for call in sim.calls[first_call:]
        if call.method == "sendMessage"
        and call.status == 200
        and int(call.params.get("chat_id", 0)) in ids
    )
    span = max(times) - min(times) if len(times) > 1 else float("nan")
    refused = (sim.rate_limits.refused if sim.rate_limits else 0) - refused_before
    print(
        f"broadcast: {count} dailies due at once: {len(per_chat) / span:.1f} a second "
        f"({len(per_chat) / span / 30:.2f} of Telegram's 30); lost {count - len(per_chat)}, "
        f"duplicated {sum(n - 1 for n in per_chat.values())}, 429s {refused}; crisis answers "
        f"meanwhile: {delay_line(latencies)}"
    )


def delay_line(delays: list[float]) -> str:
    if len(delays) < 2:
        return "too few to measure"
    p99 = statistics.quantiles(delays, n=100, method="inclusive")[98]
    return (
        f"median {statistics.median(delays) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {max(delays) * 1000:.0f} ms"
    )


async def run(args: argparse.Namespace) -> None:
    configure_logging("WARNING", token="")
    secret = f"bench-{secrets.token_hex(20)}"
    keys = Keyring.from_secret(secret.encode())
    print(
        f"command: python bench/bench_instances.py --instances {args.instances} --chats "
        f"{args.chats} --messages {args.messages} --gap {args.gap} --subscriptions "
        f"{args.subscriptions}{' --kill' if args.kill else ''}"
    )
    print(machine() + "; the simulator, PostgreSQL and Redis on the same machine")
    async with BotApiSimulator() as sim, fresh_schema_at(args.postgres) as database_url:
        try:
            async with instances_on(
                sim, args.instances, database_url, args.redis, secret
            ) as running:
                pairs = await set_up_chats(sim, args.chats)
                sim.rate_limits = RateLimits()
                if args.subscriptions:
                    await broadcast(sim, database_url, keys, args.subscriptions)
                await relay(sim, pairs, args.messages, args.gap, running, args.kill)
                print(f"peak memory of each instance: {', '.join(running.peak_memory())}")
        finally:
            await delete_namespace(args.redis, keys.check_value()[:16])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, metavar="URL")
    parser.add_argument("--redis", required=True, metavar="URL")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--chats", type=int, default=30)
    parser.add_argument("--messages", type=int, default=8)
    parser.add_argument("--gap", type=float, default=4.0)
    parser.add_argument("--subscriptions", type=int, default=2000)
    parser.add_argument("--kill", action="store_true", help="kill instance 0 halfway")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
