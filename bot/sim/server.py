"""BotApiSimulator: a loopback HTTP server that answers the Telegram Bot API.

Point python-telegram-bot at `sim.base_url` and it runs unchanged; drive people through the
SimDriver methods (add_user, send_text, press_button, ...) and assert on `sim.calls`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.sim.driver import SimDriver
from bot.sim.errors import ApiError
from bot.sim.faults import Fault, Faults
from bot.sim.methods import Methods, Params
from bot.sim.ratelimits import RateLimits
from bot.sim.spec import ApiSpec, load_spec, loose_decode

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:SIMULATED-token"  # noqa: S105 - a fake token for local use
TIMEOUT_HOLD_SECONDS = 60.0
_BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


@dataclass
class ApiCall:
    """One Bot API request as the simulator saw and answered it."""

    method: str  # canonical spelling, e.g. "sendMessage"
    params: dict[str, Any]
    status: int
    result: Any = None
    error: str | None = None
    # When the simulator received it (monotonic seconds): pacing is measured with this.
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


class BotApiSimulator(SimDriver):
    def __init__(self, token: str = DEFAULT_TOKEN, spec_path: Path | None = None) -> None:
        super().__init__()
        self.token = token
        self.spec: ApiSpec | None = None
        self.faults = Faults()
        # Telegram's broadcast limits, off unless asked for (bench/broadcast turns them on).
        self.rate_limits: RateLimits | None = None
        self.calls: list[ApiCall] = []
        self.methods = Methods(self)
        self._spec_path = spec_path
        self._runner: web.AppRunner | None = None
        self._address: tuple[str, int] | None = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        # Raises SpecMissingError under CI=true when the spec is absent: refuse to start.
        self.spec = load_spec(self._spec_path)
        self.closing.clear()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a client that hangs up (e.g. PTB stopping) ends its long poll.
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound = runner.addresses[0]
        self._address = (str(bound[0]), int(bound[1]))
        self.pusher.start()
        logger.info("Bot API simulator listening on %s", self.base_url)

    async def stop(self) -> None:
        self.closing.set()
        await self.pusher.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiSimulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The Bot API base URL in PTB's form; PTB appends the token."""
        if self._address is None:
            raise RuntimeError("the simulator is not started")
        host, port = self._address
        return f"http://{host}:{port}/bot"

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The webhook set with setWebhook ({"url", "secret_token"}), or None."""
        return self.methods.webhook

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """setMyCommands lists keyed by (scope as sorted JSON, language_code or "")."""
        return self.methods.commands

    # --- recording --------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def _recent_calls_summary(self) -> str:
        recent = [c for c in self.calls if c.method != "getUpdates"][-5:]
        if not recent:
            return "(none besides getUpdates)"
        return ", ".join(
            f"{c.method}->{c.status}" + (f" {c.error}" if c.error else "") for c in recent
        )

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        self._notify()

    # --- HTTP -------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        asked = request.match_info["method"]
        try:
            raw = await _read_params(request)
        except ValueError:
            return self._answer(ApiCall(asked, {}, 400), ApiError(400, "Bad Request: invalid body"))
        method, params, problem = self._decode(asked, raw)
        call = ApiCall(method, params, 200)
        if problem is not None:
            return self._answer(call, problem)
        if self.rate_limits is not None:
            wait = self.rate_limits.check(method, params)
            if wait is not None:
                error = ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
                return self._answer(call, error)
        fault = self.faults.take(method, params)
        if fault is not None:
            faulted = await self._fault(request, call, fault)
            if faulted is not None:
                return faulted
        logger.debug("Bot API call %s", method)
        try:
            handler = self.methods.table.get(method.lower())
            result: Any = True if handler is None else handler(Params(params))
            if inspect.isawaitable(result):
                result = await result
        except ApiError as error:
            return self._answer(call, error)
        call.result = result
        self._record(call)
        if fault is not None and fault.kind == "timeout":
            await self._sleep(max(fault.delay, TIMEOUT_HOLD_SECONDS))
        return web.json_response({"ok": True, "result": result})

    def _decode(
        self, asked: str, raw: dict[str, Any]
    ) -> tuple[str, dict[str, Any], ApiError | None]:
        """The method's canonical name, its converted parameters, or why the call is invalid."""
        if self.spec is None:
            known = self.methods.table.get(asked.lower())
            return (known.__name__ if known else asked), loose_decode(raw), None
        spec_method = self.spec.method(asked)
        if spec_method is None:
            return asked, raw, ApiError(404, "Not Found")
        try:
            return spec_method.name, self.spec.validate(spec_method, raw), None
        except ApiError as error:
            return spec_method.name, raw, error

    async def _fault(
        self, request: web.Request, call: ApiCall, fault: Fault
    ) -> web.StreamResponse | None:
        """Answer the faulted call, or return None to carry it out (slow, timeout)."""
        if fault.kind == "429":
            error = ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                retry_after=fault.retry_after,
            )
            return self._answer(call, error)
        if fault.kind == "500":
            return self._answer(call, ApiError(500, "Internal Server Error"))
        if fault.kind == "502":
            # Telegram's front end answers 502 with an nginx HTML page, not JSON.
            call.status, call.error = 502, "Bad Gateway"
            self._record(call)
            return web.Response(status=502, text=_BAD_GATEWAY_PAGE, content_type="text/html")
        if fault.kind == "drop":
            call.status, call.error = 0, "connection dropped"
            self._record(call)
            if request.transport is not None:
                request.transport.abort()
            # The client is gone; this response is never written.
            return web.Response(status=500)
        if fault.kind == "slow":
            await self._sleep(fault.delay)
        return None

    async def _sleep(self, seconds: float) -> None:
        # Sleeps end early when the simulator stops, so stop() never waits on a fault.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self.closing.wait()

    def _answer(self, call: ApiCall, error: ApiError) -> web.StreamResponse:
        call.status, call.error = error.status, error.description
        self._record(call)
        logger.debug("Bot API call %s failed with %s", call.method, error.status)
        return web.json_response(error.payload(), status=error.status)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Merge the query string and the body (form, multipart or JSON), as Telegram does."""
    params: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("the JSON body must be an object")
        params.update(body)
        return params
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            # An uploaded file: the simulator keeps only a note of it.
            params[name] = f"<uploaded file {value.filename}>"
        else:
            params[name] = value
    return params
