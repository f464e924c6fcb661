"""Two real `python -m bot --webhook` processes on one PostgreSQL and one Redis, behind a
load balancer (tests/balancer.py): both answer, an update Telegram sends twice is answered
once, dailies due at start and one due while both run go out once each, and a peer chat
started through them goes on after one of them is killed with SIGKILL."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.delivery.deliver import REFLECTION
from bot.platform.privacy import Keyring
from bot.platform.store import PostgresStore, Subscription
from bot.plumbing.webhook import SECRET_HEADER
from bot.sim import BotApiSimulator, SimUser
from tests.balancer import Balancer
from tests.peer_helpers import bot_says, connect, press
from tests.shared_backends import delete_namespace, require_redis
from tests.store_backends import fresh_postgres
from tests.test_e2e_webhook import free_port, help_command, helps_to
from tests.test_process import bot_env, finish, start_bot

DAILIES = 6


async def subscribe_due_now(
    url: str, keys: Keyring, members: list[SimUser], *, later: timedelta = timedelta(0)
) -> None:
    """Dailies for members, due now (or later than now by so much), written into the
    database as /daily would have written them."""
    now = datetime.now(UTC) + later
    store = await PostgresStore.open(url, keys.check_value())
    try:
        for member in members:
            await store.subscribe(
                Subscription(
                    keys.pseudonym(member.id),
                    REFLECTION,
                    None,
                    keys.seal(member.id),
                    now.hour * 60 + now.minute,
                    "UTC",
                    None,
                    now,
                ),
                now,
            )
    finally:
        await store.close()


def dailies_sent(sim: BotApiSimulator) -> Counter[int]:
    return Counter(
        int(call.params["chat_id"])
        for call in sim.calls_to("sendMessage")
        if call.status == 200 and "For today:" in str(call.params.get("text", ""))
    )


async def post_twice(ports: list[int], update: dict[str, object], token: str) -> list[int]:
    """The same update to both instances at once, as Telegram retrying would; a 503 (the
    other is processing it) is tried again, as Telegram would."""

    async def post(port: int) -> int:
        url = f"http://127.0.0.1:{port}/telegram"
        async with aiohttp.ClientSession() as session:
            for _ in range(20):
                async with session.post(url, json=update, headers={SECRET_HEADER: token}) as got:
                    if got.status != 503:
                        return got.status
                await asyncio.sleep(0.25)
        return 503

    return list(await asyncio.gather(*(post(port) for port in ports)))


async def test_two_processes_answer_once_deliver_once_and_outlive_a_kill(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    redis_url = require_redis()
    secret = f"two processes' own secret, {secrets.token_hex(16)}"
    keys = Keyring.from_secret(secret.encode())
    ports = [free_port(), free_port()]
    balancer = Balancer([f"http://127.0.0.1:{port}/telegram" for port in ports])
    webhook_url = await balancer.start(free_port())
    async with fresh_postgres() as database_url:
        readers = [sim.add_user(f"Reader {n}", started=True) for n in range(DAILIES)]
        await subscribe_due_now(database_url, keys, readers)
        envs = [
            bot_env(
                tmp_path / f"instance-{n}",
                TELEGRAM_BOT_TOKEN=sim.token,
                TELEGRAM_API_BASE_URL=sim.base_url,
                DATABASE_URL=database_url,
                REDIS_URL=redis_url,
                PORCHLIGHT_SECRET=secret,
                PORCHLIGHT_WEBHOOK_URL=webhook_url,
                PORCHLIGHT_WEBHOOK_LISTEN="127.0.0.1",
                PORCHLIGHT_WEBHOOK_PORT=str(port),
                PORCHLIGHT_LISTENERS="open",
            )
            for n, port in enumerate(ports)
        ]
        processes = [await start_bot(env, "--webhook", cwd=tmp_path) for env in envs]
        try:
            await sim.wait_for(lambda: len(sim.calls_to("getWebhookInfo")) >= 2, timeout=60)
            assert len(sim.calls_to("setWebhook")) == 1  # the first to look set it
            # Each daily due at start goes out once, though both instances tick; so does
            # one due while both are running, at whichever tick comes first.
            await sim.wait_for(lambda: len(dailies_sent(sim)) == DAILIES, timeout=30)
            late_reader = sim.add_user("Late Reader", started=True)
            await subscribe_due_now(database_url, keys, [late_reader], later=timedelta(seconds=5))
            # An update sent twice, to each instance: answered once.
            asker = sim.add_user("Asker", started=True)
            update = help_command(asker, update_id=990001, message_id=2)
            statuses = await post_twice(ports, update, keys.webhook_token())
            assert statuses == [200, 200]
            # A peer chat, its messages spread over both instances.
            listener = sim.add_user("Lis", started=True)
            member = sim.add_user("Mem", started=True)
            sim.send_text(listener, "/listen")
            guide = await bot_says(sim, sim.private_chat(listener), "Listening, in six lines")
            press(sim, listener, guide, "I'll listen this way")
            await bot_says(sim, sim.private_chat(listener), "on shift", timeout=15)
            await connect(sim, member, listener)
            for turn in range(4):
                writer, reader = (member, listener) if turn % 2 == 0 else (listener, member)
                sim.send_text(writer, f"before the kill, number {turn}")
                await bot_says(sim, sim.private_chat(reader), f"number {turn}", timeout=15)
            assert all(balancer.served[backend] > 3 for backend in balancer.backends)
            # One instance dies at once; the other carries the chat on.
            processes[0].kill()
            await processes[0].wait()
            killed_at = time.monotonic()
            sim.send_text(member, "are you still there?")
            await bot_says(sim, sim.private_chat(listener), "still there?", timeout=40)
            recovered_in = time.monotonic() - killed_at
            sim.send_text(listener, "yes, right here")
            await bot_says(sim, sim.private_chat(member), "right here", timeout=15)
            print(f"a chat went on {recovered_in:.2f} s after its instance was killed")
            sim.send_text(member, "/end")
            await bot_says(sim, sim.private_chat(listener), "ended the chat", timeout=15)
            assert helps_to(sim, asker) == 1
            await sim.wait_for(lambda: late_reader.id in dailies_sent(sim), timeout=60)
            assert set(dailies_sent(sim).values()) == {1}
            assert len(dailies_sent(sim)) == DAILIES + 1
            assert not any(
                "your peer chat ended" in (m.text or "")
                for person in (member, listener)
                for m in sim.messages(sim.private_chat(person))
            )
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            results = [await finish(process) for process in processes]
            await balancer.stop()
            await delete_namespace(redis_url, keys.check_value()[:16])
        code, _, err = results[1]
        assert code == 0, err
        assert "Traceback" not in err
