"""The words of a message as numbers the classifier can weigh, beside its embedding.

A sentence encoder hears what a message means; it hears less well the small words that turn
it around ("ago", "not", "lol", "jaja") and spellings it never met ("kms", "unalive",
"pastis"). So the classifier also reads the message's own words and pieces of words:
word unigrams and bigrams and character 2- to 5-grams within words, after folding (lower
case, no accents). Each is hashed into a fixed number of buckets with CRC-32 (stable
across processes and machines, unlike Python's hash()), counted sublinearly, weighted by
an inverse document frequency learned in training, and scaled to unit length. Pure: the
same function builds the features in training and in the bot.
"""

from __future__ import annotations

import itertools
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.platform.textfold import fold

BUCKET_BITS = 14  # 16,384 buckets a block: as good as 2^16 or 2^18 in cross-validation
BUCKETS = 1 << BUCKET_BITS
# Two blocks, each scaled to unit length on its own, so the many character pieces do not
# drown the few words: words and word pairs, then character pieces.
BLOCKS = 2
WIDTH = BLOCKS * BUCKETS
_TOKEN = re.compile(r"\w+|[^\w\s]")
_CHAR_SIZES = (2, 3, 4, 5)


def _pieces(text: str) -> tuple[Counter[str], Counter[str]]:
    folded = fold(text)
    tokens = _TOKEN.findall(folded)
    words: Counter[str] = Counter(tokens)
    words.update(f"{first} {second}" for first, second in itertools.pairwise(tokens))
    characters: Counter[str] = Counter()
    for word in folded.split():
        padded = f" {word} "
        for size in _CHAR_SIZES:
            characters.update(
                padded[start : start + size] for start in range(len(padded) - size + 1)
            )
    return words, characters


def hashed_counts(text: str) -> list[dict[int, float]]:
    """Per block, column -> sublinear count (1 + ln n) of the message's pieces."""
    blocks: list[dict[int, float]] = []
    for block, pieces in enumerate(_pieces(text)):
        buckets: Counter[int] = Counter()
        for piece, count in pieces.items():
            bucket = zlib.crc32(piece.encode("utf-8")) & (BUCKETS - 1)
            buckets[block * BUCKETS + bucket] += count
        blocks.append({column: 1.0 + math.log(n) for column, n in buckets.items()})
    return blocks


def lexical_rows(
    texts: Sequence[str], idf: npt.NDArray[np.float64]
) -> tuple[list[int], list[int], list[float]]:
    """Sparse rows (row, column, value) of idf-weighted lexical features, each block of
    unit length."""
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row, text in enumerate(texts):
        for counts in hashed_counts(text):
            weighted = {column: value * float(idf[column]) for column, value in counts.items()}
            norm = math.sqrt(sum(v * v for v in weighted.values())) or 1.0
            for column, value in weighted.items():
                rows.append(row)
                columns.append(column)
                values.append(value / norm)
    return rows, columns, values


def learn_idf(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Smoothed inverse document frequency per column, as scikit-learn computes it."""
    documents = np.zeros(WIDTH)
    for text in texts:
        for counts in hashed_counts(text):
            for column in counts:
                documents[column] += 1
    idf: npt.NDArray[np.float64] = np.log((1 + len(texts)) / (1 + documents)) + 1.0
    return idf


def lexical_scores(
    texts: Sequence[str], idf: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Lexical features times weights (heads, WIDTH), without building a matrix."""
    out = np.zeros((len(texts), weights.shape[0]))
    rows, columns, values = lexical_rows(texts, idf)
    if rows:
        np.add.at(out, np.asarray(rows), weights[:, columns].T * np.asarray(values)[:, None])
    return out
