"""The real Application polling a simulator in this process, for the benchmarks that
drive members through the simulator's driver."""

from __future__ import annotations

import asyncio
import os
import platform
import resource
import secrets
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_application
from bot.handlers.common import App
from bot.platform.config import Settings
from bot.platform.database_url import DatabaseLocation, parse_database_url
from bot.platform.logging_setup import configure_logging
from bot.plumbing.runner import run_polling
from bot.sim import BotApiSimulator
from bot.startup import Prepared, prepare
from tests.store_backends import fresh_schema_at


@asynccontextmanager
async def running_bot(
    now: datetime, *, redis_url: str | None = None
) -> AsyncIterator[tuple[BotApiSimulator, App, Prepared]]:
    """A simulator and the bot polling it, on a fresh data folder, at a fixed clock; with
    redis_url, sharing its ephemeral state there (under a namespace of its own)."""
    configure_logging("WARNING", token="")
    async with BotApiSimulator() as sim:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(
                token=sim.token,
                base_url=sim.base_url,
                data_dir=Path(folder),
                secret=f"bench-{secrets.token_hex(20)}",
                region=None,
                log_level="WARNING",
                redis_url=redis_url,
            )
            prepared = await prepare(settings, clock=lambda: now)
            app = build_application(prepared.services)
            stop = asyncio.Event()
            polling = asyncio.create_task(run_polling(app, stop))
            # PTB offers no event for "polling started"; a short poll is fine in a benchmark.
            while app.updater is None or not app.updater.running:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            try:
                yield sim, app, prepared
            finally:
                stop.set()
                await polling
                await prepared.close()


@asynccontextmanager
async def database(server: str | None) -> AsyncIterator[DatabaseLocation | None]:
    """None (SQLite in the data folder), or a throwaway PostgreSQL schema on server."""
    if server is None:
        yield None
        return
    async with fresh_schema_at(server) as url:
        yield parse_database_url(url)


def bench_settings(
    sim: BotApiSimulator, folder: str, location: DatabaseLocation | None, secret: str
) -> Settings:
    """The bot's settings against the simulator, its store in folder or at location."""
    return Settings(
        token=sim.token,
        base_url=sim.base_url,
        data_dir=Path(folder),
        secret=secret,
        region=None,
        log_level="WARNING",
        database=location,
    )


def machine() -> str:
    return f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores"


def delays_line(what: str, delays: list[float]) -> str:
    """Median, 99th percentile and slowest of delays in seconds, as milliseconds."""
    p99 = statistics.quantiles(delays, n=100, method="inclusive")[98]
    return (
        f"delay to the {what}: median {statistics.median(delays) * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms"
    )


def peak_memory() -> str:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"peak memory (bot and simulator, one process): {peak_mb:.0f} MB"
