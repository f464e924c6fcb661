"""Start-up names what is wrong with the data folder in one line (bot/startup.py)."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from bot.platform.config import Settings
from bot.platform.datalock import DataFolderLock
from bot.platform.store import DATABASE_FILE_NAME
from bot.startup import StartupError, prepare


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
