"""A small BM25 index over already-normalised terms, plus how much of a query a document covers — the part of
the confidence that says "did we even understand the question?".

Scored here, in plain Python, rather than with bm25s: the corpora are a few hundred documents (the matrix's
~470 entries, ~360 scenarios and lessons), where a sum over each query term's postings takes microseconds,
while bm25s brings numpy into the bot process — about 26 MB of its resident memory (numpy's and OpenBLAS's
pages and bm25s itself), a fifth of the whole process, for arrays of some 20,000 numbers. The formula is
bm25s's "lucene" method with its defaults (Kamphuis et al., ECIR 2020), so scores and rankings are the ones
the confidence model and the lookup evaluation were tuned on.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Sequence

K1 = 1.5  # term-frequency saturation (bm25s's and Lucene's default)
B = 0.75  # document-length normalisation (the same)


class TermIndex:
    """BM25 (Lucene variant) over documents given as term lists; scores for every document at once.

    Each term's postings hold its precomputed per-document score (idf × tf part), so a query only adds."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        self.size = len(docs)
        self.doc_terms = [frozenset(d) for d in docs]
        df = Counter(t for d in self.doc_terms for t in d)
        self._idf = {t: math.log(1 + (self.size - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        self.max_idf = math.log(1 + (self.size - 0.5) / 1.5)
        average = sum(len(d) for d in docs) / self.size if any(docs) else 1.0  # all empty: no postings anyway
        postings: dict[str, tuple[array[int], array[float]]] = {}
        for position, doc in enumerate(docs):
            norm = K1 * (1 - B + B * len(doc) / average)
            for term, tf in Counter(doc).items():
                ids, scores = postings.setdefault(term, (array("i"), array("d")))
                ids.append(position)
                scores.append(self._idf[term] * tf / (norm + tf))
        self._postings = postings

    def scores(self, query: Sequence[str]) -> list[float]:
        """Each document's BM25 score for the query's distinct terms (0.0 where none occurs)."""
        total = [0.0] * self.size
        for term in dict.fromkeys(query):
            found = self._postings.get(term)
            if found is not None:
                for position, score in zip(*found, strict=True):
                    total[position] += score
        return total

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
