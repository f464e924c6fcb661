"""End to end: the real `python -m bot` process, as an operator or a newcomer runs it."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.delivery.deliver import REFLECTION
from bot.platform.privacy import Keyring
from bot.platform.store import DATABASE_FILE_NAME, SqliteStore, Subscription
from bot.sim import BotApiSimulator
from tests.peer_helpers import bot_says, connect, press
from tests.test_e2e_foundation import say

ROOT = Path(__file__).resolve().parent.parent


def bot_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "PORCHLIGHT_")) and k not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update({"PORCHLIGHT_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"})
    env.update(values)
    return env


async def start_bot(
    env: dict[str, str], *args: str, cwd: Path = ROOT, stdin: int | None = None
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process, seconds: float = 30) -> tuple[int, str, str]:
    async with asyncio.timeout(seconds):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmn", "TELEGRAM_API_BASE_URL": "http://x"},
            "TELEGRAM_API_BASE_URL",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmn", "PORCHLIGHT_LOG_LEVEL": "chatty"},
            "PORCHLIGHT_LOG_LEVEL",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abcdefghijklmn", "PORCHLIGHT_SECRET_FILE": "/no/such"},
            "PORCHLIGHT_SECRET_FILE /no/such does not exist",
        ),
    ],
)
async def test_bad_settings_are_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], names: str
) -> None:
    # Run from an empty folder, so no developer's .env is read.
    code, _, err = await finish(await start_bot(bot_env(tmp_path, **env), cwd=tmp_path))
    assert code == 2
    assert names in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


async def test_a_token_telegram_rejects_names_the_variable(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN="999999:WRONG-token-for-this-bot",
        TELEGRAM_API_BASE_URL=sim.base_url,
    )
    code, _, err = await finish(await start_bot(env, cwd=tmp_path))
    assert code == 2
    assert "TELEGRAM_BOT_TOKEN was rejected" in err
    assert "999999:WRONG-token-for-this-bot" not in err
    assert "Traceback" not in err


async def test_the_bot_runs_answers_and_stops_cleanly_on_sigterm(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN=sim.token, TELEGRAM_API_BASE_URL=sim.base_url)
    process = await start_bot(env, cwd=tmp_path)
    try:
        member = sim.add_user("Dana")
        sent = sim.send_text(member, "/start")
        reply = await sim.next_bot_message(
            sim.private_chat(member), after=sent.message_id, timeout=20
        )
        assert "Porchlight" in reply.text

        second = await start_bot(env, cwd=tmp_path)
        code, _, err = await finish(second)
        assert code == 2
        assert "already running" in err
    finally:
        process.send_signal(signal.SIGTERM)
        code, _, err = await finish(process)
    assert code == 0, err
    assert "Traceback" not in err
    assert sim.token not in err
    assert "back it up" in err  # the generated secret is announced once
    data = tmp_path / "data"
    # ...and said, at every start, to be beside the data, with what to do about it.
    assert "set PORCHLIGHT_SECRET_FILE" in err
    assert (data / "secret").read_text(encoding="ascii").strip() not in err
    assert data.stat().st_mode & 0o777 == 0o700
    for stored in data.iterdir():
        assert stored.stat().st_mode & 0o077 == 0, f"{stored.name} is readable by others"


async def test_a_changed_secret_is_refused_at_start(sim: BotApiSimulator, tmp_path: Path) -> None:
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=sim.token,
        TELEGRAM_API_BASE_URL=sim.base_url,
        PORCHLIGHT_SECRET="first-secret-" + "a" * 30,
    )
    process = await start_bot(env, cwd=tmp_path)
    member = sim.add_user("Eli")
    sent = sim.send_text(member, "/help")
    await sim.next_bot_message(sim.private_chat(member), after=sent.message_id, timeout=20)
    process.send_signal(signal.SIGTERM)
    assert (await finish(process))[0] == 0
    env["PORCHLIGHT_SECRET"] = "second-secret-" + "b" * 30
    code, _, err = await finish(await start_bot(env, cwd=tmp_path))
    assert code == 2
    assert "different secret" in err


async def test_the_demo_runs_a_conversation_and_quits(tmp_path: Path) -> None:
    env = bot_env(tmp_path)
    del env["PORCHLIGHT_DATA_DIR"]
    process = await start_bot(env, "--demo", cwd=tmp_path, stdin=asyncio.subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(b"/start\n/resources\n:5\n:in group\n/help\n:quit\n")
    await process.stdin.drain()
    code, out, err = await finish(process, seconds=60)
    assert code == 0, err
    assert "Porchlight demo" in out
    assert "peer support, not professional care" in out
    assert "13 11 14" in out  # pressed Australia among the countries
    assert "What I can do in a group" in out
    assert "Bye." in out
    assert "Traceback" not in err
    assert not (tmp_path / "data").exists()  # the demo keeps nothing


async def test_the_demo_shows_listening_meetings_and_starts_quietly(tmp_path: Path) -> None:
    env = bot_env(tmp_path)
    del env["PORCHLIGHT_DATA_DIR"]
    process = await start_bot(env, "--demo", cwd=tmp_path, stdin=asyncio.subprocess.PIPE)
    assert process.stdin is not None
    steps = (
        "/meetings\n:as Sam\n/listen\n:1\n:as Alex\n:in moderators\n:1\n:in group\n"
        "/meeting start\n:quit\n"
    )
    process.stdin.write(steps.encode())
    await process.stdin.drain()
    code, out, err = await finish(process, seconds=90)
    assert code == 0, err
    # The groups' greetings are not the first thing a newcomer reads.
    assert "Hello, everyone" not in out.split("Say /start.")[0]
    assert "Listener request from Applicant" in out  # Sam volunteered; the moderators heard
    assert "approved you as a peer listener" in out  # Alex approved in the moderators' chat
    assert "Open discussion has started" in out  # Alex chairs Evening Group
    # Evening Group's listed meeting, 40 minutes or so after the demo starts.
    assert re.search(r"in 4\d min: Evening meeting \(Open discussion\)", out)
    assert "[1] Join: Evening meeting" in out
    assert "Traceback" not in err


async def test_webhook_mode_without_a_url_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN="123:abcdefghijklmn")
    code, _, err = await finish(await start_bot(env, "--webhook", cwd=tmp_path))
    assert code == 2
    assert "PORCHLIGHT_WEBHOOK_URL" in err
    assert len(err.strip().splitlines()) == 1


async def test_sigkill_mid_delivery_loses_nothing_and_repeats_at_most_one(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    secret = "restart-" + "r" * 40
    keys = Keyring.from_secret(secret.encode())
    data = tmp_path / "data"
    data.mkdir()
    members = [sim.add_user(f"M{n}", started=True) for n in range(60)]
    # Due this very minute: what is owed is worked out from the minute of the day.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    store = await SqliteStore.open(data / DATABASE_FILE_NAME, keys.check_value())
    for member in members:
        await store.subscribe(
            Subscription(
                chat=keys.pseudonym(member.id),
                kind=REFLECTION,
                thread_id=None,
                sealed_chat=keys.seal(member.id),
                minute=now.hour * 60 + now.minute,
                zone="UTC",
                last_delivered=None,
                next_due_at=now,
            ),
            now,
        )
    await store.close()

    def delivered() -> Counter[int]:
        return Counter(
            int(c.params["chat_id"])
            for c in sim.calls_to("sendMessage")
            if (c.status == 200 and "Porchlight library" in str(c.params.get("text", "")))
            or (c.status == 200 and "For today:" in str(c.params.get("text", "")))
        )

    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=sim.token,
        TELEGRAM_API_BASE_URL=sim.base_url,
        PORCHLIGHT_SECRET=secret,
    )
    first = await start_bot(env, cwd=tmp_path)
    await sim.wait_for(lambda: sum(delivered().values()) >= 15, timeout=30)
    first.kill()  # SIGKILL: no chance to tidy up
    await first.wait()
    at_kill = sum(delivered().values())
    assert at_kill < len(members), "the kill came too late to interrupt the run"

    second = await start_bot(env, cwd=tmp_path)
    try:
        await sim.wait_for(lambda: len(delivered()) == len(members), timeout=60)
    finally:
        second.send_signal(signal.SIGTERM)
        await finish(second)
    counts = delivered()
    assert set(counts) == {m.id for m in members}  # nobody lost
    assert sum(n - 1 for n in counts.values()) <= 1  # at most the one in flight at the kill


async def test_a_damaged_database_is_one_line_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "porchlight.sqlite3").write_bytes(b"not a database, whatever it once was" * 200)
    env = bot_env(tmp_path, TELEGRAM_BOT_TOKEN="123:abcdefghijklmn")
    code, _, err = await finish(await start_bot(env, cwd=tmp_path))
    assert code == 2
    assert "but no secret was given" in err  # a new secret could never read it
    assert not (data / "secret").exists()
    env["PORCHLIGHT_SECRET"] = "s" * 40
    code, _, err = await finish(await start_bot(env, cwd=tmp_path))
    assert code == 2
    assert "is damaged" in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


async def test_a_redis_that_does_not_answer_is_one_line_and_the_process_ends(
    tmp_path: Path,
) -> None:
    """With the database already open when Redis fails, the process still ends at once."""
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123:abcdefghijklmn",
        PORCHLIGHT_SECRET="s" * 40,
        REDIS_URL="redis://:hunter2@127.0.0.1:9/0",
    )
    code, _, err = await finish(await start_bot(env, cwd=tmp_path), seconds=30)
    assert code == 2
    assert err.strip().startswith("porchlight: REDIS_URL: Redis at 127.0.0.1:9/0 does not answer")
    assert "hunter2" not in err
    assert "Traceback" not in err


async def test_sigkill_mid_peer_chat_and_mid_meeting_strands_nobody(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    """A real SIGKILL while a peer chat is live and a meeting is running: after the next
    start both sides of the chat are told it ended, and the meeting asks for hands again."""
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=sim.token,
        TELEGRAM_API_BASE_URL=sim.base_url,
        PORCHLIGHT_SECRET="kill-" + "k" * 40,
        PORCHLIGHT_LISTENERS="open",
    )
    listener = sim.add_user("Lis", started=True)
    member = sim.add_user("Mem", started=True)
    chair = sim.add_user("Cha")
    group = sim.add_group("Night group", members=[member], admins=[chair], bot_is_admin=True)
    first = await start_bot(env, cwd=tmp_path)
    try:
        sim.send_text(listener, "/listen")  # the first update waits for the bot to start
        guide = await bot_says(
            sim, sim.private_chat(listener), "Listening, in six lines", timeout=30
        )
        press(sim, listener, guide, "I'll listen this way")
        await bot_says(sim, sim.private_chat(listener), "on shift", timeout=15)
        await connect(sim, member, listener)
        sim.send_text(member, "thanks for being here")
        await bot_says(sim, sim.private_chat(listener), "thanks for being here")
        opening = await say(sim, chair, "/meeting start", chat=group)
        assert "stays here" in opening.text
    finally:
        first.kill()  # SIGKILL: no chance to tell anyone
        await first.wait()
    second = await start_bot(env, cwd=tmp_path)
    try:
        await bot_says(sim, sim.private_chat(member), "your peer chat ended", timeout=30)
        await bot_says(sim, sim.private_chat(listener), "your peer chat ended")
        await bot_says(sim, group, "raise your hands again")
    finally:
        second.send_signal(signal.SIGTERM)
        code, _, _ = await finish(second)
    assert code == 0


def _read_until(fd: int, wanted: str, seen: list[str], seconds: float = 20) -> str:
    """What the terminal shows until wanted appears (the whole screen so far)."""
    deadline = time.monotonic() + seconds
    while wanted not in "".join(seen):
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} never appeared; the screen:\n{''.join(seen)}"
        ready, _, _ = select.select([fd], [], [], min(left, 0.2))
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other end closed
                break
            seen.append(chunk.decode(errors="replace"))
    return "".join(seen)


def test_the_demo_answers_a_person_typing_in_a_terminal(tmp_path: Path) -> None:
    """Through a pseudo-terminal, with pauses, each answer awaited before the next line:
    how a person meets the demo (piped input hides what a terminal shows)."""
    env = bot_env(tmp_path)
    del env["PORCHLIGHT_DATA_DIR"]
    main, side = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--demo"],
        stdin=side,
        stdout=side,
        stderr=side,
        cwd=tmp_path,
        env=env,
        close_fds=True,
    )
    os.close(side)
    seen: list[str] = []
    try:
        _read_until(main, "Say /start.", seen)
        for line, answer in (
            ("/start", "peer support, not professional care"),
            ("hello", "Hello, and welcome. I'm Porchlight, an anonymous"),
            (":2", "Take what you want and leave the rest"),
            ("i cant sleep", "Nights can be long."),
            (":quit", "Bye."),
        ):
            time.sleep(1.0)  # a person reads before typing
            os.write(main, f"{line}\n".encode())
            _read_until(main, answer, seen)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
    screen = "".join(seen)
    assert "Traceback" not in screen
    assert "RuntimeError" not in screen
