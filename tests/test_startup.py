"""Start-up names what is wrong with the data folder or the database in one line, and
keeps one bot per folder or database (bot/startup.py)."""

from __future__ import annotations

import dataclasses
import errno
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.platform.config import Settings
from bot.platform.database_url import parse_database_url
from bot.platform.datalock import DataFolderLock
from bot.platform.store import DATABASE_FILE_NAME, Subscription
from bot.startup import StartupError, prepare
from tests.store_backends import fresh_postgres

SECRET = "a secret given as a host would give it, long enough"


async def test_a_read_only_data_folder_is_named_for_what_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()

    def read_only(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    # As on a volume mounted read-only (root would pass a permission check anyway).
    monkeypatch.setattr(Path, "chmod", read_only)
    monkeypatch.setattr(DataFolderLock, "acquire", read_only)
    settings = Settings(
        token="1:abc", base_url="http://127.0.0.1:9/bot", data_dir=data, secret=None,
        region=None, log_level="INFO",
    )  # fmt: skip
    with pytest.raises(StartupError, match=r"is not writable \(Read-only file system\)"):
        await prepare(settings)


async def test_a_lost_database_is_not_replaced_silently(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    settings = Settings(
        token="1:abc", base_url="http://127.0.0.1:9/bot", data_dir=data, secret=None,
        region=None, log_level="INFO",
    )  # fmt: skip
    await (await prepare(settings)).close()
    assert "holds no database" not in caplog.text  # a first start
    (data / DATABASE_FILE_NAME).unlink()
    await (await prepare(settings)).close()
    assert "holds no database although its secret is from an earlier start" in caplog.text


def settings_with(data: Path, database: str, secret: str | None = None) -> Settings:
    return Settings(
        token="1:abc", base_url="http://127.0.0.1:9/bot", data_dir=data, secret=secret,
        region=None, log_level="INFO", database=parse_database_url(database),
    )  # fmt: skip


async def test_a_named_sqlite_file_is_used_and_its_folder_locked(tmp_path: Path) -> None:
    data, elsewhere = tmp_path / "data", tmp_path / "db"
    settings = settings_with(data, f"sqlite:///{elsewhere / 'porchlight.sqlite3'}")
    prepared = await prepare(settings)
    try:
        assert (elsewhere / "porchlight.sqlite3").is_file()
        assert not (data / DATABASE_FILE_NAME).exists()
        # A second bot with its own data folder but the same file refuses to start.
        other = settings_with(tmp_path / "other", f"sqlite:///{elsewhere / 'porchlight.sqlite3'}")
        with pytest.raises(StartupError, match="already running"):
            await prepare(other)
    finally:
        await prepared.close()


async def test_one_bot_per_postgres_database(tmp_path: Path) -> None:
    async with fresh_postgres() as url:
        first = await prepare(settings_with(tmp_path / "a", url, secret=SECRET))
        try:
            with pytest.raises(StartupError, match="already running on PostgreSQL"):
                await prepare(settings_with(tmp_path / "b", url, secret=SECRET))
        finally:
            await first.close()
        # Its lock goes with it: the next deploy starts.
        await (await prepare(settings_with(tmp_path / "c", url, secret=SECRET))).close()
        assert not any(tmp_path.iterdir()), "nothing is kept in a data folder"


async def test_instances_side_by_side_share_a_database_and_a_lone_bot_never_joins(
    tmp_path: Path,
) -> None:
    """Webhook instances with REDIS_URL (beside_others) start together; a bot that runs
    alone (polling, or without REDIS_URL) starts beside neither them nor another, and each
    refusal says who is in the way."""
    async with fresh_postgres() as url:
        first = await prepare(settings_with(tmp_path / "a", url, SECRET), beside_others=True)
        second = await prepare(settings_with(tmp_path / "b", url, SECRET), beside_others=True)
        try:
            with pytest.raises(StartupError, match="as instances side by side") as refused:
                await prepare(settings_with(tmp_path / "c", url, SECRET))
            assert "stop them first, or run it as they run" in str(refused.value)
        finally:
            await first.close()
            await second.close()
        alone = await prepare(settings_with(tmp_path / "d", url, SECRET))
        try:
            with pytest.raises(StartupError, match="already running on PostgreSQL") as refused:
                await prepare(settings_with(tmp_path / "e", url, SECRET), beside_others=True)
            assert "only webhook instances with REDIS_URL run side by side" in str(refused.value)
        finally:
            await alone.close()


async def test_only_a_bot_alone_takes_over_deliveries_left_claimed(tmp_path: Path) -> None:
    """Beside others a claim may be one of theirs, at work: it waits for its lease."""
    async with fresh_postgres() as url:
        first = await prepare(settings_with(tmp_path / "a", url, SECRET), beside_others=True)
        store, keyring = first.services.store, first.services.keyring
        try:
            due = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)
            chat = keyring.pseudonym(4242)
            sealed = keyring.seal(4242)
            await store.subscribe(
                Subscription(chat, "reflection", None, sealed, 420, "UTC", None, due), due
            )
            assert len(await store.claim_due(due, 10, timedelta(minutes=10))) == 1
            beside = await prepare(settings_with(tmp_path / "b", url, SECRET), beside_others=True)
            await beside.close()
            assert await store.claim_due(due, 10, timedelta(minutes=10)) == []
        finally:
            await first.close()
        await (await prepare(settings_with(tmp_path / "c", url, SECRET))).close()
        again = await prepare(settings_with(tmp_path / "d", url, SECRET))
        try:
            assert len(await again.services.store.claim_due(due, 10, timedelta(minutes=10))) == 1
        finally:
            await again.close()


async def test_an_unreachable_postgres_is_one_line(tmp_path: Path) -> None:
    url = "postgresql://porchlight:hunter2-secret@127.0.0.1:9/porchlight"
    with pytest.raises(StartupError, match="cannot be reached") as refused:
        await prepare(settings_with(tmp_path / "data", url, secret=SECRET))
    assert "hunter2" not in str(refused.value)


async def test_an_unreachable_redis_is_one_line_and_keeps_nothing_locked(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        settings_with(tmp_path / "data", "", secret=SECRET),
        redis_url="redis://:hunter2-secret@127.0.0.1:9/0",
    )
    with pytest.raises(StartupError) as refused:
        await prepare(settings)
    assert str(refused.value).startswith("REDIS_URL: Redis at 127.0.0.1:9/0 does not answer")
    assert "hunter2" not in str(refused.value)
    # The data folder's lock went with the failed start: the next one starts.
    settings = dataclasses.replace(settings, redis_url=None)
    await (await prepare(settings)).close()
