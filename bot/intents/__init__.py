"""What plain words in a private chat are about, so the bot can answer them kindly.

A handful of intents (a greeting, asking for help, asking what this is, a sleepless
night, distress below a crisis, thanks, anything else), read by a small softmax
regression over the crisis layer's sentence embedding and the message's hashed words
(bot/safety/features.py). Crisis language never reaches it: the crisis layer answers
first. It ships as bot/content/intents/classifier.npz and classifier.json, written by
`python -m bot.intents.train`, with the same pins and hashes as the crisis classifier.
Pure: the embedding comes from the caller (bot/safety/assessor.py embeds off the loop).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.safety import features
from bot.safety.model import EncoderPin, Floats, ModelUnavailable, Vectors, read_weights

logger = logging.getLogger(__name__)

INTENTS_FILE = Path(__file__).parent.parent / "content" / "intents" / "classifier.json"


class Intent(StrEnum):
    GREETING = "greeting"
    HELP = "help"
    ABOUT = "about"
    SLEEP = "sleep"
    DISTRESS = "distress"
    THANKS = "thanks"
    OTHER = "other"


@dataclass(frozen=True)
class IntentClassifier:
    """One linear score per intent over [hashed words | embedding]; the highest wins."""

    intents: tuple[Intent, ...]
    idf: Floats  # (features.WIDTH,)
    lexical: Floats  # (intents, features.WIDTH)
    embedding: Floats  # (intents, encoder dimensions)
    bias: Floats  # (intents,)
    encoder: EncoderPin

    @classmethod
    def load(cls, path: Path = INTENTS_FILE) -> IntentClassifier:
        """The classifier path describes, its numbers checked against their SHA-256."""
        try:
            meta, found = read_weights(path)
            return cls(
                intents=tuple(Intent(name) for name in meta["intents"]),
                idf=found["idf"],
                lexical=found["lexical"],
                embedding=found["embedding"],
                bias=found["bias"],
                encoder=EncoderPin(**meta["encoder"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelUnavailable(f"{path.name} cannot be read: {error}") from None

    def probabilities(self, texts: list[str], vectors: Vectors) -> Floats:
        """(messages, intents), each row summing to one."""
        logits = (
            features.lexical_scores(texts, self.idf, self.lexical)
            + vectors.astype(np.float64) @ self.embedding.T
            + self.bias
        )
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        found: Floats = exponentials / exponentials.sum(axis=1, keepdims=True)
        return found

    def read(self, text: str, vector: Vectors) -> Intent:
        row = self.probabilities([text], vector.reshape(1, -1))[0]
        return self.intents[int(np.argmax(row))]


@lru_cache(maxsize=1)
def load_shipped_intents() -> IntentClassifier | None:
    """The shipped classifier, its encoder checked against the pin; None (logged once) if
    it cannot run, and every plain message then gets the general answer."""
    try:
        classifier = IntentClassifier.load()
        classifier.encoder.check()
    except ModelUnavailable as error:
        logger.error(
            "the intent classifier is not running (%s): plain words get the general answer", error
        )
        return None
    return classifier
