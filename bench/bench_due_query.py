"""The delivery tick's claim at scale: how long store.claim_due() takes with 100,000
subscriptions, on SQLite and on PostgreSQL.

Run: python bench/bench_due_query.py [--subscriptions 100000] [--postgres URL]

The subscriptions' next deliveries are spread evenly over a day, as members' chosen
minutes are, so a tick finds about one minute's share due. Timed: the tick's claim as the
tick makes it (store.claim_due with the tick's batch and lease: one transaction that marks
the rows it takes and reads them), at a minute with that share due, and at a quiet minute
with none due, 300 times each; after each, untimed, the claimed rows are let go again.
PostgreSQL runs in a throwaway schema on the server named by --postgres (default: the
local one), and is skipped if none answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.delivery.deliver import BATCH, DELIVERY_LEASE
from bot.platform import inventory
from bot.platform.privacy import Keyring
from bot.platform.store import DATABASE_FILE_NAME, DatabaseStore, PostgresStore, SqliteStore
from bot.platform.store.schema import epoch
from tests.store_backends import LOCAL_POSTGRES, fresh_schema_at

START = datetime(2027, 1, 5, 0, 0, tzinfo=UTC)
KEYS = Keyring.from_secret(b"bench-" + b"x" * 40)
RUNS = 300


def subscription_rows(count: int) -> list[tuple[object, ...]]:
    """Subscription rows, columns in the inventory's order, falling due across one day."""
    order = list(inventory.table("subscriptions").columns)
    rows = []
    for n in range(count):
        due = START + timedelta(seconds=86_400 * n // count)
        row = {
            "pseudonym": KEYS.pseudonym(n),
            "kind": "reflection",
            "thread_id": 0,
            "sealed_chat": KEYS.seal(n),
            "minute": due.hour * 60 + due.minute,
            "zone": "UTC",
            "last_delivered": None,
            "next_due_at": epoch(due),
            "language": "en",
            "planned_at": epoch(START - timedelta(days=1)),  # planned at yesterday's delivery
            "refusals": 0,
            "refused_since": None,
            "lease_until": 0,
            "claimed_by": None,
            "expires_at": epoch(due + timedelta(days=60)),
        }
        rows.append(tuple(row[column] for column in order))
    return rows


async def time_due(store: DatabaseStore, now: datetime) -> tuple[float, float, int]:
    found = 0
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        claimed = await store.claim_due(now, BATCH, DELIVERY_LEASE)
        timings.append(time.perf_counter() - started)
        found = len(claimed)
        for subscription in claimed:
            await store.release(subscription)
    p99 = statistics.quantiles(timings, n=100)[98]
    return statistics.median(timings) * 1000, p99 * 1000, found


async def measure(name: str, store: DatabaseStore, rows: list[tuple[object, ...]]) -> None:
    started = time.perf_counter()
    await store.add_rows({"subscriptions": rows})
    loaded = time.perf_counter() - started
    # Warm the connection and the statement cache.
    for subscription in await store.claim_due(START, 1, DELIVERY_LEASE):
        await store.release(subscription)
    # The day's first minute gone by: its share is due, as at any tick of a running bot
    # (earlier minutes' deliveries were planned for tomorrow when they went).
    busy = await time_due(store, START + timedelta(minutes=1))
    # A minute before the first is due: the tick finds nothing.
    quiet = await time_due(store, START - timedelta(minutes=1))
    print(f"{name}: {len(rows):,} subscriptions loaded in {loaded:.1f} s")
    print(f"  a busy minute:  median {busy[0]:.2f} ms, p99 {busy[1]:.2f} ms ({busy[2]} due)")
    print(f"  a quiet minute: median {quiet[0]:.2f} ms, p99 {quiet[1]:.2f} ms ({quiet[2]} due)")


@asynccontextmanager
async def postgres_store(server: str) -> AsyncIterator[DatabaseStore | None]:
    parts = urlsplit(server)
    try:
        socket.create_connection((parts.hostname or "localhost", parts.port or 5432), 1).close()
    except OSError:
        yield None
        return
    async with fresh_schema_at(server) as url:
        store = await PostgresStore.open(url, KEYS.check_value())
        try:
            yield store
        finally:
            await store.close()


async def run(count: int, server: str) -> None:
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    rows = subscription_rows(count)
    with tempfile.TemporaryDirectory() as folder:
        store = await SqliteStore.open(Path(folder) / DATABASE_FILE_NAME, KEYS.check_value())
        try:
            await measure("SQLite", store, rows)
        finally:
            await store.close()
    async with postgres_store(server) as postgres:
        if postgres is None:
            print(f"PostgreSQL: skipped, nothing answers at {server}")
        else:
            await measure("PostgreSQL", postgres, rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--postgres", default=LOCAL_POSTGRES, metavar="URL")
    args = parser.parse_args()
    asyncio.run(run(args.subscriptions, args.postgres))


if __name__ == "__main__":
    main()
