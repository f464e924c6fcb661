"""The no-crosstalk etiquette of online meetings: is a message crosstalk, and why?

Two layers, combined in one place (verdict.combine): hand-written rules (rules.py, phrases
in bot/content/etiquette/), precise on thanks, identifying, emoji reactions and someone's
inventory; and a learned layer (model.py), a small network over the message's sentence
embedding (the crisis layer's encoder), its context and the rules' reading, trained on
labelled meeting messages (`python -m bot.etiquette.train`). A group's strictness is a
threshold on the model's probability. The bot reaches it through judge(), with the
embedding the crisis layer's assessor worked out beside the event loop; assess() here
works it out on the calling thread, for scripts and tests.
"""

from __future__ import annotations

from functools import lru_cache

from bot.etiquette.model import EtiquetteClassifier, load_shipped_etiquette
from bot.etiquette.rules import (
    NOT_CROSSTALK,
    REASONS,
    LexiconError,
    MeetingMessage,
    Strictness,
    Verdict,
    assess_rules,
    default_lexicon,
    load_lexicon,
    read_rules,
)
from bot.etiquette.verdict import combine
from bot.safety.model import UniversalSentenceEncoder, Vectors


def judge(
    message: MeetingMessage,
    strictness: Strictness,
    classifier: EtiquetteClassifier | None,
    vector: Vectors | None,
) -> Verdict:
    """The combined verdict, with the message's embedding from the caller (None, or no
    classifier: the rules alone)."""
    rules = read_rules(message)
    if classifier is None or vector is None:
        return combine(message, strictness, rules, None, None)
    reading = classifier.read(message, vector, rules)
    return combine(message, strictness, rules, reading, classifier.thresholds)


@lru_cache(maxsize=1)
def _encoder() -> UniversalSentenceEncoder:
    return UniversalSentenceEncoder()


def assess(message: MeetingMessage, strictness: Strictness = Strictness.STANDARD) -> Verdict:
    """The combined verdict for one message, the embedding worked out here."""
    classifier = load_shipped_etiquette()
    if classifier is None:
        return judge(message, strictness, None, None)
    (vector,) = _encoder().encode([message.text])
    return judge(message, strictness, classifier, vector)


__all__ = [
    "NOT_CROSSTALK",
    "REASONS",
    "EtiquetteClassifier",
    "LexiconError",
    "MeetingMessage",
    "Strictness",
    "Verdict",
    "assess",
    "assess_rules",
    "default_lexicon",
    "judge",
    "load_lexicon",
    "load_shipped_etiquette",
]
