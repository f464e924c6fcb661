"""Keyed pseudonyms and sealed identifiers: the only forms in which Telegram ids are kept.

A plain hash of a Telegram id is not anonymous (the id space is small enough to enumerate),
so every pseudonym is an HMAC under a key derived from the operator's secret. A sealed id
is the one identifier we must keep to deliver something: the chat id, encrypted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NewType

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

Pseudonym = NewType("Pseudonym", str)
SealedId = NewType("SealedId", str)
SealedDate = NewType("SealedDate", str)

SECRET_FILE_NAME = "secret"  # noqa: S105 - a file name, not a secret
_NONCE_BYTES = 12


class SealError(Exception):
    """A sealed id was altered, or sealed under another secret."""


def _derive(secret: bytes, purpose: str) -> bytes:
    """One independent 32-byte key per purpose, so no key is ever used for two jobs."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"porchlight-v1", info=purpose.encode()
    ).derive(secret)


@dataclass(frozen=True)
class Keyring:
    """Every key Porchlight uses, derived from the one secret."""

    pseudonym_key: bytes
    seal_key: bytes
    callback_key: bytes
    check_key: bytes
    webhook_key: bytes
    shared_key: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> Keyring:
        return cls(
            pseudonym_key=_derive(secret, "pseudonym"),
            seal_key=_derive(secret, "seal"),
            callback_key=_derive(secret, "callback"),
            check_key=_derive(secret, "check"),
            webhook_key=_derive(secret, "webhook"),
            shared_key=_derive(secret, "shared"),
        )

    def pseudonym(self, telegram_id: int) -> Pseudonym:
        """The stable keyed pseudonym of a user or chat id."""
        digest = hmac.new(self.pseudonym_key, b"id:%d" % telegram_id, hashlib.sha256)
        return Pseudonym(digest.hexdigest()[:32])

    def seal(self, chat_id: int) -> SealedId:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.seal_key).encrypt(nonce, struct.pack(">q", chat_id), b"chat")
        return SealedId(base64.urlsafe_b64encode(nonce + sealed).decode("ascii"))

    def unseal(self, sealed: SealedId) -> int:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
            plain = AESGCM(self.seal_key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], b"chat")
        except (InvalidTag, ValueError) as error:
            raise SealError("sealed id cannot be opened with this secret") from error
        (chat_id,) = struct.unpack(">q", plain)
        return int(chat_id)

    def seal_date(self, day: date) -> SealedDate:
        """A date a member chose to keep (/days), encrypted as a chat id is, but never
        mistakable for one (its own associated data)."""
        nonce = os.urandom(_NONCE_BYTES)
        plain = struct.pack(">i", day.toordinal())
        sealed = AESGCM(self.seal_key).encrypt(nonce, plain, b"date")
        return SealedDate(base64.urlsafe_b64encode(nonce + sealed).decode("ascii"))

    def unseal_date(self, sealed: SealedDate) -> date:
        try:
            raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
            plain = AESGCM(self.seal_key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], b"date")
            (ordinal,) = struct.unpack(">i", plain)
            return date.fromordinal(ordinal)
        except (InvalidTag, ValueError, struct.error) as error:
            raise SealError("sealed date cannot be opened with this secret") from error

    def seal_state(self, plain: bytes) -> bytes:
        """State shared between instances (bot/platform/shared), unreadable to anyone who
        reads the shared store without the secret: Redis holds ciphertext only."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(self.shared_key).encrypt(nonce, plain, b"shared")

    def open_state(self, sealed: bytes) -> bytes:
        try:
            return AESGCM(self.shared_key).decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], b"shared"
            )
        except (InvalidTag, ValueError) as error:
            raise SealError("shared state cannot be opened with this secret") from error

    def shared_name(self, name: str) -> str:
        """What shared state calls a record whose own name holds pseudonyms: a keyed
        digest, so not even which pseudonyms have records can be read there."""
        digest = hmac.new(self.shared_key, b"name:" + name.encode("utf-8"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def webhook_token(self) -> str:
        """The secret Telegram sends with each webhook request: the same in every instance
        run with this secret, so any of them may set the webhook without locking out the
        rest. 43 of the characters Telegram allows (A-Z, a-z, 0-9, _ and -)."""
        return base64.urlsafe_b64encode(self.webhook_key).decode("ascii").rstrip("=")

    def check_value(self) -> str:
        """Stored beside the data, so a changed secret is caught at start, not as garbage."""
        return hmac.new(self.check_key, b"porchlight-secret-check", hashlib.sha256).hexdigest()


def load_or_create_secret(data_dir: Path, configured: str | None) -> tuple[bytes, bool]:
    """The configured secret (PORCHLIGHT_SECRET, or the file PORCHLIGHT_SECRET_FILE names),
    else the one in the data folder, created on first run.

    Returns the secret and whether it was just created (the caller says once that it
    must be backed up).
    """
    if configured is not None:
        return configured.encode("utf-8"), False
    path = data_dir / SECRET_FILE_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = path.read_text(encoding="ascii").strip()
        if not value:
            raise SecretFileError(f"the secret file {path} is empty") from None
        return value.encode("ascii"), False
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value.encode("ascii"), True


class SecretFileError(Exception):
    """The secret file exists but cannot be used."""
