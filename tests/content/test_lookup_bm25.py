"""The lookup's BM25 index: the Lucene variant's scores on a corpus small enough to work out by hand, and the
bot process staying free of numpy (the reason the index is scored in plain Python)."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from content.lookup_bm25 import TermIndex

DOCS = [["patch", "os"], ["patch", "patch", "key"], ["key"]]  # lengths 2, 3, 1: average 2


def _idf(containing: int, docs: int = 3) -> float:
    return math.log(1 + (docs - containing + 0.5) / (containing + 0.5))


def _tf(tf: int, length: int, average: float = 2.0, k1: float = 1.5, b: float = 0.75) -> float:
    return tf / (tf + k1 * (1 - b + b * length / average))


def test_scores_follow_the_lucene_formula() -> None:
    scores = TermIndex(DOCS).scores(["patch", "patch", "os"])  # a repeated query term counts once
    assert scores == pytest.approx(
        [_idf(2) * _tf(1, 2) + _idf(1) * _tf(1, 2), _idf(2) * _tf(2, 3), 0.0], rel=1e-12
    )


def test_a_shorter_document_scores_higher_for_the_same_term_once() -> None:
    scores = TermIndex(DOCS).scores(["key"])
    assert scores[2] > scores[1] > 0 == scores[0]


def test_unknown_terms_and_empty_input_score_nothing() -> None:
    assert TermIndex(DOCS).scores(["s3", "nope"]) == [0.0, 0.0, 0.0]
    assert TermIndex(DOCS).scores([]) == [0.0, 0.0, 0.0]
    assert TermIndex([]).scores(["patch"]) == []
    assert TermIndex([[], ["key"]]).scores(["key"])[0] == 0.0


def test_coverage_weighs_terms_by_idf_and_unknown_terms_as_the_rarest() -> None:
    index = TermIndex(DOCS)
    assert index.coverage(0, ["patch", "os"]) == 1.0
    assert index.coverage(2, ["patch", "os"]) == 0.0
    assert index.coverage(1, ["patch", "os"]) == pytest.approx(_idf(2) / (_idf(2) + _idf(1)))
    rarest = math.log(1 + 2.5 / 1.5)
    assert index.coverage(0, ["os", "unheard"]) == pytest.approx(_idf(1) / (_idf(1) + rarest))


def test_a_lookup_leaves_the_bot_process_without_numpy() -> None:
    """numpy is about 26 MB of a bot process's memory; only the chart process (matplotlib) may load it."""
    program = (
        "import sys, bot.app\n"
        "from content.loader import load_bundle\n"
        "from content.lookup import index_for\n"
        "assert index_for(load_bundle()).lookup('who patches the guest os on ec2').answer is not None\n"
        "print(sorted(m for m in ('numpy', 'matplotlib', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"
