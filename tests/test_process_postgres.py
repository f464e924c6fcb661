"""End to end on PostgreSQL: the real `python -m bot` process as a Heroku-style host runs
it, with DATABASE_URL in the postgres:// form such hosts hand out and a data folder that
does not outlive the process."""

from __future__ import annotations

import signal
from pathlib import Path

from bot.sim import BotApiSimulator, SimMessage, SimUser
from tests.store_backends import fresh_postgres
from tests.test_process import bot_env, finish, start_bot

SECRET = "a secret the host keeps in its settings, long enough"


async def say(sim: BotApiSimulator, member: SimUser, text: str) -> SimMessage:
    """The bot's first answer, given time for a process that is still starting."""
    sent = sim.send_text(member, text)
    return await sim.next_bot_message(sim.private_chat(member), after=sent.message_id, timeout=20)


async def test_a_wiped_host_keeps_everything_in_postgres(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    async with fresh_postgres() as url:
        heroku_style = "postgres://" + url.removeprefix("postgresql://")
        env = bot_env(
            tmp_path,
            TELEGRAM_BOT_TOKEN=sim.token,
            TELEGRAM_API_BASE_URL=sim.base_url,
            DATABASE_URL=heroku_style,
            PORCHLIGHT_SECRET=SECRET,
        )
        first = await start_bot(env, cwd=tmp_path)
        try:
            member = sim.add_user("Noor", started=True)
            zone = await say(sim, member, "/zone Asia/Tokyo")
            assert "Asia/Tokyo" in zone.text
            # A second bot on the same database, from another folder, refuses to start.
            elsewhere = dict(env, PORCHLIGHT_DATA_DIR=str(tmp_path / "other"))
            code, _, err = await finish(await start_bot(elsewhere, cwd=tmp_path))
            assert code == 2
            assert "already running on PostgreSQL" in err
        finally:
            first.send_signal(signal.SIGTERM)
            code, _, err = await finish(first)
        assert code == 0, err
        assert not (tmp_path / "data").exists()
        assert "password" not in err.lower()
        # The next deploy starts on a brand-new disk: the zone is still known.
        env["PORCHLIGHT_DATA_DIR"] = str(tmp_path / "fresh")
        second = await start_bot(env, cwd=tmp_path)
        try:
            daily = await say(sim, member, "/daily 07:00")
            assert "(Asia/Tokyo)" in daily.text
        finally:
            second.send_signal(signal.SIGTERM)
            code, _, err = await finish(second)
        assert code == 0, err


async def test_postgres_without_a_given_secret_is_refused_and_says_why(
    sim: BotApiSimulator, tmp_path: Path
) -> None:
    env = bot_env(
        tmp_path,
        TELEGRAM_BOT_TOKEN=sim.token,
        TELEGRAM_API_BASE_URL=sim.base_url,
        DATABASE_URL="postgresql://porchlight@127.0.0.1:9/porchlight",
    )
    code, _, err = await finish(await start_bot(env, cwd=tmp_path))
    assert code == 2
    assert "PORCHLIGHT_SECRET_FILE" in err
    assert "wipes it" in err
    assert len(err.strip().splitlines()) == 1
