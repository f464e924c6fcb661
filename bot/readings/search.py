"""Library search: ranked by relevance, tolerant of case, accents and simple word endings.

A small BM25 over weighted fields (a word in a title counts for more than one in the
text) and over neighbouring pairs of words, with a light stemmer so that "cravings",
"craving" and "crave" meet, and a synonym list (bot/content/library/synonyms.toml) for
the words members use that the readings may not ("3am", "meds", "grudge").
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from bot.platform.textfold import fold
from bot.readings.library import Library, Reading

FIELD_WEIGHTS = {"title": 6.0, "summary": 3.0, "topics": 1.0, "body": 1.0}
SYNONYMS_FILE = Path(__file__).parents[1] / "content" / "library" / "synonyms.toml"
_K1, _B = 2.0, 0.75
_SYNONYM_WEIGHT = 0.6
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a about after again all am an and any are as at be because been before being but by
    can could did do does doing don down during each few for from further had has have
    having he her here hers him his how i if in into is it its just me more most my no nor
    not now of off on once only or other our ours out over own same she should so some such
    than that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours im ive id dont cant wont get got feel feeling really like always keep keeps still
    even ever lot lots much thing things stuff""".split()  # noqa: SIM905
)


def stem(word: str) -> str:
    """Strip simple English endings: cravings, craving, craved and crave all give 'crav';
    loneliness and lonely give 'lone'."""
    if len(word) > 6 and word.endswith("iness"):
        word = word[:-5] + "y"
    elif len(word) > 6 and word.endswith("ness"):
        word = word[:-4]
    elif len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in ("ing", "ed", "ly"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            word = word[: -len(ending)]
            # slipped -> slipp -> slip, stopping -> stopp -> stop
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS]


def with_pairs(found: list[str]) -> list[str]:
    """Terms and each pair of neighbours ("first meeting" -> first, meet, first_meet), so
    that words found together count for more than the same words far apart."""
    return found + [f"{a}_{b}" for a, b in pairwise(found)]


@dataclass(frozen=True)
class Searchable:
    """Anything the search can rank: a reading, a reflection."""

    id: str
    title: str
    summary: str
    topics: str
    body: str


@dataclass(frozen=True)
class _Document:
    id: str
    fields: dict[str, Counter[str]]  # field -> term -> count
    lengths: dict[str, int]  # field -> words


@lru_cache(maxsize=4)
def load_synonyms(path: Path = SYNONYMS_FILE) -> dict[str, list[str]]:
    """Query word -> extra words to search for, both folded and stemmed (read once: the
    library search and the inline index share it, and neither changes it)."""
    with path.open("rb") as handle:
        table = tomllib.load(handle).get("synonyms", {})
    expansions: dict[str, list[str]] = {}
    for word, extra in table.items():
        for key in terms(str(word)) or [stem(fold(str(word)))]:
            expansions.setdefault(key, []).extend(terms(str(extra)))
    return expansions


class SearchIndex:
    """BM25F: each field's counts are normalised by that field's own length, so a long
    text does not drown a match in a short title."""

    def __init__(
        self, items: list[Searchable], synonyms: dict[str, list[str]] | None = None
    ) -> None:
        self._synonyms = load_synonyms() if synonyms is None else synonyms
        self._documents: list[_Document] = []
        for item in sorted(items, key=lambda i: i.id):
            values = {
                "title": item.title,
                "summary": item.summary,
                "topics": item.topics,
                "body": item.body,
            }
            fields = {name: Counter(with_pairs(terms(value))) for name, value in values.items()}
            lengths = {name: len(terms(value)) for name, value in values.items()}
            self._documents.append(_Document(item.id, fields, lengths))
        count = len(self._documents)
        frequency = Counter(t for doc in self._documents for t in set().union(*doc.fields.values()))
        self._idf = {
            term: math.log(1 + (count - df + 0.5) / (df + 0.5)) for term, df in frequency.items()
        }
        self._average = {
            name: max(1.0, sum(d.lengths[name] for d in self._documents) / max(1, count))
            for name in FIELD_WEIGHTS
        }

    def _weighted_tf(self, doc: _Document, term: str) -> float:
        total = 0.0
        for name, weight in FIELD_WEIGHTS.items():
            count = doc.fields[name].get(term, 0)
            if count:
                norm = 1 - _B + _B * doc.lengths[name] / self._average[name]
                total += weight * count / norm
        return total

    def search(self, query: str, limit: int = 10) -> list[str]:
        """Ids of what matches, most relevant first; empty when nothing matches."""
        asked = terms(query)
        # A member's own words count fully; the library's words for them count for less.
        wanted = {t: 1.0 for t in with_pairs(asked)}
        for term in asked:
            for extra in self._synonyms.get(term, []):
                wanted.setdefault(extra, _SYNONYM_WEIGHT)
        wanted = {t: w for t, w in wanted.items() if t in self._idf}
        scored = []
        for doc in self._documents:
            score = 0.0
            for term, weight in wanted.items():
                tf = self._weighted_tf(doc, term)
                if tf:
                    score += weight * self._idf[term] * tf * (_K1 + 1) / (tf + _K1)
            if score > 0:
                scored.append((score, doc.id))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [found for _, found in scored[:limit]]


def library_items(library: Library) -> list[Searchable]:
    titles = {topic.id: topic.title for topic in library.topics}
    return [
        Searchable(r.id, r.title, r.summary, " ".join(titles.get(t, t) for t in r.topics), r.body)
        for r in library.readings.values()
    ]


class LibrarySearch:
    """Search over the library's readings, answering with readings."""

    def __init__(self, library: Library) -> None:
        self._library = library
        self._index = SearchIndex(library_items(library))

    def search(self, query: str, limit: int = 10) -> list[Reading]:
        return [self._library.readings[i] for i in self._index.search(query, limit)]
