"""Telegram's documented limits and its HTML parse mode, as pure functions.

Lengths are counted the way Telegram counts them: in UTF-16 code units, after entity parsing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.sim.errors import ApiError, bad_request
from bot.sim.spec import BUTTON_ACTIONS

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_INLINE_RESULT_ID_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*>")
_ATTR_RE = re.compile(r"""([a-zA-Z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "pre": "pre",
}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    offset: int
    entity: dict[str, Any] = field(default_factory=dict)


def _entity_error(reason: str, text: str, index: int) -> ApiError:
    byte_offset = len(text[:index].encode("utf-8"))
    return bad_request(f"can't parse entities: {reason} at byte offset {byte_offset}")


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip Telegram HTML to plain text plus MessageEntity dicts; raise ApiError if invalid."""
    plain: list[str] = []
    length = 0  # UTF-16 length of the plain text so far
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _ENTITY_RE.match(text, i)
            if match is None:
                raise _entity_error("character '&' is not part of an entity", text, i)
            piece = html.unescape(match.group())
            i = match.end()
        elif char == "<":
            match = _TAG_RE.match(text, i)
            if match is None:
                raise _entity_error("unexpected character '<'", text, i)
            closing, name, attr_text = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if not stack or stack[-1].name != name:
                    raise _entity_error(f'unexpected end tag "{name}"', text, i)
                tag = stack.pop()
                if length > tag.offset:
                    entities.append(
                        {**tag.entity, "offset": tag.offset, "length": length - tag.offset}
                    )
            else:
                attrs = {
                    m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
                    for m in _ATTR_RE.finditer(attr_text)
                }
                entity = _start_tag_entity(name, attrs, stack, text, i)
                stack.append(_OpenTag(name, attrs, length, entity))
            i = match.end()
            continue
        else:
            piece = char
            i += 1
        plain.append(piece)
        length += utf16_len(piece)
    if stack:
        raise _entity_error(
            f'can\'t find end tag corresponding to start tag "{stack[-1].name}"', text, len(text)
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def _start_tag_entity(
    name: str, attrs: dict[str, str], stack: list[_OpenTag], text: str, index: int
) -> dict[str, Any]:
    if name in _SIMPLE_TAGS:
        return {"type": _SIMPLE_TAGS[name]}
    if name == "span" and attrs.get("class") == "tg-spoiler":
        return {"type": "spoiler"}
    if name == "a" and attrs.get("href"):
        return {"type": "text_link", "url": attrs["href"]}
    if name == "tg-emoji" and attrs.get("emoji-id"):
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    if name == "blockquote":
        return {"type": "expandable_blockquote" if "expandable" in attrs else "blockquote"}
    if name == "code":
        language = attrs.get("class", "")
        if not language:
            return {"type": "code"}
        if language.startswith("language-") and stack and stack[-1].name == "pre":
            # <pre><code class="language-x"> sets the language of the enclosing pre block.
            stack[-1].entity["language"] = language.removeprefix("language-")
            return {"type": "code"}
    raise _entity_error(f'unsupported start tag "{name}"', text, index)


def check_text(
    text: str, parse_mode: str | None, *, limit: int = MAX_TEXT, what: str = "message"
) -> tuple[str, list[dict[str, Any]]]:
    """Validate message text (or a caption) and return its plain form and entities."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, entities = parse_html(text)
    elif mode in ("", "markdown", "markdownv2"):
        # Markdown parse modes are not simulated: the text is taken as it is.
        plain, entities = text, []
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    if what == "message" and not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request(f"{what} is too long")
    return plain, entities


def check_inline_keyboard(markup: Any) -> None:
    """Shape and callback_data checks for an InlineKeyboardMarkup (other markups pass)."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard: expected an Array of Array")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: text is required")
            actions = [name for name in BUTTON_ACTIONS if button.get(name) is not None]
            if len(actions) != 1:
                raise bad_request("can't parse inline keyboard button: exactly one action needed")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")


def check_inline_results(results: Sequence[Any]) -> None:
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        result_id = str(result.get("id", "")) if isinstance(result, dict) else ""
        if not 1 <= len(result_id.encode()) <= MAX_INLINE_RESULT_ID_BYTES:
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if isinstance(result, dict):
            check_inline_keyboard(result.get("reply_markup"))


def check_callback_answer_text(text: str | None) -> None:
    if text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")


def check_commands(commands: Sequence[Any]) -> None:
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand")
        if not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = str(command.get("description", ""))
        if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
