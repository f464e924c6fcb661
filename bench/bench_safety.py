"""How fast is the crisis assessment, and what does the learned layer cost?

Run: taskset -c 0 python bench/bench_safety.py [--rounds N]

On the labelled messages (tests/data/safety_labelled*.jsonl), in one process:
- loading the model (encoder and classifier, the SHA-256 checks included) and the
  process's peak memory before and after;
- the rules alone, message after message;
- rules and model one message at a time (every message alone, as a quiet bot sees them);
- rules and model through the bot's Assessor with every message arriving at once (a burst:
  the worker embeds what has gathered in batches);
- what a private chat's plain words cost besides: the intent read (its own embedding and
  the intent classifier), one message at a time.
Each rate is the median of N rounds after a warm-up round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bot.intents import load_shipped_intents
from bot.safety import assess, assess_rules
from bot.safety.assessor import Assessor, load_shipped_model
from bot.safety.rules import default_lexicons

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def messages() -> list[str]:
    rows = []
    for path in sorted(DATA.glob("safety_labelled*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle if line.strip()]
    return [row["text"] for row in rows]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rate(rounds: int, count: int, run: Callable[[], None]) -> str:
    run()  # warm-up
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        rates.append(count / (time.perf_counter() - started))
    middle, slowest, fastest = statistics.median(rates), min(rates), max(rates)
    return f"median {middle:,.0f}/s (slowest {slowest:,.0f}, fastest {fastest:,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    corpus = messages()
    default_lexicons()
    before = peak_mb()
    started = time.perf_counter()
    model, problem = load_shipped_model()
    loaded = time.perf_counter() - started
    if model is None:
        raise SystemExit(f"the model did not load: {problem}")
    mean_length = statistics.mean(len(text) for text in corpus)
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"{len(corpus)} messages (mean {mean_length:.0f} characters), {args.rounds} rounds")
    print(f"model loaded in {loaded:.2f} s")
    print(f"peak memory {before:.0f} MB before it, {peak_mb():.0f} MB after")

    def rules_alone() -> None:
        for text in corpus:
            assess_rules(text)

    def one_at_a_time() -> None:
        for text in corpus:
            assess(text)

    def burst() -> None:
        async def everything() -> None:
            assessor = Assessor(model)
            await asyncio.gather(*(assessor.assess(text) for text in corpus))
            await assessor.close()

        asyncio.run(everything())

    intents = load_shipped_intents()
    if intents is None:
        raise SystemExit("the intent classifier did not load")

    def intent_reads() -> None:
        for text in corpus:
            intents.read(text, model.encoder.encode([text])[0])

    print(f"rules alone: {rate(args.rounds, len(corpus), rules_alone)}")
    print(f"rules and model, one at a time: {rate(args.rounds, len(corpus), one_at_a_time)}")
    print(f"rules and model, a burst through the Assessor: {rate(args.rounds, len(corpus), burst)}")
    print(f"intent reads, one at a time: {rate(args.rounds, len(corpus), intent_reads)}")
    print(f"peak memory at the end: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
