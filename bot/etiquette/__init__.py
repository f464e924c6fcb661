"""The no-crosstalk etiquette of online meetings: is a message crosstalk, and why?

The rules (rules.py, phrases in bot/content/etiquette/) read a message's words and
context.
"""

from __future__ import annotations

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
)

assess = assess_rules

__all__ = [
    "NOT_CROSSTALK",
    "REASONS",
    "LexiconError",
    "MeetingMessage",
    "Strictness",
    "Verdict",
    "assess",
    "assess_rules",
    "default_lexicon",
    "load_lexicon",
]
