"""Where the secret lives: beside the data, a copy of the data folder opens every sealed id.
Start-up says so, and what to do, without ever saying the secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.platform.config import Settings, load_settings
from bot.platform.privacy import SECRET_FILE_NAME
from bot.startup import prepare, secret_placement_warnings

TOKEN = "123456:ABCDEFGHIJKLMNOP_qrstuv"
SECRET = "a-mounted-secret-" + "m" * 32


def settings(data: Path, **env: str) -> Settings:
    return load_settings(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "PORCHLIGHT_DATA_DIR": str(data), **env}, dotenv=None
    )


def mounted(folder: Path, text: str = SECRET) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "porchlight_secret"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def test_a_generated_secret_in_the_data_folder_is_warned_with_what_to_do(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / SECRET_FILE_NAME).write_text(SECRET + "\n", encoding="ascii")
    [warning] = secret_placement_warnings(settings(data))
    assert str(data / SECRET_FILE_NAME) in warning
    assert "anyone with a copy of the data folder can open every sealed id" in warning
    assert "set PORCHLIGHT_SECRET_FILE" in warning
    assert "back the two up apart" in warning
    assert SECRET not in warning


def test_a_secret_file_outside_the_data_folder_is_not_warned(tmp_path: Path) -> None:
    path = mounted(tmp_path / "run" / "secrets")
    assert (
        secret_placement_warnings(settings(tmp_path / "data", PORCHLIGHT_SECRET_FILE=str(path)))
        == []
    )


def test_a_secret_file_inside_the_data_folder_is_allowed_but_warned(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = mounted(data / "keys")
    loaded = settings(data, PORCHLIGHT_SECRET_FILE=str(path))
    assert loaded.secret == SECRET
    [warning] = secret_placement_warnings(loaded)
    assert f"PORCHLIGHT_SECRET_FILE {path} is inside the data folder" in warning
    assert "keep the file outside it" in warning
    assert SECRET not in warning


@pytest.mark.parametrize("source", ["PORCHLIGHT_SECRET", "PORCHLIGHT_SECRET_FILE"])
def test_a_generated_secret_left_behind_is_warned_until_deleted(
    tmp_path: Path, source: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    left = data / SECRET_FILE_NAME
    left.write_text(SECRET + "\n", encoding="ascii")
    value = SECRET if source == "PORCHLIGHT_SECRET" else str(mounted(tmp_path / "run"))
    [warning] = secret_placement_warnings(settings(data, **{source: value}))
    assert f"{left} is still in the data folder" in warning
    assert f"comes from {source}:" in warning
    assert "delete the file" in warning
    assert SECRET not in warning
    left.unlink()
    assert secret_placement_warnings(settings(data, **{source: value})) == []


async def test_moving_the_generated_secret_out_keeps_the_data_and_ends_the_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    with caplog.at_level(logging.WARNING, logger="bot.startup"):
        first = await prepare(settings(data))
        sealed = first.services.keyring.seal(12345)
        await first.close()
    generated = data / SECRET_FILE_NAME
    logged = caplog.text
    assert "generated a new secret" in logged
    assert "set PORCHLIGHT_SECRET_FILE" in logged
    assert generated.read_text(encoding="ascii").strip() not in logged

    # What the README says to do: move the file out, point PORCHLIGHT_SECRET_FILE at it.
    outside = tmp_path / "run" / "secrets" / "porchlight"
    outside.parent.mkdir(parents=True)
    generated.rename(outside)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.startup"):
        second = await prepare(settings(data, PORCHLIGHT_SECRET_FILE=str(outside)))
        try:
            assert second.services.keyring.unseal(sealed) == 12345  # the same secret
        finally:
            await second.close()
    assert "sealed id" not in caplog.text
    assert not generated.exists()
