"""Write the simulator's copy of the Bot API description: python -m bot.sim.compact_spec [API_JSON]

The simulator checks every call's parameters against Telegram's Bot API as described by
the telegram-bot-api-spec project (api.json, MIT licence, Copyright (c) 2020 Paul Larsen;
../shared/telegram-bot-api/ beside this repository). It needs only the methods and types,
their fields' names, types and whether each is required, so this keeps those and drops the
prose: bot/sim/bot_api.json, shipped inside the package with the licence beside it, so the
tests and the demo check calls the same way on any clone and any install.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

SHIPPED = Path(__file__).with_name("bot_api.json")
SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "telegram-bot-api" / "api.json"


def _fields(entry: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": f["name"], "types": f["types"], "required": bool(f.get("required"))}
        for f in entry.get("fields", [])
    ]


def compact(raw: dict[str, Any]) -> dict[str, Any]:
    """The parts of api.json the simulator reads, in the same shape."""
    return {
        "version": raw.get("version", "unknown"),
        "source": "telegram-bot-api-spec api.json (MIT, Copyright (c) 2020 Paul Larsen)",
        "methods": {name: {"fields": _fields(m)} for name, m in raw.get("methods", {}).items()},
        "types": {
            name: {"fields": _fields(t)} if "fields" in t else {}
            for name, t in raw.get("types", {}).items()
        },
    }


def render(raw: dict[str, Any]) -> str:
    return (
        json.dumps(compact(raw), ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("source", nargs="?", type=Path, default=SOURCE)
    args = parser.parse_args()
    raw = json.loads(args.source.read_text(encoding="utf-8"))
    SHIPPED.write_text(render(raw), encoding="utf-8")
    licence = args.source.with_name("LICENSE")
    if licence.is_file():
        SHIPPED.with_name("bot_api.LICENSE").write_bytes(licence.read_bytes())
    print(f"wrote {SHIPPED} ({raw.get('version', 'unknown')})")


if __name__ == "__main__":
    main()
