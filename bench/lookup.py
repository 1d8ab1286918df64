"""`lookup`: milliseconds per question for `/responsibility lookup`, over every question in
tests/content/lookup_questions.tsv (repeated; quick: once), on an index built once as the bot does.

Value: the 95th percentile per question. Baseline: the simplest possible lookup over the same matrix —
count the plain words a question shares with each entry's control and phrasings, no stemming, synonyms,
spelling or BM25 — so the ratio says what the understanding costs. Target: under 20 ms per question.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.common import Result, now, percentile
from content.loader import load_bundle
from content.lookup import index_for
from content.lookup_eval import read_questions
from content.schema import MatrixEntry

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "content" / "lookup_questions.tsv"
TARGET_MS = 20.0
_WORD = re.compile(r"[a-z0-9]+")


def _naive(entries: list[tuple[MatrixEntry, frozenset[str]]], question: str) -> MatrixEntry:
    asked = set(_WORD.findall(question.lower()))
    return max(entries, key=lambda item: len(asked & item[1]))[0]


async def run(quick: bool) -> Result:
    bundle = load_bundle()
    started = now()
    index = index_for(bundle)
    index.lookup("warm up: builds the index")
    build_ms = (now() - started) * 1000
    questions = [q.text for q in read_questions(QUESTIONS)] * (1 if quick else 5)
    samples: list[float] = []
    for text in questions:
        t0 = now()
        index.lookup(text)
        samples.append(now() - t0)
    naive = [
        (e, frozenset(_WORD.findall(" ".join((e.control, *e.keywords)).lower())))
        for e in bundle.matrix.entries
    ]
    base: list[float] = []
    for text in questions:
        t0 = now()
        _naive(naive, text)
        base.append(now() - t0)
    p95 = percentile(samples, 0.95) * 1000
    base_p95 = percentile(base, 0.95) * 1000
    median = sorted(samples)[len(samples) // 2] * 1000
    return Result(
        "lookup",
        round(p95, 3),
        "ms per question (p95)",
        round(base_p95, 3),
        round(p95 / base_p95, 1) if base_p95 else 0.0,
        f"< {TARGET_MS:g} ms",
        p95 < TARGET_MS,
        f"median {median:.2f} ms, max {max(samples) * 1000:.1f} ms over {len(samples)} questions; "
        f"index built once in {build_ms:.0f} ms ({len(bundle.matrix.entries)} entries, "
        f"{len(bundle.scenarios)} scenarios)",
    )
