"""A small BM25 index over already-normalised terms (bm25s does the scoring), plus how much of a query a
document covers — the part of the confidence that says "did we even understand the question?"."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import bm25s
import numpy as np


class TermIndex:
    """BM25 (Lucene variant) over documents given as term lists; scores for every document at once."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        self.size = len(docs)
        self._bm25 = bm25s.BM25()
        self._bm25.index([list(d) or ["_empty_"] for d in docs], show_progress=False)
        self._vocab: dict[str, int] = self._bm25.vocab_dict
        self.doc_terms = [frozenset(d) for d in docs]
        df = Counter(t for d in self.doc_terms for t in d)
        self._idf = {t: math.log(1 + (self.size - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        self.max_idf = math.log(1 + (self.size - 0.5) / 1.5)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        ids = [self._vocab[t] for t in dict.fromkeys(query) if t in self._vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids))

    def idf(self, term: str) -> float:
        """Unknown terms weigh as much as the rarest known one: a question full of them is not understood."""
        return self._idf.get(term, self.max_idf)

    def coverage(self, doc: int, query: Sequence[str]) -> float:
        """Share of the query's weight (IDF) that this document contains."""
        unique = list(dict.fromkeys(query))
        total = sum(self.idf(t) for t in unique)
        if total == 0:
            return 0.0
        return sum(self.idf(t) for t in unique if t in self.doc_terms[doc]) / total
