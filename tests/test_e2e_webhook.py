"""Webhook mode: the real Application behind our aiohttp server, fed by the simulator."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.app import build_application
from bot.platform.database_url import parse_database_url
from bot.platform.shared import MemoryState, SharedStateError
from bot.platform.store import DATABASE_FILE_NAME, Claim
from bot.plumbing.bounded_server import ConnectionLimits
from bot.plumbing.runner import run_polling, run_webhook
from bot.safety.assessor import Assessor
from bot.sim import BotApiSimulator, SimUser
from bot.startup import Prepared, prepare
from tests.conftest import POSTGRES_SECRET, MovableClock, make_settings
from tests.test_e2e_foundation import say

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def help_command(member: SimUser, update_id: int, message_id: int) -> dict[str, object]:
    """A raw update carrying /help from member, as Telegram would post it."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "date": 0,
            "text": "/help",
            "chat": {"id": member.id, "type": "private"},
            "from": {"id": member.id, "is_bot": False, "first_name": member.first_name},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass
class Hook:
    sim: BotApiSimulator
    prepared: Prepared
    url: str
    port: int
    stop: asyncio.Event
    task: asyncio.Task[object]

    @property
    def secret(self) -> str:
        assert self.sim.webhook is not None
        return str(self.sim.webhook["secret_token"])


