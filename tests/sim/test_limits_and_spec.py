"""Pure checks: Telegram HTML, UTF-16 lengths, documented limits and spec validation."""

import json
from pathlib import Path

import pytest

from bot.sim import limits
from bot.sim.errors import ApiError
from bot.sim.spec import ApiSpec, SpecMissingError, load_spec


def test_html_is_stripped_into_entities() -> None:
    plain, entities = limits.parse_html(
        '<b>Bold</b> &amp; <a href="https://x.org">link</a> <pre><code class="language-py">x'
        "</code></pre>"
    )
    assert plain == "Bold & link x"
    assert {"type": "bold", "offset": 0, "length": 4} in entities
    assert {"type": "text_link", "url": "https://x.org", "offset": 7, "length": 4} in entities
    assert {"type": "pre", "language": "py", "offset": 12, "length": 1} in entities


def test_html_offsets_count_utf16_units() -> None:
    _, entities = limits.parse_html("🙂 <i>hi</i>")
    assert entities == [{"type": "italic", "offset": 3, "length": 2}]


@pytest.mark.parametrize(
    "bad",
    ["<b>unclosed", "a < b", "fish & chips", "<b><i>x</b></i>", "<script>x</script>", "</b>"],
)
def test_invalid_html_is_refused(bad: str) -> None:
    with pytest.raises(ApiError, match="can't parse entities") as caught:
        limits.parse_html(bad)
    assert caught.value.status == 400


def test_spoiler_blockquote_and_emoji_tags() -> None:
    plain, entities = limits.parse_html(
        '<span class="tg-spoiler">s</span><blockquote expandable>q</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>&#33;'
    )
    assert plain == "sq👍!"
    assert [e["type"] for e in entities] == ["spoiler", "expandable_blockquote", "custom_emoji"]


def test_text_length_is_measured_in_utf16_after_parsing() -> None:
    limits.check_text("a" * 4096, None)
    limits.check_text("<b>" + "a" * 4096 + "</b>", "HTML")
    limits.check_text("🙂" * 2048, None)  # 4096 UTF-16 units
    for too_long in ("a" * 4097, "🙂" * 2048 + "a"):
        with pytest.raises(ApiError, match="message is too long"):
            limits.check_text(too_long, None)
    with pytest.raises(ApiError, match="message text is empty"):
        limits.check_text("<b> </b>", "HTML")


def test_keyboard_and_answer_limits() -> None:
    def keyboard(data: str) -> dict[str, object]:
        return {"inline_keyboard": [[{"text": "x", "callback_data": data}]]}

    limits.check_inline_keyboard(keyboard("é" * 32))  # 64 bytes
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
        limits.check_inline_keyboard(keyboard("a" * 65))
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
        limits.check_inline_keyboard(keyboard(""))
    with pytest.raises(ApiError, match="RESULTS_TOO_MUCH"):
        limits.check_inline_results([{"id": str(i)} for i in range(51)])
    with pytest.raises(ApiError, match="RESULT_ID_INVALID"):
        limits.check_inline_results([{"id": "x" * 65}])
    with pytest.raises(ApiError, match="MESSAGE_TOO_LONG"):
        limits.check_callback_answer_text("a" * 201)
    limits.check_commands([{"command": "check_in", "description": "Check in"}])
    with pytest.raises(ApiError, match="BOT_COMMAND_INVALID"):
        limits.check_commands([{"command": "CheckIn", "description": "x"}])
    with pytest.raises(ApiError, match="BOT_COMMANDS_TOO_MUCH"):
        limits.check_commands([{"command": f"c{i}", "description": "x"} for i in range(101)])


def test_spec_converts_form_values() -> None:
    spec = load_spec()
    assert isinstance(spec, ApiSpec)
    method = spec.method("SENDMESSAGE")
    assert method is not None
    params = spec.validate(
        method,
        {
            "chat_id": "-100123",
            "text": "123",
            "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
        },
    )
    assert params["chat_id"] == -100123
    assert params["text"] == "123"
    assert params["disable_notification"] is True
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"


def test_spec_rejects_buttons_without_exactly_one_action() -> None:
    spec = load_spec()
    assert spec is not None
    method = spec.method("sendMessage")
    assert method is not None
    two_actions = '{"inline_keyboard": [[{"text": "a", "callback_data": "b", "url": "u"}]]}'
    with pytest.raises(ApiError, match="exactly one"):
        spec.validate(method, {"chat_id": "1", "text": "x", "reply_markup": two_actions})
    with pytest.raises(ApiError, match="can't parse reply_markup"):
        spec.validate(method, {"chat_id": "1", "text": "x", "reply_markup": "[1, 2]"})


def test_missing_spec_is_fatal_under_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(SpecMissingError):
        load_spec(tmp_path / "absent.json")


def test_the_shipped_spec_is_the_compact_form_of_the_shared_one() -> None:
    """The simulator's copy ships inside the package (any clone and install check calls
    alike); where ../shared is beside the checkout, the copy must match it."""
    from bot.sim.compact_spec import SHIPPED, SOURCE, render

    assert SHIPPED.is_file()
    assert SHIPPED.with_name("bot_api.LICENSE").read_text().startswith("MIT License")
    if not SOURCE.is_file():
        pytest.skip("../shared is not beside this checkout")
    raw = json.loads(SOURCE.read_text(encoding="utf-8"))
    assert SHIPPED.read_text(encoding="utf-8") == render(raw), "run python -m bot.sim.compact_spec"
