"""What an assessment says, and the one place the rules and the learned layer are combined.

Pure: no model, no Telegram. The rules are precise on the words they were written for; the
model carries to words nobody wrote a rule for. A message is a CRISIS where the model is
confident, or where a rule says so and the model does not all but rule it out; a CONCERN
where the model is unsure, where it doubts a rule's crisis, or where a rule says CONCERN;
NONE otherwise. The doubt is there because, on batches the rules never saw, their crisis
matches alone raised more everyday messages to a crisis than the ceiling allows (see
bot/content/safety/classifier.md). A member who has just had a crisis answer is read
with that in mind: distress that would be a concern is then taken as a crisis.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Level(IntEnum):
    NONE = 0
    CONCERN = 1
    CRISIS = 2


@dataclass(frozen=True)
class Assessment:
    level: Level
    # What decided it: rule ids, what lowered others (e.g. "negated:want-to-die", or
    # "negated-in-part:want-to-die" in a message of several sentences), and the
    # learned layer's part ("model:crisis", "model:unsure", "model:concern", "after-crisis").
    reasons: tuple[str, ...] = ()
    # The categories of the matches that set the level (e.g. "suicidal", "overdose").
    categories: frozenset[str] = frozenset()

    @property
    def is_overdose(self) -> bool:
        return self.level is Level.CRISIS and "overdose" in self.categories

    @property
    def is_unsure(self) -> bool:
        """A concern only because the model could not rule out a crisis: nothing else
        said so. It gets a lighter answer than a plain concern."""
        return self.level is Level.CONCERN and "model:unsure" in self.reasons


@dataclass(frozen=True)
class Thresholds:
    """Where the model's probabilities become levels; chosen by cross-validation and
    written beside the weights (bot/content/safety/classifier.json)."""

    crisis: float  # P(crisis) at or above: a crisis on the model's word alone
    unsure: float  # P(crisis) at or above, below `crisis`: a concern
    concern: float  # P(concern or crisis) at or above: a concern
    doubt: float  # P(crisis) below this turns a rule's crisis into a concern
    # P(crisis) at or above: a crisis even where a rule found words negated in one of a
    # message's several sentences ("I don't want to use. So I'm holding the razor"). A
    # message that is one negated sentence ("I'm not going to kill myself") is a concern at
    # most, however sure the model is. 1.0: a negation always holds the model back.
    negation: float = 1.0

    def __post_init__(self) -> None:
        ordered = 0.0 <= self.doubt <= self.crisis and 0.0 < self.unsure <= self.crisis <= 1.0
        ordered = ordered and self.crisis <= self.negation <= 1.0
        if not ordered or not 0.0 < self.concern <= 1.0:
            raise ValueError(f"thresholds out of order: {self}")


@dataclass(frozen=True)
class ModelScore:
    """The learned layer's reading of one message."""

    crisis: float  # P(crisis)
    at_least_concern: float  # P(concern or crisis), from a head of its own


def combine(
    rules: Assessment,
    score: ModelScore | None,
    thresholds: Thresholds | None,
    *,
    after_crisis: bool = False,
) -> Assessment:
    """The verdict from the rules' assessment and the model's score (None: rules only)."""
    level, reasons = rules.level, list(rules.reasons)
    distressed = rules.level >= Level.CONCERN
    if score is not None and thresholds is not None:
        if level is Level.CRISIS and score.crisis < thresholds.doubt:
            level = Level.CONCERN
            reasons.append("model:doubts-rule")
        if score.crisis >= thresholds.crisis:
            model_level, reason = Level.CRISIS, "model:crisis"
        elif score.crisis >= thresholds.unsure:
            model_level, reason = Level.CONCERN, "model:unsure"
        elif score.at_least_concern >= thresholds.concern:
            model_level, reason = Level.CONCERN, "model:concern"
        else:
            model_level, reason = Level.NONE, ""
        # Where a rule found its words negated ("I'm not suicidal"), the model may worry,
        # not alarm: short bare negations are its blind spot. In a longer message it may
        # alarm when all but sure: one negated sentence does not undo a razor in the hand.
        bare = any(r.startswith("negated:") for r in reasons)
        in_part = any(r.startswith("negated-in-part:") for r in reasons)
        held_back = bare or (in_part and score.crisis < thresholds.negation)
        if model_level is Level.CRISIS and held_back:
            model_level, reason = Level.CONCERN, "model:unsure"
        if model_level > level:
            level = model_level
            reasons.append(reason)
        distressed = distressed or score.at_least_concern >= thresholds.concern
    # Right after a crisis, distress is not given the benefit of doubt: a rule's concern,
    # the model's confident concern, or a rule's crisis it doubted. (Its merely unsure
    # band is not enough, or every "thank you" would bring the lines again.)
    if after_crisis and level is Level.CONCERN and distressed:
        level = Level.CRISIS
        reasons.append("after-crisis")
    # The model has no categories of its own; an overdose stays one only by a rule's word.
    return Assessment(level, tuple(reasons), rules.categories)
