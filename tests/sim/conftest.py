from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot

from bot.sim import BotApiSimulator


@pytest.fixture
async def sim() -> AsyncIterator[BotApiSimulator]:
    async with BotApiSimulator() as simulator:
        yield simulator


@pytest.fixture
async def bot(sim: BotApiSimulator) -> AsyncIterator[Bot]:
    async with Bot(sim.token, base_url=sim.base_url) as telegram_bot:
        yield telegram_bot


@pytest.fixture
async def http(sim: BotApiSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """A raw HTTP client whose relative URLs are Bot API method names."""
    async with httpx.AsyncClient(base_url=f"{sim.base_url}{sim.token}/") as client:
        yield client
