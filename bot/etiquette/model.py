"""The learned layer of the etiquette: a small network over a message's embedding and context.

Its input is the message's sentence embedding (the crisis layer's encoder, the same vector)
beside its context and the rules' reading of it (features.py). One hidden layer, then a
softmax over the labelled kinds of meeting message: each kind of crosstalk, and each kind
that is not (thanks, identifying, care, own experience, logistics...). P(crosstalk) is the
sum over the kinds of crosstalk; the likeliest of those is the reason it gives.

It ships as bot/content/etiquette/classifier.npz (the numbers) and classifier.json (the
thresholds, the .npz's SHA-256 and the encoder's pin), written by
`python -m bot.etiquette.train` and checked at load as the crisis classifier is. Pure: the
embedding comes from the caller (bot/safety/assessor.py embeds off the event loop).
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.etiquette import features
from bot.etiquette.rules import REASONS, MeetingMessage, RuleReading, Strictness
from bot.safety import features as word_features
from bot.safety.model import EncoderPin, Floats, ModelUnavailable, Vectors, read_weights, sha256_of

logger = logging.getLogger(__name__)

CLASSIFIER_FILE = Path(__file__).parent.parent / "content" / "etiquette" / "classifier.json"
CARE = "care"
# The kinds that acknowledge a share: never crosstalk below strict, never deleted.
ACKNOWLEDGING = ("thanks", "identifying", "emoji")


@dataclass(frozen=True)
class Thresholds:
    """Where P(crosstalk) becomes crosstalk at each strictness (a gentler group needs more
    certainty), and where P(care) makes a reply to someone in distress care. Chosen by
    cross-validation and written beside the weights."""

    gentle: float
    standard: float
    strict: float
    care: float

    def __post_init__(self) -> None:
        if not 0.0 < self.strict <= self.standard <= self.gentle <= 1.0 or not 0 < self.care <= 1:
            raise ValueError(f"thresholds out of order: {self}")

    def at(self, strictness: Strictness) -> float:
        return {
            Strictness.GENTLE: self.gentle,
            Strictness.STANDARD: self.standard,
            Strictness.STRICT: self.strict,
        }[strictness]


@dataclass(frozen=True)
class Reading:
    """The learned layer's reading of one message."""

    crosstalk: float  # P(crosstalk)
    reason: str  # the likeliest kind of crosstalk (one of REASONS)
    care: float  # P(care for someone in distress)
    likeliest: str  # the likeliest kind of message, crosstalk or not


@dataclass(frozen=True)
class EtiquetteClassifier:
    """[embedding | context features] -> hidden (ReLU) -> softmax over kinds."""

    kinds: tuple[str, ...]
    hidden: Floats  # (inputs, units)
    hidden_bias: Floats  # (units,)
    output: Floats  # (units, kinds)
    output_bias: Floats  # (kinds,)
    thresholds: Thresholds
    encoder: EncoderPin

    @classmethod
    def load(cls, path: Path = CLASSIFIER_FILE) -> EtiquetteClassifier:
        """The classifier path describes, its numbers checked against their SHA-256."""
        try:
            meta, found = read_weights(path)
            if meta["context_features"] != features.WIDTH:
                raise ValueError("it was written for other context features")
            return cls(
                kinds=tuple(meta["kinds"]),
                hidden=found["hidden"],
                hidden_bias=found["hidden_bias"],
                output=found["output"],
                output_bias=found["output_bias"],
                thresholds=Thresholds(**meta["thresholds"]),
                encoder=EncoderPin(**meta["encoder"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelUnavailable(f"{path.name} cannot be read: {error}") from None

    def probabilities(self, inputs: Floats) -> Floats:
        """(messages, kinds) from (messages, inputs), each row summing to one."""
        units = np.maximum(inputs @ self.hidden + self.hidden_bias, 0.0)
        logits = units @ self.output + self.output_bias
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        found: Floats = exponentials / exponentials.sum(axis=1, keepdims=True)
        return found

    def read(
        self, message: MeetingMessage, vector: Vectors, rules: RuleReading | None = None
    ) -> Reading:
        inputs = np.concatenate(
            [vector.astype(np.float64).ravel(), features.context_features(message, rules)]
        )
        row = self.probabilities(inputs.reshape(1, -1))[0]
        crosstalk = [index for index, kind in enumerate(self.kinds) if kind in REASONS]
        likeliest = max(crosstalk, key=lambda index: row[index])
        care = self.kinds.index(CARE) if CARE in self.kinds else None
        return Reading(
            crosstalk=float(row[crosstalk].sum()),
            reason=self.kinds[likeliest],
            care=0.0 if care is None else float(row[care]),
            likeliest=self.kinds[int(np.argmax(row))],
        )


def write_classifier(out: Path, classifier: EtiquetteClassifier, meta: dict[str, Any]) -> None:
    """The .npz (float32), then the .json naming its SHA-256, the thresholds and the pin
    (the layout bot.safety.model.read_weights checks at load)."""
    buffer = io.BytesIO()
    names = ("hidden", "hidden_bias", "output", "output_bias")
    np.savez_compressed(
        buffer, **{name: getattr(classifier, name).astype(np.float32) for name in names}
    )
    numbers = buffer.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".npz").write_bytes(numbers)
    pin = classifier.encoder
    thresholds = classifier.thresholds
    described = {
        **meta,
        "kinds": list(classifier.kinds),
        "context_features": features.WIDTH,
        "thresholds": {
            "gentle": thresholds.gentle,
            "standard": thresholds.standard,
            "strict": thresholds.strict,
            "care": thresholds.care,
        },
        "encoder": {"package": pin.package, "version": pin.version, "files": pin.files},
        # read_weights checks the hashed words' width, which this classifier does not read.
        "bucket_bits": word_features.BUCKET_BITS,
        "numbers_sha256": sha256_of(numbers),
    }
    out.write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=1)
def load_shipped_etiquette() -> EtiquetteClassifier | None:
    """The shipped classifier, its encoder checked against the pin; None (logged once) if
    it cannot run, and the etiquette then keeps to its rules."""
    try:
        classifier = EtiquetteClassifier.load()
        classifier.encoder.check()
    except ModelUnavailable as error:
        logger.error(
            "THE ETIQUETTE MODEL IS NOT RUNNING (%s): crosstalk is judged by the rules alone",
            error,
        )
        return None
    return classifier
