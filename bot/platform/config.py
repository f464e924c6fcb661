"""Settings from the environment (and an optional .env file), with one-line errors."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.platform.database_url import DatabaseLocation, DatabaseUrlError, parse_database_url
from bot.platform.shared.redis_url import RedisUrlError, parse_redis_url

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_TOKEN_SHAPE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{10,}$")
_REGION_SHAPE = re.compile(r"^[A-Z]{2}$")
MIN_SECRET_LENGTH = 32
LISTENER_POLICIES = ("approved", "open")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    base_url: str
    data_dir: Path
    # The secret's text, from PORCHLIGHT_SECRET or read from PORCHLIGHT_SECRET_FILE; None
    # means the one generated into the data folder.
    secret: str | None = field(repr=False)
    region: str | None
    log_level: str
    # The one chat where /stats answers; counts only, never ids or words.
    operator_chat: int | None = None
    # The moderators' chat: listener requests and reports go there, and only there.
    moderator_chat: int | None = None
    # Who may listen: "approved" (moderators approve each) or "open" (anyone who accepts
    # the guide).
    listeners: str = "approved"
    # A folder in bot/content's format whose files overlay the shipped ones by id.
    content_dir: Path | None = None
    # Webhook mode (python -m bot --webhook): the public URL, and where to listen.
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - a webhook server listens for Telegram
    webhook_port: int = 8443
    # Where the secret was read from, when PORCHLIGHT_SECRET_FILE named a file.
    secret_file: Path | None = None
    database: DatabaseLocation | None = None
    # Where instances share their ephemeral state (REDIS_URL); None: this process's memory.
    redis_url: str | None = field(default=None, repr=False)  # may hold a password

    @property
    def base_file_url(self) -> str:
        """Telegram serves files under /file/bot<token>; a self-hosted server mirrors that."""
        return self.base_url[: -len("/bot")] + "/file/bot"


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, '#' comments, optional quotes. The real environment wins over it."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path.name} line {number} is not KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    dotenv: Path | None = Path(".env"),
    require_token: bool = True,
) -> Settings:
    """Read every setting, failing on the first bad one with a message naming the variable."""
    env: dict[str, str] = {}
    if dotenv is not None:
        env.update(read_dotenv(dotenv))
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    token = get("TELEGRAM_BOT_TOKEN")
    if token is None:
        if require_token:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather, "
                "or try the bot without one: python -m bot --demo"
            )
        token = ""
    elif not _TOKEN_SHAPE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters)"
        )

    base_url = _parse_base_url(get("TELEGRAM_API_BASE_URL") or TELEGRAM_BASE_URL)

    secret = get("PORCHLIGHT_SECRET")
    secret_file_raw = get("PORCHLIGHT_SECRET_FILE")
    secret_file = None if secret_file_raw is None else Path(secret_file_raw)
    if secret is not None and secret_file is not None:
        # Two sources could disagree; as container images do, we refuse to guess.
        raise ConfigError(
            "PORCHLIGHT_SECRET and PORCHLIGHT_SECRET_FILE are both set: keep only one "
            "(the file keeps the secret out of the environment)"
        )
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"PORCHLIGHT_SECRET is too short: use at least {MIN_SECRET_LENGTH} random characters "
            "(or leave it unset to generate one into the data folder)"
        )
    if secret_file is not None:
        secret = _read_secret_file(secret_file)

    region = get("PORCHLIGHT_REGION")
    if region is not None:
        region = region.upper()
        if not _REGION_SHAPE.match(region):
            raise ConfigError(
                "PORCHLIGHT_REGION must be a two-letter country code such as US or GB, "
                "or unset for the international list"
            )

    log_level = (get("PORCHLIGHT_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"PORCHLIGHT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")

    operator_chat = _chat_id(get, "PORCHLIGHT_OPERATOR_CHAT")
    moderator_chat = _chat_id(get, "PORCHLIGHT_MODERATOR_CHAT")
    listeners = (get("PORCHLIGHT_LISTENERS") or "approved").lower()
    if listeners not in LISTENER_POLICIES:
        raise ConfigError(
            "PORCHLIGHT_LISTENERS must be approved (moderators approve each listener) or open"
        )

    content_raw = get("PORCHLIGHT_CONTENT_DIR")
    content_dir = None if content_raw is None else Path(content_raw)
    if content_dir is not None and not content_dir.is_dir():
        raise ConfigError(f"PORCHLIGHT_CONTENT_DIR {content_dir} is not a folder")

    webhook_url = get("PORCHLIGHT_WEBHOOK_URL")
    if webhook_url is not None:
        parts = urlsplit(webhook_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or not parts.path.strip("/"):
            raise ConfigError(
                "PORCHLIGHT_WEBHOOK_URL must be the public URL Telegram posts to, with a path, "
                "e.g. https://bot.example.org/telegram"
            )
    port_text = get("PORCHLIGHT_WEBHOOK_PORT") or get("PORT") or "8443"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError("PORCHLIGHT_WEBHOOK_PORT (or PORT) must be a port number, 1-65535")

    return Settings(
        token=token,
        base_url=base_url,
        data_dir=Path(get("PORCHLIGHT_DATA_DIR") or "data"),
        secret=secret,
        region=region,
        log_level=log_level,
        operator_chat=operator_chat,
        moderator_chat=moderator_chat,
        listeners=listeners,
        content_dir=content_dir,
        webhook_url=webhook_url,
        webhook_listen=get("PORCHLIGHT_WEBHOOK_LISTEN") or "0.0.0.0",  # noqa: S104 - see above
        webhook_port=int(port_text),
        secret_file=secret_file,
        database=_database(get("DATABASE_URL")),
        redis_url=_redis(get("REDIS_URL")),
    )


def _database(value: str | None) -> DatabaseLocation | None:
    try:
        return parse_database_url(value)
    except DatabaseUrlError as error:
        raise ConfigError(str(error)) from None


def _redis(value: str | None) -> str | None:
    try:
        return parse_redis_url(value)
    except RedisUrlError as error:
        raise ConfigError(str(error)) from None


def _read_secret_file(path: Path) -> str:
    """The secret in a file of its own, as container secrets are mounted; a final newline
    (most editors and `docker secret create` add one) is not part of it."""
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"PORCHLIGHT_SECRET_FILE {path} does not exist") from None
    except UnicodeDecodeError:
        raise ConfigError(
            f"PORCHLIGHT_SECRET_FILE {path} is not text: the secret is {MIN_SECRET_LENGTH} or "
            "more random characters"
        ) from None
    except OSError as error:
        raise ConfigError(
            f"PORCHLIGHT_SECRET_FILE {path} cannot be read ({error.strerror})"
        ) from None
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"PORCHLIGHT_SECRET_FILE {path} holds too short a secret: use at least "
            f"{MIN_SECRET_LENGTH} random characters"
        )
    return secret


def _chat_id(get: Callable[[str], str | None], name: str) -> int | None:
    raw = get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"-?\d{1,20}", raw):
        raise ConfigError(f"{name} must be a numeric Telegram chat id, e.g. -1001234567890")
    return int(raw)


def _parse_base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            "TELEGRAM_API_BASE_URL must be an http(s) URL such as http://127.0.0.1:8081/bot"
        )
    if not value.endswith("/bot"):
        raise ConfigError(
            "TELEGRAM_API_BASE_URL must end with /bot (the token is appended to it), "
            "e.g. http://127.0.0.1:8081/bot"
        )
    return value


def log_level_number(settings: Settings) -> int:
    return int(logging.getLevelName(settings.log_level))
