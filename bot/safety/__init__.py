"""Crisis safety: is a message a crisis, a concern, or neither?

Two layers, combined in one place (verdict.combine): hand-written rules (rules.py), precise
on the words they were written for, and a learned layer (model.py), a classifier over a
multilingual sentence encoder's embeddings, which carries to words nobody wrote a rule for.
Both run for every message, whatever the member's Telegram language. The bot reaches them
through assessor.Assessor, which runs the model beside the event loop; assess() here is
the same verdict, computed on the calling thread, for scripts and tests.
"""

from __future__ import annotations

from bot.safety.assessor import load_shipped_model
from bot.safety.rules import LexiconError, assess_rules, default_lexicons, load_lexicon
from bot.safety.verdict import Assessment, Level, Thresholds, combine


def assess(text: str, *, after_crisis: bool = False) -> Assessment:
    """The combined verdict for one message."""
    model, _ = load_shipped_model()
    rules = assess_rules(text)
    if model is None:
        return combine(rules, None, None, after_crisis=after_crisis)
    (score,) = model.score([text])
    return combine(rules, score, model.thresholds, after_crisis=after_crisis)


__all__ = [
    "Assessment",
    "Level",
    "LexiconError",
    "Thresholds",
    "assess",
    "assess_rules",
    "default_lexicons",
    "load_lexicon",
]
