"""Shared fixtures: a real Application, polling the local Bot API simulator over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application
from bot.handlers.common import App
from bot.platform.config import Settings
from bot.plumbing.runner import run_polling
from bot.services import Services
from bot.sim import BotApiSimulator
from bot.startup import Prepared, prepare

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


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
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    @property
    def services(self) -> Services:
        return self.prepared.services

    async def restart(self) -> None:
        """Stop the bot as a host would and start it again on the same data folder."""
        self.stop.set()
        await asyncio.wait_for(self.task, timeout=15)
        await self.prepared.close()
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


@pytest.fixture
async def harness(
    sim: BotApiSimulator, tmp_path: Path, settings_overrides: dict[str, object]
) -> AsyncIterator[Harness]:
    clock = MovableClock()
    data_dir = tmp_path / "data"
    prepared = await prepare(make_settings(sim, data_dir, **settings_overrides), clock=clock)
    app = build_application(prepared.services)
    running = Harness(sim, app, prepared, clock, data_dir)
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
