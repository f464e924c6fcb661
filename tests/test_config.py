from collections.abc import Callable
from pathlib import Path

import pytest

from bot.platform.config import ConfigError, load_settings, read_dotenv

TOKEN = "123456:ABCDEFGHIJKLMNOP_qrstuv"


def settings(**env: str):
    return load_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **env}, dotenv=None)


def test_defaults() -> None:
    loaded = settings()
    assert loaded.base_url == "https://api.telegram.org/bot"
    assert loaded.base_file_url == "https://api.telegram.org/file/bot"
    assert loaded.data_dir == Path("data")
    assert loaded.region is None
    assert loaded.log_level == "INFO"
    assert TOKEN not in repr(loaded)


def test_base_url_for_a_self_hosted_server() -> None:
    loaded = settings(TELEGRAM_API_BASE_URL="http://127.0.0.1:8081/bot")
    assert loaded.base_file_url == "http://127.0.0.1:8081/file/bot"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x/bot"}, "TELEGRAM_API_BASE_URL"),
        ({"TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081"}, "TELEGRAM_API_BASE_URL"),
        ({"PORCHLIGHT_SECRET": "short"}, "PORCHLIGHT_SECRET"),
        ({"PORCHLIGHT_REGION": "USA"}, "PORCHLIGHT_REGION"),
        ({"PORCHLIGHT_LOG_LEVEL": "LOUD"}, "PORCHLIGHT_LOG_LEVEL"),
    ],
)
def test_each_bad_value_is_one_line_naming_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**env)
    assert names in str(raised.value)
    assert "\n" not in str(raised.value)


def test_demo_needs_no_token() -> None:
    assert load_settings({}, dotenv=None, require_token=False).token == ""


def test_region_is_normalised() -> None:
    assert settings(PORCHLIGHT_REGION="gb").region == "GB"


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"# comment\nexport TELEGRAM_BOT_TOKEN='{TOKEN}'\nPORCHLIGHT_REGION=AU\n\n",
        encoding="utf-8",
    )
    assert read_dotenv(dotenv)["TELEGRAM_BOT_TOKEN"] == TOKEN
    loaded = load_settings({"PORCHLIGHT_REGION": "NZ"}, dotenv=dotenv)
    assert loaded.token == TOKEN
    assert loaded.region == "NZ"


def test_malformed_dotenv_line_is_reported(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("JUST_A_WORD\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 1"):
        read_dotenv(dotenv)


SECRET = "a-mounted-secret-" + "m" * 32


def test_the_secret_can_come_from_a_file_of_its_own(tmp_path: Path) -> None:
    mounted = tmp_path / "porchlight_secret"
    mounted.write_text(SECRET + "\n", encoding="utf-8")  # editors and docker add a newline
    loaded = settings(PORCHLIGHT_SECRET_FILE=str(mounted))
    assert loaded.secret == SECRET
    assert loaded.secret_file == mounted
    assert SECRET not in repr(loaded)


def not_text(tmp_path: Path) -> Path:
    path = tmp_path / "binary"
    path.write_bytes(b"\xff\xfe" + bytes(range(128, 200)))
    return path


def short(tmp_path: Path) -> Path:
    path = tmp_path / "short"
    path.write_text("tooshort-but-secret-words\n", encoding="utf-8")
    return path


def empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty"
    path.write_text("\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda tmp: tmp / "nowhere" / "secret", "does not exist"),
        # A folder cannot be read as a file: what a file without read permission meets too
        # (tests run as root here, who may read anything).
        (lambda tmp: tmp, "cannot be read"),
        (not_text, "is not text"),
        (short, "too short"),
        (empty, "too short"),
    ],
)
def test_a_secret_file_that_cannot_serve_is_one_line_naming_it(
    tmp_path: Path, make: Callable[[Path], Path], says: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(ConfigError) as raised:
        settings(PORCHLIGHT_SECRET_FILE=str(path))
    message = str(raised.value)
    assert message.startswith(f"PORCHLIGHT_SECRET_FILE {path} ")
    assert says in message
    assert "\n" not in message
    assert "secret-words" not in message  # what the file holds is never repeated


def test_the_secret_and_a_secret_file_together_are_refused(tmp_path: Path) -> None:
    mounted = tmp_path / "porchlight_secret"
    mounted.write_text(SECRET, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        settings(PORCHLIGHT_SECRET="x" * 40, PORCHLIGHT_SECRET_FILE=str(mounted))
    assert "PORCHLIGHT_SECRET and PORCHLIGHT_SECRET_FILE are both set" in str(raised.value)
    assert "x" * 40 not in str(raised.value)
