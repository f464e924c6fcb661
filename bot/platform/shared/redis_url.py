"""REDIS_URL: where instances share their ephemeral state; unset, each keeps its own.

redis:// and rediss:// (TLS), as hosts hand them out, with a password and a database
number if need be. Nothing here, nor any message, shows a password.
"""

from __future__ import annotations

from urllib.parse import urlsplit


class RedisUrlError(ValueError):
    """REDIS_URL cannot be used; the message is one line and never holds a password."""


def parse_redis_url(value: str | None) -> str | None:
    """None for unset or blank; else the URL, checked."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    scheme = text.partition("://")[0].lower() if "://" in text else ""
    if scheme not in ("redis", "rediss"):
        shown = f"a {scheme}:// URL" if scheme else "not a URL"
        raise RedisUrlError(f"REDIS_URL is {shown}: use redis:// or rediss://")
    parts = urlsplit(text)
    try:
        _ = parts.port  # reading it checks it is a number
    except ValueError:
        raise RedisUrlError("REDIS_URL's port is not a number") from None
    if not parts.hostname:
        raise RedisUrlError("REDIS_URL names no host")
    database = parts.path.strip("/")
    if database and not database.isdigit():
        raise RedisUrlError("REDIS_URL's database (after the host) must be a number")
    return text


def described_redis(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    database = parts.path.strip("/") or "0"
    return f"Redis at {parts.hostname}{port}/{database}"
