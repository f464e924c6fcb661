"""Shared fixtures: a real Application, polling the local Bot API simulator over HTTP, on
each database: SQLite in the data folder, and PostgreSQL where a server answers (see
tests/store_backends.py; a module that needs one database overrides `backend`)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.handlers.common import App
from bot.platform.config import Settings
from bot.platform.database_url import parse_database_url
from bot.plumbing.runner import run_polling
from bot.services import Services
from bot.sim import BotApiSimulator
from bot.startup import Prepared, prepare
from tests.store_backends import dump_postgres, fresh_postgres

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
# With PostgreSQL the secret must be given: the data folder may be wiped.
POSTGRES_SECRET = "a test secret for the bot on PostgreSQL, given as a host would"


@dataclass
class MovableClock:
    """Tests move time forward instead of sleeping."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Harness:
    sim: BotApiSimulator
    app: App
    prepared: Prepared
    clock: MovableClock
    data_dir: Path
    postgres_url: str | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def services(self) -> Services:
        return self.prepared.services

    async def stored(self) -> dict[str, bytes]:
        """Everything the bot keeps, to search: each file in the data folder, and on
        PostgreSQL a dump of every row."""
        files = sorted(self.data_dir.iterdir()) if self.data_dir.exists() else []
        kept = {f"file {p.name}": p.read_bytes() for p in files if p.is_file()}
        if self.postgres_url is not None:
            kept["the PostgreSQL dump"] = await dump_postgres(self.postgres_url)
        return kept

    async def restart(self, *, wipe_data_folder: bool = False) -> None:
        """Stop the bot as a host would and start it again on the same data folder, or on
        an empty one, as hosts whose disks are wiped on each deploy start it."""
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=15)
        await self.prepared.close()
        if wipe_data_folder:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        settings = self.prepared.services.settings
        self.prepared = await prepare(settings, clock=self.clock)
        self.app = build_application(self.prepared.services)
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(run_polling(self.app, self.stop))
        await _until_polling(self, self.task)


def make_settings(sim: BotApiSimulator, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "token": sim.token,
        "base_url": sim.base_url,
        "data_dir": data_dir,
        "secret": None,
        "region": None,
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Override in a test module to run the bot with other settings."""
    return {}


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator() as simulator:
        yield simulator


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database the bot runs on in this test."""
    return str(request.param)


@pytest.fixture
async def postgres_url(backend: str) -> AsyncIterator[str | None]:
    """A fresh, empty PostgreSQL schema when the test runs on PostgreSQL, else None."""
    if backend != "postgres":
        yield None
        return
    async with fresh_postgres() as url:
        yield url


@pytest.fixture
async def harness(
    sim: BotApiSimulator,
    tmp_path: Path,
    settings_overrides: dict[str, object],
    postgres_url: str | None,
) -> AsyncIterator[Harness]:
    clock = MovableClock()
    data_dir = tmp_path / "data"
    overrides = dict(settings_overrides)
    if postgres_url is not None:
        overrides["database"] = parse_database_url(postgres_url)
        if overrides.get("secret") is None:
            overrides["secret"] = POSTGRES_SECRET
    prepared = await prepare(make_settings(sim, data_dir, **overrides), clock=clock)
    app = build_application(prepared.services)
    running = Harness(sim, app, prepared, clock, data_dir, postgres_url)
    running.task = asyncio.create_task(run_polling(app, running.stop))
    try:
        await _until_polling(running, running.task)
        yield running
    finally:
        running.stop.set()
        await asyncio.wait_for(running.task, timeout=15)
        await running.prepared.close()


async def _until_polling(running: Harness, task: asyncio.Task[None] | None) -> None:
    """Start-up is a few calls to the simulator; surface a failure in it at once."""
    assert task is not None
    for _ in range(500):
        if task.done():
            task.result()
        if running.app.updater is not None and running.app.updater.running:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError("the bot did not start polling")
