"""Crosstalk in online recovery meetings: does a message speak to someone else's share?

In Porchlight's text meetings members share their own experience in turn and, by
tradition, nobody comments on, advises, corrects or takes the inventory of another's share.
assess_rules() reads one meeting message and says whether it crosses that line, and why.

The phrases are data, in bot/content/etiquette/<language>.toml, read once. A message is
folded (lower case, straight apostrophes, no accents); quoted text, usually a reading, is
set aside, and every member it names becomes the word "member". Then:

- the chair and admins are never flagged: running a meeting means speaking to people;
- a member in distress is never flagged (bot.safety's crisis verdict, and a few phrases of
  despair it may rate lower): that message needs an answer, not a rule;
- while someone in the meeting is in distress, care for them (urging them to call a line or
  someone, asking whether they are safe, telling them they matter) is read as such, and
  bot.etiquette.verdict leaves it alone;
- thanks and identifying ("I relate", "that was me too") are fine on their own;
- every other sign (advice, a correction, someone's inventory, a pointer at a particular
  share, a reply, a name, a "you" aimed at someone) counts from a strictness on. "You"
  meaning "one", inside a member's own story, counts only when strict.

The verdict is the weightiest sign that counts at the group's strictness. Because a sign
that counts at one strictness counts at every stricter one, whatever a gentle group flags a
standard group flags, and whatever a standard group flags a strict group flags.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.platform.patterns import PatternError, compile_alternation
from bot.platform.textfold import fold
from bot.safety import Level
from bot.safety import assess_rules as crisis_rules

ETIQUETTE_DIR = Path(__file__).parent.parent / "content" / "etiquette"


class Strictness(Enum):
    GENTLE = 1
    STANDARD = 2
    STRICT = 3


@dataclass(frozen=True)
class MeetingMessage:
    text: str
    replies_to_member: bool = False
    mentions: tuple[str, ...] = ()
    author_is_running_meeting: bool = False  # the chair or an admin
    someone_else_sharing: bool = False
    author_sharing: bool = False
    # A message in this meeting was read as a crisis or a concern in the last few minutes.
    someone_in_distress: bool = False


@dataclass(frozen=True)
class Verdict:
    crosstalk: bool
    # One of REASONS when crosstalk, else "".
    reason: str = ""
    # Thanks, identifying or an emoji that only a strict group flags: a reminder at most,
    # never a deletion.
    reminder_only: bool = False


NOT_CROSSTALK = Verdict(crosstalk=False)

# When a message shows several signs, the verdict names the first of these it shows.
REASONS = ("inventory", "correcting", "advice", "cross-sharing", "reply-to-share", "addressing")
_STRICTNESS_NAMES = {level.name.lower(): level for level in Strictness}


class LexiconError(Exception):
    """The etiquette lexicon is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Signal:
    reason: str
    counts_from: Strictness
    # Read in every sentence and every clause, so "^" anchors to a clause's start...
    pattern: re.Pattern[str]
    # ...or once over the whole message, so "^" anchors to its start.
    whole_message: bool = False


@dataclass(frozen=True)
class Lexicon:
    language: str
    despair: re.Pattern[str]
    care: re.Pattern[str]
    against_care: re.Pattern[str]
    logistics: re.Pattern[str]
    generic_you: re.Pattern[str]
    own_story: re.Pattern[str]
    group_address: re.Pattern[str]
    thanks: re.Pattern[str]
    identifying: re.Pattern[str]
    filler: re.Pattern[str]
    you: re.Pattern[str]
    signals: tuple[Signal, ...]


def _compile(patterns: list[str], fragments: dict[str, str], where: str) -> re.Pattern[str]:
    """One alternation of patterns, %name% replaced by that fragment; never empty."""
    try:
        compiled = compile_alternation([str(p) for p in patterns], fragments, where)
    except PatternError as error:
        raise LexiconError(str(error)) from None
    if compiled is None:
        raise LexiconError(f"{where}: no patterns")
    return compiled


