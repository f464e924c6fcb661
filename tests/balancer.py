"""A small load balancer for tests: Telegram's webhook requests spread over instances in
turn, as nginx or a platform's router would, passing on to the next instance when one
does not answer (nginx's proxy_next_upstream error)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

# What an instance's answer carries back to Telegram.
_PASSED_BACK = ("Retry-After",)


@dataclass
class Balancer:
    backends: list[str]  # each instance's webhook URL
    path: str = "/telegram"
    served: Counter[str] = field(default_factory=Counter)
    _turn: int = 0
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    async def start(self, port: int) -> str:
        """Listen on port; returns the URL to give Telegram."""
        app = web.Application()
        app.router.add_post(self.path, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return f"http://127.0.0.1:{port}{self.path}"

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-telegram")}
        headers["Content-Type"] = "application/json"
        for _ in range(len(self.backends)):
            backend = self.backends[self._turn % len(self.backends)]
            self._turn += 1
            try:
                async with self._session.post(backend, data=body, headers=headers) as answer:
                    self.served[backend] += 1
                    passed = {k: answer.headers[k] for k in _PASSED_BACK if k in answer.headers}
                    return web.Response(
                        status=answer.status, body=await answer.read(), headers=passed
                    )
            except aiohttp.ClientConnectionError:
                continue  # that instance is down: the next one
        return web.Response(status=502)
