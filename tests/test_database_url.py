"""DATABASE_URL read into where the bot keeps its data (bot/platform/database_url.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.platform.config import ConfigError, load_settings
from bot.platform.database_url import DatabaseUrlError, parse_database_url

PASSWORD = "hunter2-s3cret"


@pytest.mark.parametrize("unset", [None, "", "   "])
def test_unset_means_sqlite_in_the_data_folder(unset: str | None) -> None:
    assert parse_database_url(unset) is None


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "POSTGRES"])
def test_both_schemes_hosts_hand_out_name_postgres(scheme: str) -> None:
    found = parse_database_url(f"{scheme}://bot:{PASSWORD}@db.example.org:6543/porchlight")
    assert found is not None
    assert found.postgres_url == f"postgresql://bot:{PASSWORD}@db.example.org:6543/porchlight"
    assert found.sqlite_file is None
    assert found.prepared_statements
    assert found.described == "PostgreSQL at db.example.org:6543/porchlight"
    assert PASSWORD not in repr(found)


def test_the_driver_s_parameters_pass_and_ours_is_taken_out() -> None:
    found = parse_database_url(
        "postgres://u:p@db/porchlight?sslmode=require&prepared_statements=off&application_name=x"
    )
    assert found is not None
    assert found.postgres_url == "postgresql://u:p@db/porchlight?sslmode=require&application_name=x"
    assert not found.prepared_statements
    on = parse_database_url("postgres://db/porchlight?prepared_statements=on")
    assert on is not None
    assert on.prepared_statements


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///data/porchlight.sqlite3", Path("data/porchlight.sqlite3")),
        ("sqlite:////var/lib/porchlight/db.sqlite3", Path("/var/lib/porchlight/db.sqlite3")),
        ("sqlite:///my%20bot/db.sqlite3", Path("my bot/db.sqlite3")),
    ],
)
def test_sqlite_urls_name_a_file_relative_or_absolute(url: str, path: Path) -> None:
    found = parse_database_url(url)
    assert found is not None
    assert found.sqlite_file == path
    assert found.postgres_url is None
    assert found.described == f"SQLite file {path}"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"mysql://bot:{PASSWORD}@db/porchlight", "a mysql:// URL"),
        (f"bot:{PASSWORD}@db/porchlight", "not a URL"),
        ("sqlite://", "names no SQLite file"),
        ("sqlite:///", "names no SQLite file"),
        ("sqlite:///data/", "names a folder"),
        (f"postgres://bot:{PASSWORD}@/porchlight", "no PostgreSQL host"),
        (f"postgres://bot:{PASSWORD}@db.example.org", "no PostgreSQL database"),
        (f"postgres://bot:{PASSWORD}@db.example.org:port/x", "port is not a number"),
        (f"postgres://bot:{PASSWORD}@db/x?prepared_statements=maybe", "must be on or off"),
    ],
)
def test_a_wrong_url_is_one_kind_line_without_the_password(url: str, says: str) -> None:
    with pytest.raises(DatabaseUrlError, match=says) as refused:
        parse_database_url(url)
    message = str(refused.value)
    assert PASSWORD not in message
    assert "\n" not in message


def test_database_url_reaches_the_settings(tmp_path: Path) -> None:
    environ = {
        "DATABASE_URL": "postgres://db.example.org/porchlight",
        "PORCHLIGHT_SECRET": "s" * 40,
    }
    settings = load_settings(environ, require_token=False, dotenv=tmp_path / ".env")
    assert settings.database is not None
    assert settings.database.postgres_url == "postgresql://db.example.org/porchlight"
    assert load_settings({}, require_token=False, dotenv=tmp_path / ".env").database is None
    with pytest.raises(ConfigError, match="DATABASE_URL is a mysql:// URL"):
        load_settings(
            {"DATABASE_URL": "mysql://db/x"}, require_token=False, dotenv=tmp_path / ".env"
        )