def load_lexicon(path: Path) -> Lexicon:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise LexiconError(f"{path.name}: {error}") from None
    fragments = {str(k): str(v) for k, v in data.get("fragments", {}).items()}

    def table(name: str, key: str) -> re.Pattern[str]:
        return _compile(list(data.get(name, {}).get(key, [])), fragments, f"{path.name} {key}")

    signals: list[Signal] = []
    for number, raw in enumerate(data.get("signal", []), start=1):
        where = f"{path.name} signal {number}"
        reason = str(raw.get("reason", ""))
        counts_from = _STRICTNESS_NAMES.get(str(raw.get("counts_from", "")))
        if reason not in REASONS:
            raise LexiconError(f"{where}: reason must be one of {', '.join(REASONS)}")
        if counts_from is None:
            raise LexiconError(f"{where}: counts_from must be gentle, standard or strict")
        scope = str(raw.get("scope", "sentence"))
        if scope not in ("sentence", "message"):
            raise LexiconError(f"{where}: scope must be sentence or message")
        pattern = _compile(list(raw.get("patterns", [])), fragments, where)
        signals.append(Signal(reason, counts_from, pattern, whole_message=scope == "message"))
    return Lexicon(
        language=str(data.get("language", path.stem)),
        despair=table("never", "despair"),
        care=table("never", "care"),
        against_care=table("never", "against_care"),
        logistics=table("neutral", "logistics"),
        generic_you=table("neutral", "generic_you"),
        own_story=table("neutral", "own_story"),
        group_address=table("neutral", "group_address"),
        thanks=table("acknowledgement", "thanks"),
        identifying=table("acknowledgement", "identifying"),
        filler=table("acknowledgement", "filler"),
        you=_compile([r"\b(?:%you%)\b"], fragments, f"{path.name} fragment you"),
        signals=tuple(signals),
    )


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon(ETIQUETTE_DIR / "en.toml")


# A quotation: opened after a space or the start, closed before a space, punctuation or the
# end, so the apostrophes of "don't" and "mum's" never open or close one.
_QUOTATION = re.compile(
    r"(?:^|(?<=[\s(:\-\u2013\u2014]))[\"'\u201c\u00ab](?=\S).+?(?<=\S)[\"'\u201d\u00bb]"
    r"(?=$|[\s.,;:!?)\-\u2013\u2014])"
)
# A line quoting a message, as Telegram clients write it: "> and then I sat in the car".
_QUOTED_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)
_HANDLE = re.compile(r"(?<![\w@])@[a-z0-9_]{2,}")
_SENTENCE_BREAK = re.compile(r"[.!?;\n\u2026]+|\s(?:but)\s")
_CLAUSE_BREAK = re.compile(r"[,:()\u2013\u2014]|\s-+\s")
_WORD = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class _Reading:
    """What a message says once quotations, names and acknowledgements are set apart."""

    text: str  # folded, quotations blanked, members named "member"
    addressed: str  # the same with thanks and words to the whole group blanked
    quotes_a_message: bool
    named: bool
    thanked: bool
    identified: bool
    only_acknowledges: bool  # nothing left besides thanks, identifying and filler


def _read(message: MeetingMessage, lexicon: Lexicon) -> _Reading:
    text = fold(message.text)
    quotes_a_message = bool(_QUOTED_LINE.search(text))
    text = _QUOTATION.sub(" ", _QUOTED_LINE.sub(" ", text))
    named = bool(message.mentions) or bool(_HANDLE.search(text))
    for mention in message.mentions:
        name = re.escape(fold(mention).lstrip("@"))
        if name:
            text = re.sub(rf"(?<![\w@])@?{name}\b", "member", text)
    text = _HANDLE.sub("member", text)
    without_thanks = lexicon.thanks.sub(" ", text)
    without_either = lexicon.identifying.sub(" ", without_thanks)
    left = lexicon.filler.sub(" ", without_either)
    return _Reading(
        text=text,
        addressed=lexicon.group_address.sub(" ", without_thanks),
        quotes_a_message=quotes_a_message,
        named=named,
        thanked=without_thanks != text,
        identified=without_either != without_thanks,
        only_acknowledges=not _WORD.search(left),
    )


def _passages(text: str) -> list[str]:
    """Every sentence, then every clause: patterns with ^ read at the start of each."""
    sentences = [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]
    clauses = [c.strip() for s in sentences for c in _CLAUSE_BREAK.split(s) if c.strip()]
    return sentences + [clause for clause in clauses if clause not in sentences]


# A sign of crosstalk: the reason it gives and the strictness it counts from.
_Sign = tuple[str, Strictness]


