"""Fit the lookup's confidence calibration: a logistic regression of "the answered party is right" on the
best entry's coverage and log margin, over the *tuning* rows of tests/content/lookup_questions.tsv only (the
held-back rows never take part). Prints the three constants for content/lookup.py and a reliability table.

    .venv/bin/python -m bench.lookup_fit
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from content.loader import load_bundle
from content.lookup import index_for
from content.lookup_eval import UNSURE, read_questions

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "content" / "lookup_questions.tsv"


def features() -> tuple[np.ndarray, np.ndarray]:
    index = index_for(load_bundle())
    index.lookup("warm up")
    xs: list[tuple[float, float]] = []
    ys: list[int] = []
    for q in read_questions(QUESTIONS):
        if q.split != "tune" or q.party == UNSURE:
            continue
        hits, query = index.ranked(q.text)
        if not hits or hits[0].score <= 0:
            continue
        coverage, margin = index.features(hits, query)
        xs.append((coverage, math.log(margin + 0.01)))
        ys.append(int(hits[0].entry.party.value == q.party))
    return np.array(xs), np.array(ys)


def fit(x: np.ndarray, y: np.ndarray, steps: int = 20000, rate: float = 0.5) -> np.ndarray:
    """Plain gradient descent on the log loss, with a little L2 so separable data stays finite."""
    design = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ w))
        w -= rate * (design.T @ (p - y) / len(y) + 0.01 * np.r_[0, w[1:]])
    return w


def main() -> None:
    x, y = features()
    w = fit(x, y)
    print(f"CAL_BIAS, CAL_COVERAGE, CAL_MARGIN = {w[0]:.2f}, {w[1]:.2f}, {w[2]:.2f}")
    p = 1 / (1 + np.exp(-(np.hstack([np.ones((len(x), 1)), x]) @ w)))
    for lo, hi in ((0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)):
        sel = (p >= lo) & (p < hi)
        if sel.any():
            print(f"confidence {lo:.2f}-{min(hi, 1):.2f}: n={int(sel.sum()):3} right {y[sel].mean():.0%}")


if __name__ == "__main__":
    main()
