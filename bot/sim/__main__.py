"""Serve the simulator standalone: `python -m bot.sim --port 8081`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from bot.sim.server import DEFAULT_TOKEN, BotApiSimulator


async def _serve(host: str, port: int, token: str) -> None:
    sim = BotApiSimulator(token)
    await sim.start(host, port)
    print(f"Bot API simulator at {sim.base_url}  (token {token})")
    print(f"Point the bot at it: TELEGRAM_API_BASE_URL={sim.base_url}")
    print("Ctrl-C stops it.")
    try:
        await asyncio.Event().wait()
    finally:
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port, args.token))


if __name__ == "__main__":
    main()