async def start_webhook(
    sim: BotApiSimulator,
    data_dir: Path,
    prepared: Prepared | None = None,
    limits: ConnectionLimits | None = None,
    postgres_url: str | None = None,
) -> Hook:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    on_postgres: dict[str, object] = {}
    if postgres_url is not None:
        on_postgres = {"database": parse_database_url(postgres_url), "secret": POSTGRES_SECRET}
    settings = dataclasses.replace(
        make_settings(sim, data_dir, **on_postgres),
        webhook_url=url,
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    prepared = prepared or await prepare(settings, clock=MovableClock())
    app = build_application(prepared.services)
    stop = asyncio.Event()
    serving = run_webhook(app, stop, settings, limits=limits)
    set_before = len(sim.calls_to("setWebhook"))
    task: asyncio.Task[object] = asyncio.create_task(serving)
    # Set once the server listens (an earlier instance's webhook may still be set).
    await sim.wait_for(lambda: len(sim.calls_to("setWebhook")) > set_before, timeout=10)
    return Hook(sim, prepared, url, port, stop, task)


async def stop_webhook(running: Hook) -> None:
    running.stop.set()
    await asyncio.wait_for(running.task, timeout=15)
    await running.prepared.close()


@pytest.fixture
async def hook(sim: BotApiSimulator, tmp_path: Path) -> AsyncIterator[Hook]:
    running = await start_webhook(sim, tmp_path / "data")
    try:
        yield running
    finally:
        await stop_webhook(running)


async def test_the_bot_answers_through_its_webhook(hook: Hook) -> None:
    sim = hook.sim
    setting = sim.calls_to("setWebhook")[-1].params
    assert setting["url"] == hook.url
    assert len(setting["secret_token"]) >= 32
    assert setting.get("drop_pending_updates") in (None, False)
    member = sim.add_user("Ines")
    reply = await say(sim, member, "/start")
    assert "Porchlight" in reply.text
    assert sim.calls_to("getUpdates") == []


@pytest.mark.parametrize("header", [None, "wrong-secret", ""])
async def test_a_request_without_the_secret_is_refused_and_not_processed(
    hook: Hook, header: str | None
) -> None:
    sim = hook.sim
    member = sim.add_user("Joao", started=True)
    update = help_command(member, update_id=987654, message_id=1)
    headers = {} if header is None else {SECRET_HEADER: header}
    async with (
        aiohttp.ClientSession() as session,
        session.post(hook.url, json=update, headers=headers) as answer,
    ):
        assert answer.status == 403
    probe = await say(sim, member, "/privacy")
    assert "Your privacy, in short" in probe.text
    assert [m for m in sim.messages(sim.private_chat(member)) if "What I can do" in m.text] == []


async def test_an_update_sent_twice_is_processed_once(hook: Hook) -> None:
    sim = hook.sim
    member = sim.add_user("Kemi", started=True)
    update = help_command(member, update_id=555001, message_id=7)
    async with aiohttp.ClientSession() as session:
        for _ in range(2):
            async with session.post(
                hook.url, json=update, headers={SECRET_HEADER: hook.secret}
            ) as answer:
                assert answer.status == 200
        async with session.post(
            hook.url, data=b"{not json", headers={SECRET_HEADER: hook.secret}
        ) as answer:
            assert answer.status == 200
    probe = await say(sim, member, "/privacy")
    helps = [m for m in sim.messages(sim.private_chat(member)) if "What I can do" in m.text]
    assert len(helps) == 1
    assert "Your privacy, in short" in probe.text


async def post_update(hook: Hook, update: dict[str, object]) -> aiohttp.ClientResponse:
    async with (
        aiohttp.ClientSession() as session,
        session.post(hook.url, json=update, headers={SECRET_HEADER: hook.secret}) as answer,
    ):
        await answer.read()
        return answer


def helps_to(sim: BotApiSimulator, member: SimUser) -> int:
    return len([m for m in sim.messages(sim.private_chat(member)) if "What I can do" in m.text])


async def test_every_instance_sets_the_secret_derived_from_the_operator_s(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    """Instances run with one secret agree on the webhook's, so none locks the others out."""
    tokens = []
    for _ in range(2):
        running = await start_webhook(sim, tmp_path / "data")
        tokens.append(running.secret)
        assert running.secret == running.prepared.services.keyring.webhook_token()
        await stop_webhook(running)
    assert tokens[0] == tokens[1]
    other = await start_webhook(sim, tmp_path / "another")
    try:
        assert other.secret != tokens[0]  # another data folder, another generated secret
    finally:
        await stop_webhook(other)


async def test_telegram_hears_back_once_the_update_is_answered(hook: Hook) -> None:
    """Telegram sends a chat's next update only after this answer: the reply is out first."""
    member = hook.sim.add_user("Pia", started=True)
    answer = await post_update(hook, help_command(member, update_id=556001, message_id=3))
    assert answer.status == 200
    assert helps_to(hook.sim, member) == 1


async def test_an_update_another_instance_holds_is_asked_for_again_later(
    sim: BotApiSimulator, tmp_path: Path, postgres_url: str | None
) -> None:
    running = await start_webhook(sim, tmp_path / "data", postgres_url=postgres_url)
    try:
        services = running.prepared.services
        member = sim.add_user("Quin", started=True)
        update = help_command(member, update_id=557001, message_id=4)
        # As another instance would, processing it right now.
        taken = await services.store.claim_update(557001, services.clock(), timedelta(minutes=1))
        assert taken is Claim.TAKEN
        answer = await post_update(running, update)
        assert answer.status == 503
        assert answer.headers["Retry-After"] == "5"
        await services.store.finish_update(557001, services.clock())
        assert (await post_update(running, update)).status == 200
        await asyncio.sleep(0.2)
        assert helps_to(sim, member) == 0  # the other instance answered it
    finally:
        await stop_webhook(running)


async def test_an_update_answered_before_a_restart_is_not_answered_again(
    sim: BotApiSimulator, tmp_path: Path, postgres_url: str | None
) -> None:
    member = sim.add_user("Rafa", started=True)
    update = help_command(member, update_id=558001, message_id=5)
    for _ in range(2):  # one instance, then the next on the same database
        running = await start_webhook(sim, tmp_path / "data", postgres_url=postgres_url)
        try:
            assert (await post_update(running, update)).status == 200
        finally:
            await stop_webhook(running)
    assert helps_to(sim, member) == 1


async def first_health(session: aiohttp.ClientSession, health: str) -> int:
    """The first 200 from /healthz, or the last answer (the first tick runs a second after
    start)."""
    for _ in range(60):
        async with session.get(health) as answer:
            if answer.status == 200:
                return 200
        await asyncio.sleep(0.1)
    return answer.status


async def test_healthz_follows_the_store_and_the_tick(hook: Hook) -> None:
    health = f"http://127.0.0.1:{hook.port}/healthz"
    async with aiohttp.ClientSession() as session:
        assert await first_health(session, health) == 200
        await hook.prepared.services.store.close()
        async with session.get(health) as answer:
            assert answer.status == 503


async def test_switching_from_webhook_to_polling_loses_no_update(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    running = await start_webhook(sim, tmp_path / "data")
    running.stop.set()
    await asyncio.wait_for(running.task, timeout=15)
    member = sim.add_user("Lars")
    sent = sim.send_text(member, "/start")  # the webhook is down: Telegram keeps it
    await sim.wait_for(lambda: any(status == 0 for _, status in sim.pusher.attempts), timeout=10)
    app = build_application(running.prepared.services)
    stop = asyncio.Event()
    polling = asyncio.create_task(run_polling(app, stop))
    try:
        reply = await sim.next_bot_message(
            sim.private_chat(member), after=sent.message_id, timeout=10
        )
        assert "Porchlight" in reply.text
        assert sim.webhook is None
    finally:
        stop.set()
        await asyncio.wait_for(polling, timeout=15)
        await running.prepared.close()


async def test_healthz_says_degraded_when_the_crisis_model_is_off(hook: Hook) -> None:
    """The bot still serves, on its rules alone, and says so to whoever watches it."""
    health = f"http://127.0.0.1:{hook.port}/healthz"
    services = hook.prepared.services
    await services.assessor.close()
    services.assessor = Assessor(None, "classifier.json cannot be read")
    async with aiohttp.ClientSession() as session:
        for _ in range(60):  # the first tick runs a second after start
            async with session.get(health) as answer:
                body = await answer.text()
                if answer.status == 200:
                    break
            await asyncio.sleep(0.1)
    assert answer.status == 200
    assert body.startswith("degraded: crisis model off (classifier.json cannot be read)")
    member = hook.sim.add_user("Ola", started=True)
    answer_to = await say(hook.sim, member, "i want to kill myself tonight")
    assert answer_to.text.startswith("I'm really glad you told me")


class UnreachableRedis(MemoryState):
    """Shared state for instances side by side, whose Redis stopped answering."""

    spans_instances = True
    described = "Redis at 127.0.0.1:9"

    async def get(self, key: str) -> str | None:
        raise SharedStateError("Redis at 127.0.0.1:9 cannot be reached")


async def test_healthz_says_degraded_when_shared_state_is_out_of_reach(hook: Hook) -> None:
    """Degraded, not unhealthy: every instance shares the one Redis, and a load balancer
    that took them all out would answer no crisis at all."""
    health = f"http://127.0.0.1:{hook.port}/healthz"
    hook.prepared.services.shared = UnreachableRedis()
    async with aiohttp.ClientSession() as session:
        assert await first_health(session, health) == 200
        async with session.get(health) as answer:
            body = await answer.text()
    assert body == "degraded: shared state out of reach (Redis at 127.0.0.1:9)\n"


async def test_a_database_deleted_under_the_bot_is_unhealthy_and_takes_no_writes(
    hook: Hook,
) -> None:
    sim = hook.sim
    health = f"http://127.0.0.1:{hook.port}/healthz"
    async with aiohttp.ClientSession() as session:
        assert await first_health(session, health) == 200
        data_dir = hook.prepared.services.settings.data_dir
        for path in data_dir.glob(f"{DATABASE_FILE_NAME}*"):
            path.unlink()
        async with session.get(health) as answer:
            assert answer.status == 503
    member = sim.add_user("Mira", started=True)
    answer = await say(sim, member, "/daily 07:30")
    assert "Done" not in answer.text
    assert not (data_dir / DATABASE_FILE_NAME).exists()


async def test_idle_half_open_connections_cannot_keep_telegram_out(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    """Twice as many half-open connections as the server allows: the oldest make room for
    Telegram's, and every one is closed at its deadline instead of holding a file open."""
    limits = ConnectionLimits(max_connections=6, request_seconds=2.0)
    running = await start_webhook(sim, tmp_path / "data", limits=limits)
    try:
        assert sim.calls_to("setWebhook")[-1].params["max_connections"] == 40
        idle = []
        for _ in range(12):
            reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
            writer.write(b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Telegram-Bot")
            await writer.drain()
            idle.append((reader, writer))
        member = sim.add_user("Noor", started=True)
        reply = await say(sim, member, "/help")
        assert "What I can do" in reply.text
        for reader, writer in idle:
            try:
                # The timeout only keeps a broken test from hanging; the server closes first.
                assert await asyncio.wait_for(reader.read(), 15) == b""
            except ConnectionResetError:
                pass
            finally:
                writer.close()
    finally:
        await stop_webhook(running)
