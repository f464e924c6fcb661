"""Directory benchmark: /meetings over thousands of listed meetings, through the simulator.

Run: python bench/bench_directory.py [--meetings 5000] [--asks 200] [--postgres URL]

Listed groups (one meeting each, at random times and days, in zones around the world,
English or Spanish) are written straight into the store; then members in several zones
ask /meetings, one after another, and the time from the command entering the simulator to
the bot's answer is measured. Also timed on their own: reading every listed meeting from
the store, and working out what to show from them (bot.meetings.directory). With
--postgres the store is PostgreSQL (a throwaway schema on that server), else SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inprocess import (  # bench/, beside this script
    bench_settings,
    database,
    delays_line,
    machine,
    peak_memory,
)

from bot.app import build_application
from bot.delivery.zones import PICKER, zone_info
from bot.meetings.directory import find_soon
from bot.meetings.timetable import EVERY_DAY, replanned
from bot.platform.logging_setup import configure_logging
from bot.platform.store import Listing, MeetingSchedule, new_slot
from bot.plumbing.runner import run_polling
from bot.services import Services
from bot.sim import BotApiSimulator
from bot.startup import prepare

NOW = datetime(2027, 1, 5, 20, 0, tzinfo=UTC)
ZONES = [zone for cities in PICKER.values() for zone in cities]
ASKER_ZONES = ("Asia/Tokyo", "Europe/London", "America/New_York", "Australia/Sydney")


async def list_meetings(svc: Services, count: int) -> None:
    rng = random.Random(7)  # noqa: S311 - test data
    for number in range(count):
        chat_id = -1_000_000_000_000 - number
        group = svc.keyring.pseudonym(chat_id)
        zone = rng.choice(ZONES)
        days = EVERY_DAY if rng.random() < 0.5 else rng.randint(1, EVERY_DAY)
        minute = rng.randrange(24 * 4) * 15
        first = replanned(days, minute, zone_info(zone), now=NOW)
        language = "es" if rng.random() < 0.3 else "en"
        await svc.store.add_schedule(
            MeetingSchedule(
                group=group,
                thread_id=None,
                slot=new_slot(),
                sealed_chat=svc.keyring.seal(chat_id),
                days=days,
                minute=minute,
                zone=zone,
                format_id="open-discussion",
                title=f"Meeting {number}",
                language=language,
                start_at=first.start,
                stage=int(first.stage),
                next_at=first.next_at,
            ),
            NOW,
        )
        await svc.store.list_group(
            Listing(
                group=group,
                sealed_chat=svc.keyring.seal(chat_id),
                invite_link=f"https://t.me/+bench{number:05d}",
                language=language,
                newcomers=rng.random() < 0.5,
                approval=rng.random() < 0.2,
                checked_at=NOW,
            ),
            NOW,
        )


async def run(count: int, asks: int, server: str | None) -> None:
    configure_logging("WARNING", token="")
    async with BotApiSimulator() as sim, database(server) as location:
        with tempfile.TemporaryDirectory() as folder:
            settings = bench_settings(sim, folder, location, "bench-" + "d" * 40)
            prepared = await prepare(settings, clock=lambda: NOW)
            svc = prepared.services
            await list_meetings(svc, count)
            reads, finds = [], []
            for _ in range(20):
                started = time.perf_counter()
                listed = await svc.store.listed_meetings()
                reads.append(time.perf_counter() - started)
                started = time.perf_counter()
                find_soon(listed, NOW, preferred="en", language=None)
                finds.append(time.perf_counter() - started)
            app = build_application(svc)
            stop = asyncio.Event()
            polling = asyncio.create_task(run_polling(app, stop))
            while app.updater is None or not app.updater.running:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            askers = [sim.add_user(f"Asker {n}", started=True) for n in range(len(ASKER_ZONES))]
            for asker, zone in zip(askers, ASKER_ZONES, strict=True):
                sent = sim.send_text(asker, f"/zone {zone}")
                await sim.next_bot_message(sim.private_chat(asker), after=sent.message_id)
            answers: list[float] = []
            lines = 0
            for number in range(asks):
                asker = askers[number % len(askers)]
                sent = sim.send_text(asker, "/meetings")
                asked = time.perf_counter()
                answer = await sim.next_bot_message(
                    sim.private_chat(asker), after=sent.message_id, timeout=60
                )
                answers.append(time.perf_counter() - asked)
                lines = max(lines, len(answer.buttons))
            stop.set()
            await polling
            await prepared.close()
    store = "PostgreSQL" if server else "SQLite"
    print(f"{machine()}; {count} listed meetings in {store}; {asks} asks of /meetings")
    print(
        f"reading every listed meeting: median {statistics.median(reads) * 1000:.0f} ms; "
        f"working out what to show: median {statistics.median(finds) * 1000:.0f} ms"
    )
    print(delays_line("answer to /meetings", answers) + f"; up to {lines} meetings shown")
    print(peak_memory())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--meetings", type=int, default=5000)
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="keep the store in PostgreSQL there")
    args = parser.parse_args()
    asyncio.run(run(args.meetings, args.asks, args.postgres))


if __name__ == "__main__":
    main()
