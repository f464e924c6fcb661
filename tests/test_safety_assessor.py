"""How the bot reaches the assessment: the model beside the event loop, in batches, crises
first; the rules alone when the model is off; and the few minutes after a crisis."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bot.platform.shared import MemoryState, SharedStateError
from bot.safety.assessor import Assessor, RecentCrises
from bot.safety.model import Classifier, CrisisModel, Vectors
from bot.safety.verdict import Assessment, Level, ModelScore, Thresholds, combine

THRESHOLDS = Thresholds(crisis=0.7, unsure=0.1, concern=0.9, doubt=0.3)


class SlowModel(CrisisModel):
    """Scores by keyword after a pause, recording each batch it was given."""

    def __init__(self, pause: float = 0.05) -> None:
        self.pause = pause
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()
        self.failing = False

    @property
    def thresholds(self) -> Thresholds:
        return THRESHOLDS

    def read(self, texts: Sequence[str]) -> tuple[list[ModelScore], Vectors]:
        self.threads.add(threading.current_thread().name)
        self.batches.append(list(texts))
        time.sleep(self.pause)  # like the encoder: holds its thread, not the loop
        if self.failing:
            raise RuntimeError("the words of a member must never reach the log")
        scores = [ModelScore(0.95 if "zebra" in t else 0.01, 0.01) for t in texts]
        return scores, np.full((len(texts), 4), len(texts), dtype=np.float32)


async def test_the_model_runs_beside_the_loop_and_batches_a_burst() -> None:
    model = SlowModel()
    assessor = Assessor(model)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    beat = asyncio.create_task(ticker())
    texts = [f"good morning number {n}" for n in range(40)] + ["a zebra of a night"]
    verdicts = await asyncio.gather(*(assessor.assess(text) for text in texts))
    beat.cancel()
    await assessor.close()
    assert verdicts[-1].level is Level.CRISIS
    assert {v.level for v in verdicts[:-1]} == {Level.NONE}
    assert len(model.batches) < len(texts) / 4, "a burst is embedded in a few passes"
    assert ticks >= 3, "the event loop kept running while the model worked"
    assert model.threads
    assert all(name.startswith("crisis-model") for name in model.threads)


async def test_the_embedding_comes_back_with_the_verdict_from_the_same_pass() -> None:
    model = SlowModel()
    assessor = Assessor(model)
    verdict, embedding = await assessor.assess_and_embed("a zebra of a night")
    await assessor.close()
    assert verdict.level is Level.CRISIS
    assert embedding is not None
    assert embedding.shape == (4,)
    assert len(model.batches) == 1, "embedded once, for the verdict and its later readers"
    without = Assessor(None, "not installed")
    assert (await without.assess_and_embed("quiero morirme"))[1] is None
    await without.close()


async def test_a_rule_s_crisis_jumps_the_queue() -> None:
    model = SlowModel()
    assessor = Assessor(model)
    first = asyncio.create_task(assessor.assess("hello there"))
    await asyncio.sleep(0.01)  # the first pass is under way; the rest wait for the next
    waiting = [asyncio.create_task(assessor.assess(f"ordinary words {n}")) for n in range(100)]
    urgent = asyncio.create_task(assessor.assess("i want to kill myself tonight"))
    await asyncio.gather(first, urgent, *waiting)
    await assessor.close()
    assert model.batches[1][0] == "i want to kill myself tonight"


async def test_when_the_model_fails_the_rules_answer_and_the_log_keeps_no_words(
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = SlowModel(pause=0)
    model.failing = True
    assessor = Assessor(model)
    verdict = await assessor.assess("i want to kill myself tonight")
    assert verdict.level is Level.CRISIS  # the rules' word
    assert assessor.degraded
    assert "RuntimeError" in str(assessor.problem)
    assert (await assessor.assess("a zebra of a night")).level is Level.NONE
    await assessor.close()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "THE CRISIS MODEL FAILED" in logged
    assert "words of a member" not in logged


async def test_without_a_model_the_rules_still_run() -> None:
    assessor = Assessor(None, "not installed")
    assert assessor.degraded
    assert (await assessor.assess("quiero morirme")).level is Level.CRISIS
    assert (await assessor.assess("good morning")).level is Level.NONE
    await assessor.close()


def test_the_combination_of_rules_and_model() -> None:
    nothing, crisis_rule = Assessment(Level.NONE), Assessment(Level.CRISIS, ("want-to-die",))
    concern_rule = Assessment(Level.CONCERN, ("distress",))
    sure, unsure, calm = ModelScore(0.9, 0.9), ModelScore(0.2, 0.3), ModelScore(0.01, 0.02)
    doubtful = ModelScore(0.2, 0.95)
    assert combine(nothing, sure, THRESHOLDS).level is Level.CRISIS
    assert combine(nothing, unsure, THRESHOLDS).is_unsure
    assert combine(nothing, calm, THRESHOLDS).level is Level.NONE
    assert combine(crisis_rule, ModelScore(0.5, 0.5), THRESHOLDS).level is Level.CRISIS
    doubted = combine(crisis_rule, doubtful, THRESHOLDS)
    assert doubted.level is Level.CONCERN
    assert "model:doubts-rule" in doubted.reasons
    assert combine(concern_rule, calm, THRESHOLDS).level is Level.CONCERN
    # The few minutes after a crisis: distress counts as one; a merely unsure reading not.
    assert combine(concern_rule, calm, THRESHOLDS, after_crisis=True).level is Level.CRISIS
    assert combine(nothing, unsure, THRESHOLDS, after_crisis=True).level is Level.CONCERN
    assert combine(concern_rule, None, None, after_crisis=True).level is Level.CRISIS


def test_a_negation_holds_the_model_back_unless_it_is_one_sentence_among_others() -> None:
    bare = Assessment(Level.NONE, ("negated:suicidal",))
    in_part = Assessment(Level.NONE, ("negated-in-part:suicidal",))
    negation_at = Thresholds(crisis=0.7, unsure=0.1, concern=0.9, doubt=0.3, negation=0.8)
    all_but_sure, sure = ModelScore(0.99, 0.99), ModelScore(0.75, 0.9)
    # "I'm not going to kill myself": a concern at most, however sure the model is.
    assert combine(bare, all_but_sure, negation_at).level is Level.CONCERN
    # "I don't want to use. So I'm holding the razor": the model's crisis stands when it
    # is all but sure, and is held back to a concern below that.
    assert combine(in_part, all_but_sure, negation_at).level is Level.CRISIS
    assert combine(in_part, sure, negation_at).level is Level.CONCERN
    # The default never lets a negation be overruled.
    assert combine(in_part, all_but_sure, THRESHOLDS).level is Level.CONCERN
    with pytest.raises(ValueError, match="out of order"):
        Thresholds(crisis=0.7, unsure=0.1, concern=0.9, doubt=0.3, negation=0.6)


async def test_recent_crises_are_kept_for_minutes_by_the_bot_s_clock() -> None:
    recent = RecentCrises(MemoryState(), span=timedelta(minutes=10))
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    await recent.note(("chat", "member"), now)
    assert await recent.within(("chat", "member"), now + timedelta(minutes=9))
    assert not await recent.within(("chat", "member"), now + timedelta(minutes=11))
    await recent.note(("chat", "member"), now)
    await recent.note(("chat", "other"), now)
    assert await recent.names("member")
    await recent.forget("member")
    assert not await recent.within(("chat", "member"), now)
    assert await recent.held() == 1
    await recent.sweep(now + timedelta(minutes=11))
    assert await recent.held() == 0


async def test_a_failing_shared_state_costs_the_window_never_an_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Down(MemoryState):
        async def get(self, key: str) -> str | None:
            raise SharedStateError("Redis at db:6379/0 does not answer (ConnectionError)")

        async def put(self, key: str, value: str, ttl: timedelta) -> None:
            raise SharedStateError("Redis at db:6379/0 does not answer (ConnectionError)")

    recent = RecentCrises(Down())
    now = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    await recent.note(("chat", "member"), now)
    assert not await recent.within(("chat", "member"), now)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "the crisis window cannot be kept: Redis at db:6379/0 does not answer (ConnectionError)"
    ]


def test_the_shipped_classifier_runs_on_numpy_alone() -> None:
    classifier = Classifier.load()
    vectors: Vectors = np.zeros((2, classifier.embedding.shape[1]), dtype=np.float32)
    found = classifier.probabilities(["hello", "i took all my pills"], vectors)
    assert found.shape == (2, 2)
    assert ((found > 0) & (found < 1)).all()
