"""Measure the lookup on a file of questions: right, not sure, confidently wrong — overall, per split and per
service kind. Used by `respbot lookup --eval FILE` and by the test that holds the figures up.

File format (tab-separated, `#` comments, one header row): question, party (aws | customer | shared, or
`unsure` when the honest answer is "not sure"), accepted entry keys (space-separated, may be empty), split
(`tune` or `holdout`).

- right: confident, and the party is the expected one (for `unsure` rows: not confident, and the first
  accepted entry, if any, is among the candidates listed);
- not sure: the lookup declined to answer a question that has an expected party;
- confidently wrong: a confident answer with the wrong party (or any confident answer to an `unsure` row).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from content.lookup import Lookup

RIGHT, NOT_SURE, WRONG = "right", "not sure", "confidently wrong"
UNSURE = "unsure"


class EvalFileError(ValueError):
    """A malformed question file, with the line that is wrong."""


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    party: str
    entries: tuple[str, ...]
    split: str
    line: int


@dataclass(frozen=True, slots=True)
class Graded:
    question: Question
    outcome: str
    answered: str  # the key answered, or "" when not sure
    entry_exact: bool
    kind: str  # service kind of the expected entry (iaas, managed, …) or "unsure"


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    entry_exact: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, outcome: str) -> float:
        return self.counts[outcome] / self.total if self.total else 0.0

    def line(self, label: str) -> str:
        n = self.total
        return (
            f"{label:<10} n={n:<4} right {self.counts[RIGHT]:>3} ({self.share(RIGHT):6.1%})  "
            f"not sure {self.counts[NOT_SURE]:>3} ({self.share(NOT_SURE):6.1%})  "
            f"confidently wrong {self.counts[WRONG]:>3} ({self.share(WRONG):5.1%})  "
            f"exact entry {self.entry_exact:>3}"
        )


def read_questions(path: Path) -> list[Question]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"{path}: cannot be read: {exc}") from None
    rows = [
        (n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip() and not line.startswith("#")
    ]
    out: list[Question] = []
    for n, row in _split(rows):
        if row[0] == "question":
            continue
        if (
            len(row) != 4
            or row[1] not in ("aws", "customer", "shared", UNSURE)
            or row[3] not in ("tune", "holdout")
        ):
            raise EvalFileError(
                f"{path}:{n}: expected question, party, entries, split (tab-separated): {row!r}"
            )
        out.append(Question(row[0], row[1], tuple(row[2].split()), row[3], n))
    if not out:
        raise EvalFileError(f"{path}: no questions")
    return out


def _split(rows: Iterable[tuple[int, str]]) -> Iterable[tuple[int, list[str]]]:
    for n, line in rows:
        yield n, line.rstrip("\n").split("\t")


def grade(index: Lookup, question: Question) -> Graded:
    result = index.lookup(question.text)
    answer = result.answer
    expected = question.entries[0] if question.entries else ""
    entry = index.entry(expected)
    kind = index.service_kind(entry.service) if entry is not None else UNSURE
    kind = "general" if kind == "all" else kind
    if question.party == UNSURE:
        listed = not expected or any(e.key == expected for e in result.closest)
        outcome = RIGHT if answer is None and listed else (WRONG if answer is not None else NOT_SURE)
        return Graded(question, outcome, answer.key if answer else "", answer is None, UNSURE)
    if answer is None:
        return Graded(question, NOT_SURE, "", False, kind)
    outcome = RIGHT if answer.party.value == question.party else WRONG
    return Graded(question, outcome, answer.key, answer.key in question.entries, kind)


def evaluate(index: Lookup, questions: list[Question]) -> list[Graded]:
    return [grade(index, q) for q in questions]


def tallies(graded: list[Graded]) -> dict[str, Tally]:
    """'all', 'tune', 'holdout' and one per service kind."""
    out: dict[str, Tally] = defaultdict(Tally)
    for g in graded:
        for label in ("all", g.question.split, f"kind:{g.kind}"):
            out[label].counts[g.outcome] += 1
            out[label].entry_exact += int(g.entry_exact)
    return dict(out)


def report(graded: list[Graded], show_misses: bool = True) -> list[str]:
    t = tallies(graded)
    lines = [t[label].line(label) for label in ("all", "tune", "holdout") if label in t]
    lines += [t[k].line(k.removeprefix("kind:")) for k in sorted(t) if k.startswith("kind:")]
    if show_misses:
        for g in graded:
            if g.outcome != RIGHT:
                want = f"{g.question.party} {g.question.entries[0] if g.question.entries else ''}".strip()
                lines.append(
                    f"  {g.outcome:<17} line {g.question.line}: {g.question.text!r} → {g.answered or '-'} (want {want})"
                )
    return lines
