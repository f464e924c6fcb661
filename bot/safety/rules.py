"""The hand-written layer of crisis assessment: lexicons and rules (pure, no Telegram).

The lexicon and rules are data under bot/content/safety/<language>.toml. A message is
normalised (lower case, straight apostrophes, no accents), everyday idioms are blanked
out ("I'd kill for a coffee"), then it is read sentence by sentence: each rule that
matches gives a level, which context can lower — a negation just before it ("I'm not
suicidal"), a sentence about the past with nothing of the present ("ten years ago I
wanted to die"), or one about a topic rather than the writer ("our topic tonight is
suicide prevention"). The highest level left is the verdict.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.platform.patterns import PatternError, compile_alternation
from bot.platform.textfold import fold
from bot.safety.verdict import Assessment, Level

SAFETY_DIR = Path(__file__).parent.parent / "content" / "safety"


class LexiconError(Exception):
    """A lexicon file is malformed; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    category: str
    pattern: re.Pattern[str]
    # Context may lower this rule: negation before it, past tense, a reported topic.
    negatable: bool
    contextual: bool
    # A rule can cap the level of a sentence, e.g. "this craving is killing me".
    caps_at: Level | None = None
    # "sentence" rules read one sentence at a time; "message" rules read the whole message,
    # for signals that span sentences ("left a note. i'm sorry everyone").
    whole_message: bool = False


@dataclass(frozen=True)
class Lexicon:
    language: str
    rules: tuple[Rule, ...]
    idioms: re.Pattern[str] | None
    negation: re.Pattern[str] | None
    negation_window: int
    past: re.Pattern[str] | None
    present: re.Pattern[str] | None
    reported: re.Pattern[str] | None
    # Speech someone else said, blanked out like idioms ("she said 'i wanted to die'").
    quoted: re.Pattern[str] | None = None
    # Anywhere in a message, these put the whole message in the past ("that's behind me")...
    past_message: re.Pattern[str] | None = None
    # ...and these bring a past match back into the present ("same thoughts right now").
    revival: re.Pattern[str] | None = None


