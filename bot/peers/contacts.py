"""Contact details in a meeting message: a phone number, an e-mail, a link or a handle.

Meetings are anonymous, and a way to reach someone outside them (a number, an address, a
private group, an account elsewhere) is what a meeting must not carry. find_contact() says
which kind of contact detail a message holds, the first in the text, or None.

The message is folded (lower case, no accents) and letters or digits spaced out one by one
("m a r i a 8 8") are closed up. Then each kind is looked for in turn, and what one finds
is blanked before the next looks, so an address's domain is not also a link and a link's
digits are not also a phone:

- e-mail: "name@host.com", and written out: "name at gmail dot com", "name (at) host (dot)
  fm", "name_b on gmail";
- link: http(s)://, www., t.me/, and bare domains ("example.org"); a domain whose ending
  is also a word ("it", "me", "in") counts only with a path ("zoom.us/j/123");
- phone: 7 or more digits in any national grouping, digit by digit, spelled out ("seven
  seven zero ...") or with a lettered end (1-800-662-HELP). Dates, amounts ("£1 200"),
  counts ("1000000 steps") and runs of years are not phones; times (21:30), decimals and
  short numbers (step 4, 90 days, 988) never reach seven digits;
- handle: "@someone" and an account named on another service ("add me on insta: x",
  "my snap is y", "kik me z"); bot commands ("/share") are not handles.

The numbers, e-mail addresses and websites of the crisis lines Porchlight itself ships are
allowed: they are read from bot/content/crisis_lines.toml, so the two never drift apart.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.platform.catalog import CONTENT_DIR
from bot.platform.textfold import fold

CRISIS_LINES_FILE = CONTENT_DIR / "crisis_lines.toml"
KINDS = ("phone", "email", "link", "handle")

_MIN_PHONE_DIGITS = 7

# Endings of domains that are never ordinary words, so "example.org" is a link as it is.
_DOMAIN_ENDINGS = (
    "com|org|net|edu|gov|info|biz|app|dev|io|gg|ly|ee|co|uk|au|de|fr|nl|ie|nz|ca|es|eu|ch|"
    "se|dk|fi|pl|pt|br|mx|ar|za|jp|kr|ru|ua|tv|fm|link|page|site|online|xyz|club|live|"
    "social|chat|life|world|org\\.uk|co\\.uk|com\\.au|org\\.au|co\\.nz"
)
# Endings that are also words ("so", "me", "it"): a domain with one needs a path to count.
_WORDLIKE_ENDINGS = "me|it|is|in|us|be|to|no|so|do|my|go|im|am|pm|ai|at|by|id|as|or|on|we"
# Mail services people name without the ".com": "tom dot harris at gmail".
_MAIL_SERVICES = (
    "gmail|googlemail|hotmail|outlook|live|yahoo|icloud|protonmail|proton|aol|gmx|"
    "fastmail|yandex|zoho|msn|tutanota|web\\.de"
)
# Services whose account names members trade; an ambiguous word needs a handle-like name.
_SERVICES = (
    "insta|instagram|ig|snap|snapchat|tiktok|tik tok|twitter|discord|kik|whatsapp|"
    "fb|facebook|messenger|fb messenger|telegram|threads|bluesky|bsky|reddit|skype|wickr|"
    "wechat|viber|tumblr|twitch|youtube|twitter/x"
)
_AMBIGUOUS_SERVICES = "signal|line|session|x|threads"
# Words that start a remark about a service, not an account on it ("telegram: the app ...").
_NOT_A_NAME = (
    "the|a|an|my|your|our|it|its|it's|is|was|so|not|no|keeps|just|i|im|i'm|me|we|they|he|"
    "she|this|that|down|broken|still|always|never"
)

_SPACED_OUT = re.compile(r"(?<![a-z0-9])(?:[a-z0-9] ){3,}[a-z0-9](?![a-z0-9])")

_EMAIL = re.compile(
    r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b"
    # Spaced out, "maria88 @ hotmail . com", only with an ending that is surely a domain's.
    rf"|[a-z0-9][a-z0-9._%+-]* ?@ ?[a-z0-9-]+(?: ?\. ?[a-z0-9-]+)* ?\. ?(?:{_DOMAIN_ENDINGS})\b"
)
_AT_SIGN = r"(?: ?[(\[{]at[)\]}] ?)"
_DOT = r"(?: ?[(\[{]dot[)\]}] ?| dot |\.)"
_ENDING = rf"(?:{_DOMAIN_ENDINGS}|{_WORDLIKE_ENDINGS})\b"
_EMAIL_WRITTEN_OUT = re.compile(
    # "jo (at) outlook (dot) com", "j_ross[at]proton.me"
    rf"\b[a-z0-9][a-z0-9._+-]*(?: dot [a-z0-9_+-]+)*{_AT_SIGN}[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*"
    rf"{_DOT}{_ENDING}"
    # "lou at gmail dot com": a plain "at" also reads "meetings at www.example.org", so it
    # needs a written "dot" or a mail service after it.
    rf"|\b[a-z0-9][a-z0-9._+-]*(?: dot [a-z0-9_+-]+)* at (?:[a-z0-9-]+{_DOT})*[a-z0-9-]+"
    rf" dot {_ENDING}"
    rf"|\b[a-z0-9][a-z0-9._+-]*(?: dot [a-z0-9_+-]+)* at (?:{_MAIL_SERVICES}){_DOT}{_ENDING}"
)
_EMAIL_AT_SERVICE = re.compile(
    rf"\b[a-z0-9]+(?:(?:[._]| dot )[a-z0-9]+)+ (?:at|on|@) (?:{_MAIL_SERVICES})\b"
)

_LINK = re.compile(
    r"\bhttps?://[^\s<>]+"
    r"|(?<![\w.@])www\.[^\s<>]+"
    r"|(?<![\w.@])(?:t|telegram)\.me/[^\s<>]+"
    rf"|(?<![\w.@/-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_DOMAIN_ENDINGS})\b(?:/[^\s<>]*)?"
    rf"|(?<![\w.@/-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_WORDLIKE_ENDINGS})/[^\s<>]*"
)
_HOST = re.compile(r"^(?:https?://)?(?:www\.)?([a-z0-9.-]+)")

# A run of digit groups, with a country code, an area code in brackets or a lettered end.
_PHONE = re.compile(
    r"(?<![\w+/.,:$£€#@%-])"
    r"(?:\+ ?\d{1,3}[ .-]?)?"
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"\d{1,14}(?:(?: ?[.-] ?| )\d{1,14})*"
    r"(?:-[a-z]{4,7})?"
    r"(?![\w/%:$£€])"
)
_DATE = re.compile(r"^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4})$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_CURRENCY_BEFORE = re.compile(r"[$£€¥₹]\s?$")
_UNIT_AFTER = re.compile(
    r"^\s*(?:days?|weeks?|months?|years?|yrs?|hours?|hrs?|minutes?|mins?|seconds?|steps|"
    r"quid|pounds|dollars|euros|bucks|k|calories|kcal|ml|mg|km|miles|people|members|views|"
    r"times|pages|words)\b"
)
_KEYPAD = str.maketrans("abcdefghijklmnopqrstuvwxyz", "22233344455566677778889999")

_DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_SPELLED_PHONE = re.compile(
    r"\b(?:(?:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine|double|triple|\d+)"
    r"(?:[ ,.-]+|$)){4,}"
)

_HANDLE = re.compile(r"(?<![\w.@/])@(?=[a-z0-9_.]*[a-z])[a-z0-9_](?:[a-z0-9_.]*[a-z0-9_])?")
_ACCOUNT = re.compile(
    # "insta: lou.sober", "snapchat - dani.xo.22", "fb messenger: Abdul Rahman Recovers"
    rf"\b(?:{_SERVICES})(?: (?:handle|name|username|user name|id|account|is|@))?"
    rf" ?[:=\-\u2013] ?(?!(?:{_NOT_A_NAME})\b)[a-z0-9_@.#]"
    # "signal: ellie.42": a word that is also a service needs a name with . _ # or digits
    rf"|\b(?:{_AMBIGUOUS_SERVICES})(?: (?:handle|name|username|id|account))? ?[:=\-\u2013] ?"
    r"[a-z0-9_.]*[._#\d][a-z0-9_.#]*"
    # "my snap is jaybird_22", "my insta is the same as my name here"
    rf"|\bmy (?:{_SERVICES}|{_AMBIGUOUS_SERVICES})"
    r"(?: (?:handle|name|username|user name|id|account|@))? (?:is|=|:)(?! (?:down|broken|"
    r"dead|gone|deleted|private|off|not|so|full|blowing|crashing|glitching|weird)\b)"
    # "add me on insta", "find me on tiktok", "hmu on snap"
    rf"|\b(?:add|follow|find|message|msg|dm|pm|chat to|talk to|hit|hmu|text|reach|catch|look)"
    r" (?:me )?(?:up )?"
    rf"on (?:{_SERVICES}|{_AMBIGUOUS_SERVICES})\b"
    # "kik me tomtom88"
    rf"|\b(?:{_SERVICES}) me(?: at| on)?:? (?!if\b|when\b|after\b|later\b|anytime\b|"
    r"sometime\b|back\b|please\b|pls\b|and\b|or\b|too\b|x\b)[a-z0-9_.@]*[a-z0-9]"
    # "I'm on twitter as daniR"
    rf"|\bon (?:{_SERVICES}|{_AMBIGUOUS_SERVICES}) as\b"
    rf"|\b(?:{_SERVICES}) (?:handle|username|user name|id|account) (?:is|:)"
)


@dataclass(frozen=True)
class Allowed:
    """The crisis lines' own contact details, which may always be posted."""

    numbers: frozenset[str]  # digits only
    emails: frozenset[str]
    hosts: frozenset[str]  # without "www."


