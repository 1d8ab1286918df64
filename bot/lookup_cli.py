"""`respbot lookup`: one question (text or --json), or --eval over a file of questions."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from content.loader import ContentBundle
from content.lookup import Lookup, LookupResult, index_for
from content.lookup_eval import (
    NOT_SURE,
    RIGHT,
    WRONG,
    EvalFileError,
    evaluate,
    read_questions,
    report,
    tallies,
)
from content.schema import MatrixEntry

#: The figures the lookup must keep on the shipped question file (tests/content/test_lookup_eval.py).
MIN_RIGHT = 0.92
MAX_WRONG = 0.02


def _brief(index: Lookup, e: MatrixEntry) -> dict[str, str]:
    return {
        "key": e.key,
        "service": index.service_label(e.service),
        "control": e.control,
        "party": e.party.value,
    }


def payload(index: Lookup, question: str, result: LookupResult) -> dict[str, Any]:
    """The --json shape: the answer's fields are null when the lookup is not sure."""
    e = result.answer
    service = e.service if e else (result.service.id if result.service else None)
    return {
        "question": question,
        "service": service,
        "control": e.control if e else None,
        "party": e.party.value if e else None,
        "confidence": result.confidence,
        "reason": e.reason if e else None,
        "reference": e.reference if e else None,
        "alternatives": [_brief(index, a) for a in (result.alternatives if e else result.closest[:5])],
    }


def _text(index: Lookup, result: LookupResult) -> str:
    e = result.answer
    assert e is not None
    lines = [
        f"{index.service_label(e.service)} — {e.control}: {e.party.value.upper()}",
        e.reason,
        e.reference,
    ]
    if result.general_model:
        lines.append("(No service named: this is the general model, true for every AWS service.)")
    lines += [f"See also: {s.kind} {s.id} — {s.title}" for s in result.see_also]
    if result.alternatives:
        lines.append(
            "Not what you meant? " + "; ".join(f"{a.control} ({a.service})" for a in result.alternatives)
        )
    return "\n".join(lines)


def _not_sure(index: Lookup, result: LookupResult) -> str:
    if result.service is None and not result.closest:
        return f"Not sure: I found no service or control I know in that. Known services: {', '.join(index.service_names())}"
    about = f" for {result.service.name}" if result.service else ""
    lines = [f"Not sure which control you mean{about}, so I won't guess. Closest entries:"]
    lines += [f"  - {e.control} ({e.service}): {e.party.value}  [{e.key}]" for e in result.closest]
    return "\n".join(lines)


def run_question(content: ContentBundle, question: str, as_json: bool) -> int:
    index = index_for(content)
    result = index.lookup(question)
    if as_json:
        print(json.dumps(payload(index, question, result)))
    elif result.answer is not None:
        print(_text(index, result))
    else:
        print(_not_sure(index, result), file=sys.stderr)
    return 0 if result.answer is not None else 1


def run_eval(content: ContentBundle, path: Path, verbose: bool = False) -> int:
    try:
        questions = read_questions(path)
    except EvalFileError as exc:
        print(f"respbot: {exc}", file=sys.stderr)
        return 1
    graded = evaluate(index_for(content), questions)
    for line in report(graded, show_misses=verbose):
        print(line)
    whole = tallies(graded)["all"]
    met = whole.share(RIGHT) >= MIN_RIGHT and whole.share(WRONG) <= MAX_WRONG
    print(
        f"{'OK' if met else 'BELOW TARGET'}: right {whole.share(RIGHT):.1%}, not sure {whole.share(NOT_SURE):.1%}, "
        f"confidently wrong {whole.share(WRONG):.1%} of {whole.total} (targets ≥{MIN_RIGHT:.0%} right, "
        f"≤{MAX_WRONG:.0%} confidently wrong)"
    )
    return 0 if met else 1
