"""Answer "who is responsible for X?" from the matrix — or say plainly that we are not sure.

1. Services: every service named anywhere in the question (aliases, misspellings forgiven; see
   lookup_services). "general" / "aws" alone name no service.
2. Terms: the rest of the question goes through the same pipeline as the matrix (phrases, stemming,
   synonyms, spelling; see lookup_text).
3. Ranking: BM25 over each entry's control (×3), phrasings (×2) and reason. With a service named, only its
   entries and the general ones compete, the general ones at GENERAL_WEIGHT, so the specific control beats
   "patch management". With none named, every entry competes and a general one wins a near tie (the
   answer then says it is the general model).
4. Confidence (0–1): how much of the question the best entry covers (IDF-weighted), times how clearly it
   beats the best entry of a *different* party. Below THRESHOLD the answer is "not sure" with the closest
   entries. The constants were set on the tuning rows of tests/content/lookup_questions.tsv only.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from content.lookup_bm25 import TermIndex
from content.lookup_see_also import SeeAlso, SeeAlsoIndex
from content.lookup_services import ServiceFinder
from content.lookup_text import terms, vocabulary, words
from content.schema import Lesson, Matrix, MatrixEntry, Scenario, ServiceInfo

if TYPE_CHECKING:
    from content.loader import ContentBundle

GENERAL = "general"
GENERAL_WEIGHT = 0.5  # a general entry's score when a service is named
SPECIFIC_WEIGHT = 0.92  # a service's entry when no service is named: the general model wins a near tie
THRESHOLD = 0.9  # answer only at or above this confidence
MIN_COVERAGE = 0.4  # …and only when the best entry covers this much of the question (unknown words count)
#: Logistic calibration of the confidence (fit on the tuning rows only; see bench/lookup_fit.py).
CAL_BIAS, CAL_COVERAGE, CAL_MARGIN = 5.21, 0.18, 1.11
PHRASE_BONUS = 0.15
FALLBACK_COVERAGE = 0.5  # below this, a named service's own entries do not explain the question: try all
SPECIFIC_COVERAGE = (
    0.5  # a named service's entry covering this much of the question outranks every general one
)
OTHER_WEIGHT = 0.7  # …and then another service's entry competes at this weight  # per phrasing of 2+ words found whole in the question (at most two count)


@dataclass(frozen=True, slots=True)
class Hit:
    entry: MatrixEntry
    score: float
    position: int  # in the matrix (and the BM25 index)


@dataclass(frozen=True, slots=True)
class LookupResult:
    """`answer` is set only when confident; `closest` always lists the best candidates (answer first)."""

    service: ServiceInfo | None  # the answer's service, else the first one named
    answer: MatrixEntry | None
    closest: tuple[MatrixEntry, ...] = ()
    control_text: str = ""
    known_services: tuple[str, ...] = field(default_factory=tuple)
    confidence: float = 0.0
    question: str = ""
    named: tuple[ServiceInfo, ...] = ()  # the services the question names
    see_also: tuple[SeeAlso, ...] = ()

    @property
    def found(self) -> bool:
        return self.answer is not None

    @property
    def general_model(self) -> bool:
        """No service was named and the general model answered."""
        return not self.named and self.answer is not None and self.answer.service == GENERAL

    @property
    def alternatives(self) -> tuple[MatrixEntry, ...]:
        """Up to three other entries the question might have meant."""
        return tuple(e for e in self.closest if e is not self.answer)[:3]


def _phrases(entry: MatrixEntry) -> frozenset[tuple[str, ...]]:
    """The entry's control name and phrasings of two or more terms, as term sequences."""
    seqs = (tuple(terms(text)) for text in (entry.control, *entry.keywords))
    return frozenset(seq for seq in seqs if 2 <= len(seq) <= 4)


def _ngrams(query: list[str]) -> set[tuple[str, ...]]:
    return {tuple(query[i : i + n]) for n in (2, 3, 4) for i in range(len(query) - n + 1)}


def _doc(entry: MatrixEntry) -> list[str]:
    control = terms(entry.control)
    phrasings = [t for k in entry.keywords for t in terms(k)]
    return control * 3 + phrasings * 2 + terms(entry.reason)