def _strings(value: Any) -> list[tuple[str, str]]:
    """Every (key, text) pair in a TOML table, however deep."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(inner, str):
                found.append((str(key), inner))
            elif isinstance(inner, dict) and all(isinstance(t, str) for t in inner.values()):
                # A field in each language ({en = "...", es = "..."}) keeps its own key.
                found += [(str(key), text) for text in inner.values()]
            else:
                found += _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _strings(inner)
    return found


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number.translate(_KEYPAD))


def _host(link: str) -> str:
    match = _HOST.match(link)
    return match.group(1).strip(".") if match else link


def read_allowed(path: Path = CRISIS_LINES_FILE) -> Allowed:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    numbers: set[str] = set()
    emails: set[str] = set()
    hosts: set[str] = set()
    for key, text in _strings(data):
        folded = fold(text)
        for email in _EMAIL.findall(folded):
            emails.add(email.replace(" ", ""))
        blanked = _EMAIL.sub(" ", folded)
        hosts.update(_host(link) for link in _LINK.findall(blanked))
        # Phone numbers are read only where a number is meant, not from dates in "source".
        if key in ("contact", "emergency"):
            numbers.update(_digits(n) for n in _PHONE.findall(_LINK.sub(" ", blanked)))
    return Allowed(frozenset(numbers - {""}), frozenset(emails), frozenset(hosts))


@lru_cache(maxsize=1)
def shipped_allowed() -> Allowed:
    return read_allowed()


def _allowed_number(digits: str, international: bool, allowed: Allowed) -> bool:
    if digits in allowed.numbers:
        return True
    # "+44 116 123": a country code in front of a line we ship.
    return international and any(
        digits.endswith(number) and 0 < len(digits) - len(number) <= 3
        for number in allowed.numbers
        if len(number) >= 3
    )


def _allowed_host(host: str, allowed: Allowed) -> bool:
    return any(host == known or host.endswith("." + known) for known in allowed.hosts)


def _is_phone(text: str, match: re.Match[str], allowed: Allowed) -> bool:
    candidate = match.group(0)
    digits = _digits(candidate)
    if len(digits) < _MIN_PHONE_DIGITS or _DATE.match(candidate):
        return False
    groups = re.findall(r"\d+", candidate)
    if len(groups) > 1 and all(_YEAR.match(group) for group in groups):
        return False
    # Counting ("1 2 3 4 5 6 7 8") is not a number anyone can ring.
    if digits in "0123456789" or digits in "9876543210":
        return False
    if _CURRENCY_BEFORE.search(text[: match.start()]) or _UNIT_AFTER.match(text[match.end() :]):
        return False
    return not _allowed_number(digits, candidate.startswith("+"), allowed)


def _spelled_digits(run: str) -> str:
    digits, repeat = [], 1
    for word in re.findall(r"[a-z]+|\d+", run):
        if word in ("double", "triple"):
            repeat = 2 if word == "double" else 3
            continue
        digits.append((word if word.isdigit() else _DIGIT_WORDS[word]) * repeat)
        repeat = 1
    return "".join(digits)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _prepare(text: str) -> str:
    """Fold, then close up letters and digits spaced out one by one ("0 7 7 0 0")."""
    return _SPACED_OUT.sub(lambda m: m.group(0).replace(" ", ""), fold(text))


def _find_all(text: str, allowed: Allowed) -> list[tuple[int, str]]:
    """(position, kind) of every contact detail, each kind blanked before the next looks."""
    found: list[tuple[int, str]] = []
    for pattern in (_EMAIL, _EMAIL_WRITTEN_OUT, _EMAIL_AT_SERVICE):
        for match in pattern.finditer(text):
            if match.group(0).replace(" ", "") not in allowed.emails:
                found.append((match.start(), "email"))
            text = _blank(text, match.start(), match.end())
    for match in _LINK.finditer(text):
        if not _allowed_host(_host(match.group(0)), allowed):
            found.append((match.start(), "link"))
        text = _blank(text, match.start(), match.end())
    # Spelled-out numbers first: "07700 nine double oh ..." mixes digits and words.
    for match in _SPELLED_PHONE.finditer(text):
        digits = _spelled_digits(match.group(0))
        if re.search(r"[a-z]", match.group(0)) and len(digits) >= _MIN_PHONE_DIGITS:
            if not _allowed_number(digits, False, allowed):
                found.append((match.start(), "phone"))
            text = _blank(text, match.start(), match.end())
    for match in _PHONE.finditer(text):
        if _is_phone(text, match, allowed):
            found.append((match.start(), "phone"))
        text = _blank(text, match.start(), match.end())
    found += [(match.start(), "handle") for match in _HANDLE.finditer(text)]
    found += [(match.start(), "handle") for match in _ACCOUNT.finditer(text)]
    return found


def find_contact(text: str) -> str | None:
    """The kind of the first contact detail in text ("phone", "email", "link" or
    "handle"), or None; the crisis lines Porchlight ships are never contact details."""
    found = _find_all(_prepare(text), shipped_allowed())
    return min(found)[1] if found else None
