"""How fast is the crisis assessor? Messages a second on one core.

Run: python bench/bench_safety.py [--rounds N]

It assesses every labelled message (tests/data/safety_labelled*.jsonl) round after round
in one process on one core, with the lexicons already loaded, and reports the median
round's rate. The first round is a warm-up and is not counted.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from bot.safety import assess, default_lexicons

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def messages() -> list[tuple[str, str]]:
    rows = []
    for path in sorted(DATA.glob("safety_labelled*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle if line.strip()]
    return [(row["text"], row["language"]) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    corpus = messages()
    default_lexicons()
    for text, language in corpus:  # warm-up
        assess(text, language)
    rates = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for text, language in corpus:
            assess(text, language)
        rates.append(len(corpus) / (time.perf_counter() - started))
    mean_length = statistics.mean(len(text) for text, _ in corpus)
    print(f"python {platform.python_version()} on {platform.machine()}, one core")
    print(f"{len(corpus)} messages (mean {mean_length:.0f} characters), {args.rounds} rounds")
    print(
        f"median {statistics.median(rates):,.0f} messages/s "
        f"(slowest round {min(rates):,.0f}, fastest {max(rates):,.0f})"
    )
    unknown = time.perf_counter()
    for text, _ in corpus:
        assess(text)  # no language: every lexicon runs
    print(
        f"with no language given (all lexicons): "
        f"{len(corpus) / (time.perf_counter() - unknown):,.0f} messages/s"
    )


if __name__ == "__main__":
    main()
