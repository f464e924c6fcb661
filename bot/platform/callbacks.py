"""Builds and checks the callback data of every button, for every feature.

Format: ``<feature>:<action>[:<arg>...]:<issued>:<signature>``, for example
``res:pick:GB:1kq3:Yf3a9Qe01bc``. ``issued`` is the hour it was made (base 36), and the
signature is a truncated HMAC over everything before it and the chat the button was sent
to, so a forged, altered, foreign (another chat's) or stale button is recognised. Nothing
is kept in memory: a restart or a second instance reads the same buttons.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_CALLBACK_BYTES = 64
DEFAULT_MAX_AGE = timedelta(days=2)
_SIGNATURE_CHARS = 11  # 64 bits of HMAC, base64url
_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")
_HOUR = 3600


class CallbackDataTooLong(ValueError):
    """A feature tried to build a button whose data would not fit Telegram's 64 bytes."""


@dataclass(frozen=True)
class CallbackData:
    feature: str
    action: str
    args: tuple[str, ...]


def _to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


class CallbackCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, payload: str, chat_id: int | None) -> str:
        scope = "inline" if chat_id is None else str(chat_id)
        digest = hmac.new(self._key, f"{scope}|{payload}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")[:_SIGNATURE_CHARS]

    def build(
        self, feature: str, action: str, *args: str, chat_id: int | None, now: datetime
    ) -> str:
        """Signed data for a button sent to chat_id (None for inline messages)."""
        for part in (feature, action, *args):
            if not _PART.match(part):
                raise ValueError(f"callback part {part!r} must be letters, digits, _ . -")
        issued = _to_base36(int(now.timestamp()) // _HOUR)
        payload = ":".join((feature, action, *args, issued))
        data = f"{payload}:{self._sign(payload, chat_id)}"
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise CallbackDataTooLong(f"{feature}:{action} data is {len(data.encode())} bytes")
        return data

    def parse(
        self,
        data: str | None,
        *,
        chat_id: int | None,
        now: datetime,
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> CallbackData | None:
        """The button's meaning, or None when it is forged, foreign, malformed or stale."""
        if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
            return None
        payload, _, signature = data.rpartition(":")
        if not hmac.compare_digest(signature, self._sign(payload, chat_id)):
            return None
        parts = payload.split(":")
        if len(parts) < 3:
            return None
        try:
            issued_hour = int(parts[-1], 36)
        except ValueError:
            return None
        age = now.timestamp() - issued_hour * _HOUR
        if age < -_HOUR or age > max_age.total_seconds() + _HOUR:
            return None
        return CallbackData(parts[0], parts[1], tuple(parts[2:-1]))