_SENTENCE_BREAK = re.compile(r"[.!?;\n]+|\s(?:but|pero)\s")
_CLAUSE_BREAK = re.compile(r"[,:\u2014-]|\s(?:and|so|y|asi que)\s")
_LEVELS = {"crisis": Level.CRISIS, "concern": Level.CONCERN, "none": Level.NONE}


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, accents removed, runs of space folded."""
    return fold(text)


def _alternation(
    patterns: list[str], where: str, fragments: dict[str, str] | None = None
) -> re.Pattern[str] | None:
    try:
        return compile_alternation([normalise(p) for p in patterns], fragments or {}, where)
    except PatternError as error:
        raise LexiconError(str(error)) from None


def load_lexicon(path: Path) -> Lexicon:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LexiconError(f"{path.name}: {error}") from None
    fragments = {str(k): normalise(str(v)) for k, v in data.get("fragments", {}).items()}

    def alternation(patterns: list[str], where: str) -> re.Pattern[str] | None:
        return _alternation(patterns, where, fragments)

    rules: list[Rule] = []
    seen: set[str] = set()
    for raw in data.get("rule", []):
        rule_id = str(raw.get("id", ""))
        where = f"{path.name} rule {rule_id or '?'}"
        if not rule_id or rule_id in seen:
            raise LexiconError(f"{where}: every rule needs a unique id")
        seen.add(rule_id)
        level = _LEVELS.get(str(raw.get("level", "")))
        if level is None:
            raise LexiconError(f"{where}: level must be crisis, concern or none")
        pattern = alternation(list(raw.get("patterns", [])), where)
        if pattern is None:
            raise LexiconError(f"{where}: no patterns")
        caps = raw.get("caps_at")
        rules.append(
            Rule(
                id=rule_id,
                level=level,
                category=str(raw.get("category", "other")),
                pattern=pattern,
                negatable=bool(raw.get("negatable", True)),
                contextual=bool(raw.get("contextual", True)),
                caps_at=None if caps is None else _LEVELS[str(caps)],
                whole_message=str(raw.get("scope", "sentence")) == "message",
            )
        )
    context = data.get("context", {})
    name = path.name
    return Lexicon(
        language=str(data.get("language", path.stem)),
        rules=tuple(rules),
        idioms=alternation(list(data.get("idioms", {}).get("patterns", [])), f"{name} idioms"),
        negation=alternation(list(context.get("negation", [])), f"{name} negation"),
        negation_window=int(context.get("negation_window", 16)),
        past=alternation(list(context.get("past", [])), f"{name} past"),
        present=alternation(list(context.get("present", [])), f"{name} present"),
        reported=alternation(list(context.get("reported", [])), f"{name} reported"),
        quoted=alternation(list(context.get("quoted", [])), f"{name} quoted"),
        past_message=alternation(list(context.get("past_message", [])), f"{name} past_message"),
        revival=alternation(list(context.get("revival", [])), f"{name} revival"),
    )


@lru_cache(maxsize=1)
def default_lexicons() -> dict[str, Lexicon]:
    return {path.stem: load_lexicon(path) for path in sorted(SAFETY_DIR.glob("*.toml"))}


@dataclass(frozen=True)
class _Message:
    """What holds for a whole message, worked out once."""

    text: str
    in_past: bool  # a cue anywhere says the message is about the past
    revived: bool  # a cue anywhere brings the past back into the present


def _read(text: str, lexicon: Lexicon) -> _Message:
    cleaned = lexicon.idioms.sub(" ", text) if lexicon.idioms else text
    cleaned = lexicon.quoted.sub(" ", cleaned) if lexicon.quoted else cleaned
    in_past = bool(lexicon.past_message and lexicon.past_message.search(cleaned))
    revived = bool(lexicon.revival and lexicon.revival.search(cleaned))
    return _Message(cleaned, in_past, revived)


def _lowered(
    rule: Rule, passage: str, start: int, lexicon: Lexicon, message: _Message
) -> str | None:
    """Why context lowers this match to nothing, or None when it stands."""
    if rule.negatable and lexicon.negation is not None:
        before = passage[max(0, start - lexicon.negation_window) : start]
        # A negation counts only within the same clause: "i'm not ok, i want to die".
        before = _CLAUSE_BREAK.split(before)[-1]
        if lexicon.negation.search(before):
            return "negated"
    if not rule.contextual:
        return None
    if lexicon.reported is not None and lexicon.reported.search(passage):
        return "reported"
    in_present = lexicon.present is not None and lexicon.present.search(passage)
    if in_present or message.revived:
        return None
    in_past = message.in_past or (lexicon.past is not None and lexicon.past.search(passage))
    return "past" if in_past else None


def _assess_with(text: str, lexicons: list[Lexicon]) -> Assessment:
    level = Level.NONE
    decisive: list[str] = []  # the rules that set the level
    lowered: list[str] = []  # matches that context lowered, e.g. "negated:want-to-die"
    categories: set[str] = set()
    base = normalise(text)
    for lexicon in lexicons:
        message = _read(base, lexicon)
        sentences = _SENTENCE_BREAK.split(message.text)
        # A negation in a message of several sentences is told apart: the rest of the
        # message may still be a crisis ("I don't want to use. I'm holding the razor").
        negated = "negated" if sum(bool(s.strip()) for s in sentences) <= 1 else "negated-in-part"
        # Each sentence is judged on its own; whole-message rules join as one more passage.
        for index, passage in enumerate([*sentences, message.text]):
            whole = index == len(sentences)
            found, cap = Level.NONE, Level.CRISIS
            found_rules: list[Rule] = []
            for rule in lexicon.rules:
                if rule.whole_message != whole:
                    continue
                match = rule.pattern.search(passage)
                if match is None:
                    continue
                if rule.caps_at is not None:
                    cap = min(cap, rule.caps_at)
                why = _lowered(rule, passage, match.start(), lexicon, message)
                if why is not None:
                    lowered.append(f"{negated if why == 'negated' else why}:{rule.id}")
                elif rule.level > found:
                    found, found_rules = rule.level, [rule]
                elif rule.level == found:
                    found_rules.append(rule)
            found = min(found, cap)
            if found == Level.NONE:
                continue
            if found > level:
                level, decisive, categories = found, [], set()
            if found == level:
                decisive += [rule.id for rule in found_rules]
                categories |= {rule.category for rule in found_rules}
    return Assessment(level, tuple(dict.fromkeys(decisive + lowered)), frozenset(categories))


def assess_rules(text: str) -> Assessment:
    """The rules' verdict. Every lexicon runs for every message, whatever the member's
    Telegram language: people write in the language they are hurting in."""
    return _assess_with(text, list(default_lexicons().values()))
