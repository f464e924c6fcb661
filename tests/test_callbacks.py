from datetime import UTC, datetime, timedelta

import pytest

from bot.platform.callbacks import (
    MAX_CALLBACK_BYTES,
    CallbackCodec,
    CallbackData,
    CallbackDataTooLong,
)

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
CODEC = CallbackCodec(b"k" * 32)
CHAT = 4242


def test_round_trip() -> None:
    data = CODEC.build("res", "set", "GB", chat_id=CHAT, now=NOW)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert CODEC.parse(data, chat_id=CHAT, now=NOW) == CallbackData("res", "set", ("GB",))


def test_inline_messages_have_their_own_scope() -> None:
    data = CODEC.build("lib", "r", "a12", chat_id=None, now=NOW)
    assert CODEC.parse(data, chat_id=None, now=NOW) == CallbackData("lib", "r", ("a12",))
    assert CODEC.parse(data, chat_id=CHAT, now=NOW) is None


def test_forged_altered_foreign_and_stale_are_refused() -> None:
    data = CODEC.build("res", "set", "GB", chat_id=CHAT, now=NOW)
    assert CODEC.parse(data.replace(":GB:", ":US:"), chat_id=CHAT, now=NOW) is None
    assert CODEC.parse("res:set:GB", chat_id=CHAT, now=NOW) is None
    assert CODEC.parse(data, chat_id=CHAT + 1, now=NOW) is None
    assert CallbackCodec(b"o" * 32).parse(data, chat_id=CHAT, now=NOW) is None
    later = NOW + timedelta(days=3)
    assert CODEC.parse(data, chat_id=CHAT, now=later) is None
    assert CODEC.parse(data, chat_id=CHAT, now=later, max_age=timedelta(days=7)) is not None


@pytest.mark.parametrize("junk", ["", ":", "::::", "x" * 65, "é" * 40, "a:b:c:zz!:sig", None])
def test_junk_is_refused_not_raised(junk: str | None) -> None:
    assert CODEC.parse(junk, chat_id=CHAT, now=NOW) is None


def test_too_long_data_is_refused_at_build_time() -> None:
    with pytest.raises(CallbackDataTooLong):
        CODEC.build("lib", "r", "x" * 60, chat_id=CHAT, now=NOW)


def test_separator_in_an_argument_is_refused() -> None:
    with pytest.raises(ValueError, match="letters"):
        CODEC.build("lib", "r", "a:b", chat_id=CHAT, now=NOW)
