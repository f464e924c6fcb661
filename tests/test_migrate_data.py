"""python -m bot migrate-data: a deployment moves from the data folder's SQLite file to
PostgreSQL with every row, its secret checked on both sides, or not at all."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.migrate_data import MigrateError, migrate_data
from bot.platform.config import Settings
from bot.platform.datalock import DataFolderLock
from bot.platform.privacy import Keyring, load_or_create_secret
from bot.platform.store import (
    DATABASE_FILE_NAME,
    ListenerRecord,
    PostgresStore,
    SqliteStore,
    Subscription,
)
from bot.platform.store.transfer import MOVED_TABLES
from tests.store_backends import fresh_postgres
from tests.test_process import bot_env, finish, start_bot

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def settings_for(data_dir: Path, secret: str | None = None) -> Settings:
    return Settings(
        token="",
        base_url="http://unused/bot",
        data_dir=data_dir,
        secret=secret,
        region=None,
        log_level="INFO",
    )


async def a_deployment(data_dir: Path) -> Keyring:
    """A data folder as a running bot leaves it: a generated secret and some rows."""
    data_dir.mkdir()
    secret, _ = load_or_create_secret(data_dir, None)
    keys = Keyring.from_secret(secret)
    store = await SqliteStore.open(data_dir / DATABASE_FILE_NAME, keys.check_value())
    try:
        member, group = keys.pseudonym(101), keys.pseudonym(-1002)
        await store.set_zone(member, "Asia/Tokyo", NOW)
        await store.subscribe(
            Subscription(member, "reflection", None, keys.seal(101), 420, "Asia/Tokyo", None, NOW),
            NOW,
        )
        await store.subscribe(
            Subscription(group, "reflection", 5, keys.seal(-1002), 1200, "UTC", NOW.date(), NOW),
            NOW,
        )
        listener = ListenerRecord(keys.pseudonym(102), "ref102", "approved", True, keys.seal(102))
        await store.save_listener(listener, NOW)
        await store.block(member, keys.pseudonym(102), NOW)
        await store.set_crisis_posts(group, False, NOW)
        await store.count("crisis_private", NOW)
    finally:
        await store.close()
    return keys


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / DATABASE_FILE_NAME}"  # an absolute path: four slashes


async def test_every_row_moves_and_reads_the_same(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    keys = await a_deployment(data_dir)
    async with fresh_postgres() as url:
        said = await migrate_data(settings_for(data_dir), sqlite_url(data_dir), url)
        assert "moved 7 rows" in said
        assert "PORCHLIGHT_SECRET_FILE" in said  # the folder's secret must move out too
        before = await SqliteStore.open(data_dir / DATABASE_FILE_NAME, keys.check_value())
        after = await PostgresStore.open(url, keys.check_value())
        try:
            for table in MOVED_TABLES:
                assert await after.rows(table) == await before.rows(table), table
            assert await after.get_zone(keys.pseudonym(101), NOW) == "Asia/Tokyo"
        finally:
            await before.close()
            await after.close()
        # A second run finds the rows there, and moves nothing rather than mix them.
        with pytest.raises(MigrateError, match="already holds rows"):
            await migrate_data(settings_for(data_dir), sqlite_url(data_dir), url)


async def test_another_secret_moves_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await a_deployment(data_dir)
    wrong = settings_for(data_dir, secret="not the secret this deployment was made with")
    async with fresh_postgres() as url:
        with pytest.raises(MigrateError, match="different secret"):
            await migrate_data(wrong, sqlite_url(data_dir), url)


async def test_a_running_bot_is_not_moved_under_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await a_deployment(data_dir)
    running = DataFolderLock(data_dir)
    running.acquire()
    try:
        async with fresh_postgres() as url:
            with pytest.raises(MigrateError, match="already running"):
                await migrate_data(settings_for(data_dir), sqlite_url(data_dir), url)
    finally:
        running.release()


async def test_wrong_arguments_get_a_short_answer(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data")
    missing = f"sqlite:///{tmp_path / 'nothing.sqlite3'}"
    with pytest.raises(MigrateError, match="does not exist"):
        await migrate_data(settings, missing, "postgresql://db.example.org/porchlight")
    with pytest.raises(MigrateError, match="--to"):
        await migrate_data(settings, missing, "mysql://db.example.org/porchlight")
    same = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    with pytest.raises(MigrateError, match="same database"):
        await migrate_data(settings, same, same)
    (tmp_path / "a.sqlite3").touch()
    with pytest.raises(MigrateError, match="no secret"):
        await migrate_data(settings, same, f"sqlite:///{tmp_path / 'b.sqlite3'}")


async def test_the_command_moves_a_deployment(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    await a_deployment(data_dir)
    env = bot_env(tmp_path)
    async with fresh_postgres() as url:
        moving = await start_bot(
            env, "migrate-data", "--from", sqlite_url(data_dir), "--to", url, cwd=tmp_path
        )
        code, out, err = await finish(moving)
        assert code == 0, err
        assert "moved 7 rows in" in out
        again = await start_bot(
            env, "migrate-data", "--from", sqlite_url(data_dir), "--to", url, cwd=tmp_path
        )
        code, out, err = await finish(again)
        assert code == 2
        assert err.startswith("porchlight: ")
        assert len(err.strip().splitlines()) == 1