class Lookup:
    """The matrix indexed once (on first use, so building a Lookup costs nothing until it is asked)."""

    def __init__(
        self, matrix: Matrix, scenarios: tuple[Scenario, ...] = (), lessons: tuple[Lesson, ...] = ()
    ) -> None:
        self.matrix = matrix
        self._scenarios = scenarios
        self._lessons = lessons
        self._services = {s.id: s for s in matrix.services}
        self._by_key = {e.key: e for e in matrix.entries}
        self._built = False

    def _build(self) -> None:
        entries = self.matrix.entries
        texts = [t for e in entries for t in (e.control, e.reason, *e.keywords)]
        self.known = vocabulary(texts)
        self.finder = ServiceFinder(self.matrix.services, self.known)
        self.index = TermIndex([_doc(e) for e in entries])
        self._service_of = [e.service for e in entries]
        self._phrases = [_phrases(e) for e in entries]
        self.see_also_index = SeeAlsoIndex(self._scenarios, self._lessons, self.finder)
        self._built = True

    def service_label(self, service_id: str) -> str:
        service = self._services.get(service_id)
        return service.name if service else service_id

    def service_kind(self, service_id: str) -> str:
        service = self._services.get(service_id)
        return service.model.value if service else "unknown"

    def service_names(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.matrix.services)

    def entry(self, key: str) -> MatrixEntry | None:
        return self._by_key.get(key)

    def entries_for(self, service_id: str) -> list[MatrixEntry]:
        return [e for e in self.matrix.entries if e.service == service_id]

    def find_service(self, text: str) -> tuple[ServiceInfo | None, list[str]]:
        """The first service named in `text` and the words left once every name is removed."""
        if not self._built:
            self._build()
        named = self.finder.find(text)
        return (named.services[0] if named.services else None), list(named.rest)

    def lookup(self, service_text: str, control_text: str = "") -> LookupResult:
        """`service_text` may be the whole question; `control_text` the rest of it, if given apart."""
        if not self._built:
            self._build()
        question = f"{service_text} {control_text}".strip()
        named = self.finder.find(question)
        services = tuple(s for s in named.services if s.id != GENERAL)
        rest = " ".join(named.rest)
        hits, query = self._ranked(services, rest)
        first = services[0] if services else (named.services[0] if named.services else None)
        closest = (
            tuple(h.entry for h in hits[:5] if h.score > 0)
            or tuple(e for s in services for e in self.entries_for(s.id))[:5]
        )
        base = LookupResult(first, None, closest, rest, self.service_names(), 0.0, question, services)
        if not hits or hits[0].score <= 0:
            return base
        best = hits[0]
        coverage, margin = self.features(hits, query)
        confidence = calibrated(coverage, margin) if coverage >= MIN_COVERAGE else round(coverage / 2, 3)
        if confidence < THRESHOLD:
            return replace(base, confidence=confidence)
        service = self._services.get(best.entry.service, first)
        see = self.see_also_index.find(query, best.entry.service, best.entry.party.value)
        return replace(base, service=service, answer=best.entry, confidence=confidence, see_also=see)

    def ranked(self, question: str) -> tuple[list[Hit], list[str]]:
        """Every candidate entry by score, and the question's terms (for calibration and debugging)."""
        if not self._built:
            self._build()
        named = self.finder.find(question)
        return self._ranked(tuple(s for s in named.services if s.id != GENERAL), " ".join(named.rest))

    def _ranked(self, services: tuple[ServiceInfo, ...], rest: str) -> tuple[list[Hit], list[str]]:
        query = terms(rest, self.known)
        hits = self._rank(query, {s.id for s in services})
        specific = [h for h in hits if h.entry.service != GENERAL]
        if (
            services
            and specific
            and specific[0].score > 0
            and self.index.coverage(specific[0].position, query) >= SPECIFIC_COVERAGE
        ):
            # the named service's own control explains the question: it beats the general entries
            hits = specific + [h for h in hits if h.entry.service == GENERAL]
        if services and (not hits or self.index.coverage(hits[0].position, query) < FALLBACK_COVERAGE):
            hits = self._rank(query, set(), prefer={s.id for s in services})
        return hits, query

    def _rank(
        self, query: list[str], named: set[str], prefer: frozenset[str] | set[str] = frozenset()
    ) -> list[Hit]:
        """Entries by score. `named`: only those services (and general). `prefer`: all entries compete,
        the preferred services' at full weight (a question that names one service but asks about another)."""
        scores = self.index.scores(query)
        grams = _ngrams(query)
        hits: list[Hit] = []
        for i, entry in enumerate(self.matrix.entries):
            svc = self._service_of[i]
            if named:
                if svc != GENERAL and svc not in named:
                    continue
                weight = GENERAL_WEIGHT if svc == GENERAL else 1.0
            elif prefer:
                weight = 1.0 if svc in prefer else (GENERAL_WEIGHT if svc == GENERAL else OTHER_WEIGHT)
            else:
                weight = 1.0 if svc == GENERAL else SPECIFIC_WEIGHT
            if grams and scores[i] > 0:
                weight *= 1 + PHRASE_BONUS * min(2, len(grams & self._phrases[i]))
            hits.append(Hit(entry, scores[i] * weight, i))
        hits.sort(key=lambda h: -h.score)
        return hits

    def features(self, hits: list[Hit], query: list[str]) -> tuple[float, float]:
        """How much of the question the best entry covers, and by what share of its score it beats the
        best entry of another party."""
        best = hits[0]
        coverage = self.index.coverage(best.position, query)
        rival = next((h.score for h in hits[1:] if h.entry.party != best.entry.party), 0.0)
        return coverage, (best.score - rival) / best.score


def calibrated(coverage: float, margin: float) -> float:
    """P(the party is right), a logistic fit of the two features on the tuning rows (bench/lookup_fit.py)."""
    z = CAL_BIAS + CAL_COVERAGE * coverage + CAL_MARGIN * math.log(margin + 0.01)
    return round(1 / (1 + math.exp(-z)), 3)


_INDEXES: dict[int, tuple[weakref.ref[ContentBundle], Lookup]] = {}


def index_for(content: ContentBundle) -> Lookup:
    """One index per loaded content bundle (matrix, scenarios, lessons), built once and reused."""
    cached = _INDEXES.get(id(content))
    if cached is not None and cached[0]() is content:
        return cached[1]
    index = Lookup(content.matrix, tuple(content.scenarios.values()), content.lessons)
    _INDEXES[id(content)] = (weakref.ref(content), index)
    return index


__all__ = ["GENERAL", "Hit", "Lookup", "LookupResult", "SeeAlso", "index_for", "words"]
