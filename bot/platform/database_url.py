"""DATABASE_URL: where the bot keeps its data, read into a DatabaseLocation.

Unset, the SQLite file in the data folder (the embedded default). `postgres://` and
`postgresql://` (hosts hand out both) name PostgreSQL; their parameters, such as
`sslmode=require`, go to the driver, except `prepared_statements=off`, which is ours (for
PgBouncer in transaction mode). `sqlite:///path` names a SQLite file, as SQLAlchemy writes
it: three slashes and a relative path (`sqlite:///data/x.sqlite3`), four for an absolute
one (`sqlite:////var/lib/x.sqlite3`). Nothing here, nor any message, shows a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

_ACCEPTED = "postgres://, postgresql:// or sqlite:///path"


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be used; the message is one line and never holds a password."""


@dataclass(frozen=True)
class DatabaseLocation:
    """Exactly one of a SQLite file and a PostgreSQL URL."""

    sqlite_file: Path | None = None
    postgres_url: str | None = field(default=None, repr=False)  # may hold a password
    # False behind PgBouncer in transaction mode: no prepared-statement cache.
    prepared_statements: bool = True

    @property
    def described(self) -> str:
        if self.sqlite_file is not None:
            return f"SQLite file {self.sqlite_file}"
        parts = urlsplit(self.postgres_url or "")
        port = f":{parts.port}" if parts.port else ""
        return f"PostgreSQL at {parts.hostname}{port}{parts.path}"


def parse_database_url(value: str | None) -> DatabaseLocation | None:
    """None for unset or blank (SQLite in the data folder); else where DATABASE_URL says."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    scheme = text.partition("://")[0].lower() if "://" in text else ""
    if scheme == "sqlite":
        return _sqlite(text)
    if scheme in ("postgres", "postgresql"):
        return _postgres(text)
    shown = f"a {scheme}:// URL" if scheme else "not a URL"
    raise DatabaseUrlError(f"DATABASE_URL is {shown}: use {_ACCEPTED}")


def _sqlite(text: str) -> DatabaseLocation:
    rest = text.split("://", 1)[1]
    if not rest.startswith("/") or rest.rstrip("/") == "":
        raise DatabaseUrlError(
            "DATABASE_URL names no SQLite file: write sqlite:///relative/file.sqlite3 or "
            "sqlite:////absolute/file.sqlite3"
        )
    path = unquote(rest[1:].split("?", 1)[0])
    if path.endswith("/"):
        raise DatabaseUrlError(
            "DATABASE_URL names a folder, not a SQLite file: add the file's name"
        )
    return DatabaseLocation(sqlite_file=Path(path))


def _postgres(text: str) -> DatabaseLocation:
    parts = urlsplit(text)
    try:
        _ = parts.port  # reading it checks it is a number
    except ValueError:
        raise DatabaseUrlError("DATABASE_URL's PostgreSQL port is not a number") from None
    if not parts.hostname:
        raise DatabaseUrlError("DATABASE_URL names no PostgreSQL host")
    if not parts.path.strip("/"):
        raise DatabaseUrlError("DATABASE_URL names no PostgreSQL database (after the host)")
    prepared_statements = True
    kept = []
    for key, setting in parse_qsl(parts.query, keep_blank_values=True):
        if key != "prepared_statements":
            kept.append((key, setting))
        elif setting in ("off", "on"):
            prepared_statements = setting == "on"
        else:
            raise DatabaseUrlError("DATABASE_URL's prepared_statements must be on or off")
    url = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(kept), ""))
    return DatabaseLocation(postgres_url=url, prepared_statements=prepared_statements)
