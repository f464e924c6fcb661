"""The Bot API spec: which methods exist and what their parameters must look like.

The simulator reads the compact copy shipped beside this file (bot/sim/bot_api.json, from
the telegram-bot-api-spec project's api.json by `python -m bot.sim.compact_spec`), so every
clone and install checks calls alike; $PORCHLIGHT_API_SPEC may name another (either form).

Telegram decodes every parameter from text (query string or form) or JSON, so validation here
also converts: "123" becomes 123 for an Integer, '{"inline_keyboard": ...}' becomes a dict.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sim.errors import bad_request

logger = logging.getLogger(__name__)

SPEC_ENV_VAR = "PORCHLIGHT_API_SPEC"
_INT_RE = re.compile(r"-?\d+")
_TRUE = {"true", "True", "1"}
_FALSE = {"false", "False", "0"}
# Exactly one of these must be set on an inline keyboard button (besides its text).
BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "login_url",
    "web_app",
    "pay",
    "callback_game",
)
_MAX_DEPTH = 8
_warned_missing: set[Path] = set()


class SpecMissingError(RuntimeError):
    """The spec file is absent while CI=true: a simulator without checks would hide mistakes."""


class _Mismatch(Exception):
    """A value does not fit one candidate type; the caller tries the next candidate."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, FieldSpec]


def default_spec_path() -> Path:
    """`$PORCHLIGHT_API_SPEC`, else the compact copy shipped beside this module."""
    from_env = os.environ.get(SPEC_ENV_VAR)
    return Path(from_env) if from_env else Path(__file__).with_name("bot_api.json")


def load_spec(path: Path | None = None) -> ApiSpec | None:
    """Load the spec, or return None (warning once) when it is absent; CI=true makes that fatal."""
    spec_path = path if path is not None else default_spec_path()
    if not spec_path.is_file():
        if os.environ.get("CI", "").lower() == "true":
            raise SpecMissingError(f"Bot API spec not found at {spec_path} (required when CI=true)")
        if spec_path not in _warned_missing:
            _warned_missing.add(spec_path)
            logger.warning(
                "Bot API spec not found at %s; the simulator will not check method parameters",
                spec_path,
            )
        return None
    with spec_path.open(encoding="utf-8") as handle:
        return ApiSpec(json.load(handle))


class ApiSpec:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = str(raw.get("version", "unknown"))
        self._types: dict[str, dict[str, Any]] = raw.get("types", {})
        # Telegram matches method names case-insensitively.
        self._methods: dict[str, MethodSpec] = {}
        for name, method in raw.get("methods", {}).items():
            fields = {
                f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f.get("required")))
                for f in method.get("fields", [])
            }
            self._methods[name.lower()] = MethodSpec(name, fields)

    def method(self, name: str) -> MethodSpec | None:
        return self._methods.get(name.lower())

    def validate(self, method: MethodSpec, raw: dict[str, Any]) -> dict[str, Any]:
        """Check the call's parameters against the spec and return them converted."""
        for name in raw:
            if name not in method.fields:
                raise bad_request(f"unknown parameter {name!r} for method {method.name}")
        params: dict[str, Any] = {}
        for field in method.fields.values():
            value = raw.get(field.name)
            if value is None:
                if field.required:
                    raise bad_request(_missing_description(field.name))
                continue
            params[field.name] = self.coerce(value, field.types, field.name)
        return params

    def coerce(self, value: Any, types: tuple[str, ...], where: str, depth: int = 0) -> Any:
        for type_name in types:
            try:
                return self._coerce_one(value, type_name, where, depth)
            except _Mismatch:
                continue
        raise bad_request(f"can't parse {where}: expected {' or '.join(types)}")

    def _coerce_one(self, value: Any, type_name: str, where: str, depth: int) -> Any:
        if type_name.startswith("Array of "):
            items = _as_json(value, list)
            inner = type_name.removeprefix("Array of ")
            return [
                self.coerce(item, (inner,), f"{where}[{i}]", depth + 1)
                for i, item in enumerate(items)
            ]
        simple = _SIMPLE.get(type_name)
        if simple is not None:
            return simple(value)
        if type_name == "InputFile":
            if isinstance(value, dict | list):
                raise _Mismatch
            return value
        return self._coerce_object(value, type_name, where, depth)

    def _coerce_object(self, value: Any, type_name: str, where: str, depth: int) -> Any:
        obj = _as_json(value, dict)
        type_spec = self._types.get(type_name, {})
        fields = type_spec.get("fields")
        if depth >= _MAX_DEPTH or not fields:
            # Unions (subtypes) and unknown types: the shape check (an object) is all we do.
            return obj
        if type_name == "InlineKeyboardButton":
            actions = [name for name in BUTTON_ACTIONS if obj.get(name) is not None]
            if len(actions) != 1:
                raise bad_request(
                    f"can't parse inline keyboard button: {where} must have exactly one of "
                    f"{', '.join(BUTTON_ACTIONS)}"
                )
        result = dict(obj)
        for field in fields:
            name = field["name"]
            if obj.get(name) is None:
                if field.get("required"):
                    raise bad_request(f"can't parse {where}: field {name!r} is required")
                continue
            result[name] = self.coerce(
                obj[name], tuple(field["types"]), f"{where}.{name}", depth + 1
            )
        return result


def _missing_description(name: str) -> str:
    if name == "text":
        return "message text is empty"
    return f"{name} is empty"


def _as_json(value: Any, kind: type[Any]) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _Mismatch from None
    if not isinstance(value, kind):
        raise _Mismatch
    return value


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise _Mismatch
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    raise _Mismatch


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise _Mismatch
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _Mismatch from None
    raise _Mismatch


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    raise _Mismatch


def _to_str(value: Any) -> str:
    # JSON bodies may carry numbers where a String is expected; Telegram accepts them.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Mismatch


_SIMPLE = {"Integer": _to_int, "Float": _to_float, "Boolean": _to_bool, "String": _to_str}


def loose_decode(raw: dict[str, Any]) -> dict[str, Any]:
    """Without a spec: parse values that are JSON objects or arrays, leave the rest as sent."""
    decoded: dict[str, Any] = {}
    for name, value in raw.items():
        if isinstance(value, str) and value[:1] in ("{", "["):
            try:
                decoded[name] = json.loads(value)
                continue
            except ValueError:
                pass
        decoded[name] = value
    return decoded
