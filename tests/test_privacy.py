import hashlib
import os
import stat
from pathlib import Path

import pytest

from bot.platform.privacy import Keyring, SealError, load_or_create_secret

KEYS = Keyring.from_secret(b"a test secret that is long enough for the keyring")


def test_pseudonym_is_stable_keyed_and_not_a_plain_hash() -> None:
    member = 123456789
    assert KEYS.pseudonym(member) == KEYS.pseudonym(member)
    assert KEYS.pseudonym(member) != KEYS.pseudonym(member + 1)
    other = Keyring.from_secret(b"another secret, another set of pseudonyms entirely")
    assert other.pseudonym(member) != KEYS.pseudonym(member)
    assert KEYS.pseudonym(member) not in hashlib.sha256(str(member).encode()).hexdigest()
    assert str(member) not in KEYS.pseudonym(member)


def test_seal_round_trips_and_hides_the_id() -> None:
    chat = -1001234567890
    sealed = KEYS.seal(chat)
    assert KEYS.unseal(sealed) == chat
    assert str(chat) not in sealed
    assert KEYS.seal(chat) != sealed  # a fresh nonce each time: rows cannot be matched


def test_seal_rejects_tampering_and_other_secrets() -> None:
    sealed = KEYS.seal(42)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealError):
        KEYS.unseal(flipped)  # type: ignore[arg-type]
    with pytest.raises(SealError):
        Keyring.from_secret(b"some other secret of sufficient length!!").unseal(sealed)


def test_keys_are_independent_per_purpose() -> None:
    keys = {KEYS.pseudonym_key, KEYS.seal_key, KEYS.callback_key, KEYS.check_key}
    assert len(keys) == 4


def test_secret_is_generated_once_owner_only(tmp_path: Path) -> None:
    first, created = load_or_create_secret(tmp_path, None)
    assert created
    mode = stat.S_IMODE(os.stat(tmp_path / "secret").st_mode)
    assert mode == 0o600
    again, created_again = load_or_create_secret(tmp_path, None)
    assert (again, created_again) == (first, False)


def test_configured_secret_wins_and_writes_nothing(tmp_path: Path) -> None:
    secret, created = load_or_create_secret(tmp_path, "x" * 40)
    assert secret == b"x" * 40
    assert not created
    assert not (tmp_path / "secret").exists()