def _signs(message: MeetingMessage, reading: _Reading, lexicon: Lexicon) -> list[_Sign]:
    """Every sign of crosstalk in a message."""
    whole = [reading.text.strip()]
    passages = _passages(reading.text)
    # Speaking to someone is judged without the thanks, which may name them.
    addressed = _passages(reading.addressed)
    signs: list[_Sign] = []
    for signal in lexicon.signals:
        if signal.whole_message:
            read = whole
        else:
            read = addressed if signal.reason == "addressing" else passages
        if any(signal.pattern.search(passage) for passage in read):
            signs.append((signal.reason, signal.counts_from))
    # "You" meaning "one" belongs to a member's own story: in their own turn, in a message
    # that owns its story ("that was me"), or in a generic turn ("when you ..."). Only a
    # strict group flags it; a "you" aimed at someone is crosstalk from standard on.
    own_story = message.author_sharing or bool(lexicon.own_story.search(reading.text))
    for sentence in addressed:
        if not lexicon.you.search(sentence) or lexicon.logistics.search(sentence):
            continue
        generic = own_story or bool(lexicon.generic_you.search(sentence))
        signs.append(("addressing", Strictness.STRICT if generic else Strictness.STANDARD))
    acknowledgement = reading.only_acknowledges and (reading.thanked or reading.identified)
    if reading.named:
        # Thanking a member by name is fine unless the group is strict.
        signs.append(("addressing", Strictness.STRICT if acknowledgement else Strictness.STANDARD))
    if message.replies_to_member or reading.quotes_a_message:
        if reading.only_acknowledges and reading.identified:
            signs.append(("reply-to-share", Strictness.STANDARD))
        elif not (reading.only_acknowledges and reading.thanked):
            signs.append(("reply-to-share", Strictness.GENTLE))
    return signs


def in_distress(message: MeetingMessage) -> bool:
    """The writer sounds in distress (the crisis rules, or a phrase of despair they may
    rate lower): that message needs an answer, not a rule."""
    return bool(default_lexicon().despair.search(fold(message.text))) or (
        crisis_rules(message.text).level is Level.CRISIS
    )


def offers_care(message: MeetingMessage) -> bool:
    """While someone in the meeting is in distress: the message urges them to call a line,
    emergency services or someone, asks whether they are safe, tells them they matter, or
    to put the means away, and talks nobody out of help."""
    if not message.someone_in_distress:
        return False
    lexicon, words = default_lexicon(), fold(message.text)
    return bool(lexicon.care.search(words)) and not lexicon.against_care.search(words)


# Left once names, "<3" and spaces are taken out of an emoji reaction: nothing.
_NOT_EMOJI = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class RuleReading:
    """What the rules see in a message: every sign of crosstalk with the strictness it
    counts from, and whether it only acknowledges a share (the learned layer reads these
    too)."""

    signs: frozenset[_Sign]
    acknowledges: bool  # nothing but thanks or identifying ("I relate", "me too")
    thanked: bool
    identified: bool
    named: bool
    quotes_a_message: bool
    emoji_only: bool  # a reaction: no words at all besides a name
    writer_in_distress: bool  # see in_distress()
    offers_care: bool  # see offers_care()

    def verdict(self, strictness: Strictness) -> Verdict:
        counted = {
            reason for reason, counts_from in self.signs if counts_from.value <= strictness.value
        }
        for reason in REASONS:
            if reason in counted:
                return Verdict(crosstalk=True, reason=reason)
        return NOT_CROSSTALK


def read_rules(message: MeetingMessage) -> RuleReading:
    lexicon = default_lexicon()
    reading = _read(message, lexicon)
    leftover = reading.text.replace("<3", " ").replace("member", " ")
    return RuleReading(
        signs=frozenset(_signs(message, reading, lexicon)),
        acknowledges=reading.only_acknowledges and (reading.thanked or reading.identified),
        thanked=reading.thanked,
        identified=reading.identified,
        named=reading.named,
        quotes_a_message=reading.quotes_a_message,
        emoji_only=bool(reading.text.strip()) and not _NOT_EMOJI.search(leftover),
        writer_in_distress=in_distress(message),
        offers_care=offers_care(message),
    )


def assess_rules(message: MeetingMessage, strictness: Strictness = Strictness.STANDARD) -> Verdict:
    """Is this meeting message crosstalk at the group's strictness, and why? (The rules
    alone: bot.etiquette.assess adds the learned layer.)"""
    if message.author_is_running_meeting:
        return NOT_CROSSTALK
    rules = read_rules(message)
    return NOT_CROSSTALK if rules.writer_in_distress else rules.verdict(strictness)
