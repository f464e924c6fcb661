"""How the bot reaches the crisis assessment: the rules on the event loop, the model beside it.

The rules take a fraction of a millisecond and run on the loop; then the message joins the
model's queue, at the front when a rule already says CRISIS, so crisis answers never wait
behind a burst. One worker thread embeds whatever has gathered in one batch (the encoder
is several times faster a message in a batch), so a burst costs one pass, not one each,
and the loop keeps serving everyone meanwhile. Each message's embedding comes back with
its verdict, for the etiquette to read the same words without embedding them again. If
the model cannot load or fails, the rules still run, the log says so once, and `degraded`
tells /healthz.

Also here: who had a crisis verdict in the last few minutes (RecentCrises), so their next
message is read with that in mind. Keyed pseudonyms and times only, in the shared state
(memory, or Redis with REDIS_URL), never on disk.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import lru_cache

from bot.platform.shared import SharedState
from bot.platform.shared.moments import SharedMoments
from bot.safety.model import CrisisModel, ModelUnavailable, Vectors
from bot.safety.rules import assess_rules
from bot.safety.verdict import Assessment, Level, ModelScore, combine

logger = logging.getLogger(__name__)

# Whose words: the keyed pseudonyms of the chat and of the member (None where Telegram
# gives no chat or sender).
Who = tuple[str | None, str | None]
# The most messages embedded in one pass; more wait for the next (a pass stays short).
MAX_BATCH = 64


@lru_cache(maxsize=1)
def load_shipped_model() -> tuple[CrisisModel | None, str | None]:
    """The shipped model, or None and why not. Loaded once a process (about a second), and
    a failure is logged once, loudly: the bot then recognises crises by its rules alone."""
    try:
        return CrisisModel.load(), None
    except Exception as error:  # whatever breaks, the rules must still run
        if not isinstance(error, ModelUnavailable):
            error = ModelUnavailable(f"the model failed to load ({type(error).__name__})")
        logger.error(
            "THE CRISIS MODEL IS NOT RUNNING (%s): crises are recognised by the rules alone, "
            "and /healthz says degraded until this is fixed",
            error,
        )
        return None, str(error)


class Assessor:
    """The rules and the model for the bot: one per process, started with the services."""

    def __init__(self, model: CrisisModel | None, problem: str | None = None) -> None:
        self._model = model
        self.problem = problem if model is None else None
        self._pending: list[tuple[str, asyncio.Future[tuple[ModelScore, Vectors] | None]]] = []
        self._worker: asyncio.Task[None] | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crisis-model")

    @classmethod
    async def start(cls) -> Assessor:
        model, problem = await asyncio.to_thread(load_shipped_model)
        return cls(model, problem)

    @property
    def degraded(self) -> bool:
        return self._model is None

    async def assess(self, text: str, *, after_crisis: bool = False) -> Assessment:
        verdict, _ = await self.assess_and_embed(text, after_crisis=after_crisis)
        return verdict

    async def assess_and_embed(
        self, text: str, *, after_crisis: bool = False
    ) -> tuple[Assessment, Vectors | None]:
        """The verdict, and the text's embedding where the model ran (None without it), for
        a later reader of the same words that would otherwise embed them again."""
        rules = assess_rules(text)
        if self._model is None:
            return combine(rules, None, None, after_crisis=after_crisis), None
        read = await self._read(text, urgent=rules.level is Level.CRISIS)
        if read is None:  # the model failed just now: the rules' word stands
            return combine(rules, None, None, after_crisis=after_crisis), None
        score, vector = read
        return combine(rules, score, self._model.thresholds, after_crisis=after_crisis), vector

    async def _read(self, text: str, *, urgent: bool) -> tuple[ModelScore, Vectors] | None:
        future: asyncio.Future[tuple[ModelScore, Vectors] | None]
        future = asyncio.get_running_loop().create_future()
        if urgent:
            self._pending.insert(0, (text, future))
        else:
            self._pending.append((text, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain(), name="crisis-model")
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending and self._model is not None:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            texts = [text for text, _ in batch]
            found: list[tuple[ModelScore, Vectors] | None]
            try:
                scores, vectors = await loop.run_in_executor(
                    self._executor, self._model.read, texts
                )
                found = list(zip(scores, vectors, strict=True))
            except Exception as error:
                # The type only: an exception's text could carry a member's words.
                logger.error(
                    "THE CRISIS MODEL FAILED (%s): crises are recognised by the rules alone, "
                    "and /healthz says degraded",
                    type(error).__name__,
                )
                self._model, self.problem = None, f"the model failed ({type(error).__name__})"
                found = [None] * len(batch)
            for (_, future), read in zip(batch, found, strict=True):
                if not future.done():
                    future.set_result(read)
        for _, future in self._pending:  # the model stopped: the rules' word stands
            if not future.done():
                future.set_result(None)
        self._pending.clear()

    async def embed(self, text: str) -> Vectors | None:
        """text's sentence embedding, worked out on the model's thread beside the loop, for
        readers of a member's words other than the crisis layer (None without a model)."""
        if self._model is None:
            return None
        encode = self._model.encoder.encode
        try:
            vectors = await asyncio.get_running_loop().run_in_executor(
                self._executor, encode, [text]
            )
        except Exception as error:  # the type only: its text could carry the member's words
            logger.warning("could not embed a message: %s", type(error).__name__)
            return None
        vector: Vectors = vectors[0]
        return vector

    async def close(self) -> None:
        if self._worker is not None:
            await asyncio.gather(self._worker, return_exceptions=True)
        self._executor.shutdown(wait=True, cancel_futures=True)


class RecentCrises:
    """Whose last message was a crisis, for a few minutes: their next words are read in
    that light. Keyed pseudonyms and times are all it holds, in the shared state (with
    REDIS_URL, every instance reads the member's next message in the same light).

    The window only adds care; a crisis is answered whether or not it can be read or
    written, so a failing Redis costs the window (said once in the log), never an answer.
    """

    PREFIX = "crisis:"

    def __init__(self, state: SharedState, span: timedelta = timedelta(minutes=10)) -> None:
        self._moments = SharedMoments(state, self.PREFIX, span, "the crisis window")

    @property
    def span(self) -> timedelta:
        return self._moments.span

    @staticmethod
    def _key(who: Who) -> str:
        chat, member = who
        return f"{chat or '-'}:{member or '-'}"

    async def note(self, who: Who, now: datetime) -> None:
        await self._moments.note(self._key(who), now)

    async def within(self, who: Who, now: datetime) -> bool:
        return await self._moments.within(self._key(who), now)

    async def sweep(self, now: datetime) -> None:
        """Let go of every crisis older than the span (the memory tick)."""
        await self._moments.sweep(now)

    async def held(self) -> int:
        return await self._moments.held()

    async def names(self, member: str) -> bool:
        """Whether any crisis held names this member's pseudonym."""
        return bool(await self._moments.held(member))

    async def forget(self, member: str) -> None:
        """Let go of every crisis that names this member's pseudonym (after /forget)."""
        await self._moments.forget(containing=member)
