"""Broadcast benchmark: N daily reflections due the same minute, while members write in.

Run: python bench/bench_broadcast.py [--subscriptions 10000] [--postgres URL]

The real Application delivers through the local Bot API simulator with Telegram's limits
enforced by it (about 30 messages a second overall, one a second into a chat: past them a
429 with retry_after). Meanwhile a member writes a crisis message every half second, and
the time to the bot's crisis answer is measured. Reported: the delivery rate as a share of
the 30-a-second ceiling, the time to deliver all, how many were lost or duplicated, and
the 99th percentile time to a crisis answer. With --postgres, the store is PostgreSQL (a
throwaway schema on that server) instead of SQLite in a throwaway folder.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inprocess import bench_settings, database  # bench/, beside this script

from bot.app import build_application
from bot.delivery.deliver import REFLECTION
from bot.handlers.daily import deliver_now
from bot.platform.logging_setup import configure_logging
from bot.platform.store import Subscription
from bot.plumbing.runner import run_polling
from bot.sim import BotApiSimulator
from bot.sim.ratelimits import RateLimits
from bot.startup import prepare

TELEGRAM_CEILING = 30.0
DUE = datetime(2027, 1, 5, 7, 0, tzinfo=UTC)


async def run(count: int, server: str | None) -> None:
    configure_logging("WARNING", token="")
    async with BotApiSimulator() as sim, database(server) as location:
        sim.rate_limits = RateLimits()
        with tempfile.TemporaryDirectory() as folder:
            settings = bench_settings(sim, folder, location, "bench-" + "x" * 40)
            prepared = await prepare(settings, clock=lambda: DUE)
            svc = prepared.services
            members = [sim.add_user(f"Member {n}", started=True) for n in range(count)]
            for member in members:
                await svc.store.subscribe(
                    Subscription(
                        chat=svc.keyring.pseudonym(member.id),
                        kind=REFLECTION,
                        thread_id=None,
                        sealed_chat=svc.keyring.seal(member.id),
                        minute=7 * 60,
                        zone="UTC",
                        last_delivered=None,
                        next_due_at=DUE,
                    ),
                    DUE,
                )
            app = build_application(svc)
            stop = asyncio.Event()
            polling = asyncio.create_task(run_polling(app, stop))
            # PTB offers no event for "polling started"; a short poll is fine in a benchmark.
            while app.updater is None or not app.updater.running:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            # Five members take turns, one crisis message every half second in all.
            writers = [sim.add_user(f"Writer {n}", started=True) for n in range(5)]
            latencies: list[float] = []
            started = time.perf_counter()
            delivering = asyncio.create_task(deliver_all(app))
            turn = 0
            while not delivering.done():
                writer = writers[turn % len(writers)]
                turn += 1
                sent = sim.send_text(writer, "i want to end my life tonight")
                asked = time.perf_counter()
                chat = sim.private_chat(writer)
                await sim.next_bot_message(chat, after=sent.message_id, timeout=30)
                latencies.append(time.perf_counter() - asked)
                await asyncio.sleep(0.5)
            rounds = await delivering
            elapsed = time.perf_counter() - started
            stop.set()
            await polling
            await prepared.close()
            per_chat = Counter(
                c.params["chat_id"]
                for c in sim.calls_to("sendMessage")
                if c.status == 200
                and c.params.get("rate_limit_args") is None
                and str(c.params.get("text", "")).startswith("<i>5 January</i>")
            )
            delivered = len(per_chat)
            duplicated = sum(n - 1 for n in per_chat.values() if n > 1)
            rate = delivered / elapsed
            p99 = (
                statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 2 else latencies[0]
            )
            print(
                f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores"
            )
            kept_in = "SQLite" if location is None else "PostgreSQL"
            print(f"{count} subscriptions due the same minute, kept in {kept_in}; ", end="")
            print(f"delivery runs: {rounds}")
            share = rate / TELEGRAM_CEILING
            print(f"delivered {delivered} in {elapsed:.1f} s: {rate:.1f}/s = {share:.2f} of 30/s")
            refused = sim.rate_limits.refused
            lost = count - delivered
            print(f"lost {lost}, duplicated {duplicated}, 429s from the simulator {refused}")
            print(
                f"crisis answers during the run: {len(latencies)}, median "
                f"{statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
                f"max {max(latencies) * 1000:.0f} ms"
            )


async def deliver_all(app: object) -> int:
    """Run delivery until nothing is due (a run leaves what failed for the next tick)."""
    rounds = 0
    while True:
        rounds += 1
        report = await deliver_now(app)  # type: ignore[arg-type]
        if report.sent == 0 and report.failed == 0:
            return rounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL", help="keep the store in PostgreSQL there")
    args = parser.parse_args()
    asyncio.run(run(args.subscriptions, args.postgres))


if __name__ == "__main__":
    main()
