"""Answer "who is responsible for X on service Y?" from the matrix, or say plainly that we don't know.

Matching, in order:
1. The service: the longest service alias (or id) found as whole words anywhere in the question wins, so
   "ECS on EC2" beats "EC2" and "EKS on Fargate" beats "EKS"; on a tie, the one named first. When no
   service is named, the question is tried against the controls that hold for every service (`general`).
2. The control: the remaining words, minus filler ("who", "the", "on"…), are compared with each entry's
   control name and keywords. Words match when one is a prefix of the other (patch / patches / patching) or
   they share their first five letters (rotate / rotation). Each question word is weighted by how rare it is
   across the matrix (inverse document frequency), so "hypervisor" decides more than "patching". The score is
   the weighted share of the question's words that matched, plus 0.5 when a keyword phrase of two or more
   words is found whole in the question.
3. Confidence: the best entry is the answer only if its score is at least 0.6 and no entry with a *different*
   party scores within 0.2 of it. Otherwise the answer is "not sure" with the closest entries listed.
   The service's own entries are tried first; only when none of them matches well enough are the `general`
   entries (controls that hold for every service) tried.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from content.schema import Matrix, MatrixEntry, ServiceInfo

GENERAL = "general"
MIN_SCORE = 0.6
MARGIN = 0.2

_STOP = frozenset(
    "a an the who whom whose is are was were be for of on in at to with by and or do does did which what "
    "responsible responsibility responsibilities handles handle owns own job task when how should i we our my "
    "me you your it its this that there their amazon service services using use uses used".split()
)
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _match(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 3 and long_.startswith(short) and (len(short) >= 4 or len(long_) - len(short) <= 3):
        return True
    return len(short) >= 5 and short[:5] == long_[:5]


@dataclass(frozen=True, slots=True)
class Hit:
    entry: MatrixEntry
    score: float


@dataclass(frozen=True, slots=True)
class LookupResult:
    """`answer` is set only when the match is confident; `closest` always lists the best candidates."""

    service: ServiceInfo | None
    answer: MatrixEntry | None
    closest: tuple[MatrixEntry, ...] = ()
    control_text: str = ""
    known_services: tuple[str, ...] = field(default_factory=tuple)

    @property
    def found(self) -> bool:
        return self.answer is not None


class Lookup:
    def __init__(self, matrix: Matrix) -> None:
        self.matrix = matrix
        self._services = {s.id: s for s in matrix.services}
        self._aliases: list[tuple[tuple[str, ...], ServiceInfo]] = []
        for service in matrix.services:
            names = {service.id, service.id.replace("-", " "), service.name, *service.aliases}
            for name in names:
                toks = tuple(words(name))
                if toks:
                    self._aliases.append((toks, service))
        self._aliases.sort(key=lambda item: -len(item[0]))
        self._entries: dict[str, list[MatrixEntry]] = {}
        self._vocab: dict[int, frozenset[str]] = {}
        for entry in matrix.entries:
            self._entries.setdefault(entry.service, []).append(entry)
            vocab = set(words(entry.control))
            for keyword in entry.keywords:
                vocab.update(words(keyword))
            self._vocab[id(entry)] = frozenset(vocab - _STOP)
        self._all_vocab = list(self._vocab.values())

    def service_label(self, service_id: str) -> str:
        service = self._services.get(service_id)
        return service.name if service else service_id

    def service_names(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.matrix.services)

    def find_service(self, text: str) -> tuple[ServiceInfo | None, list[str]]:
        """The service named in `text` (longest alias wins) and the words left once it is removed."""
        toks = words(text)
        best: tuple[int, int, ServiceInfo] | None = None  # (-length, position, service)
        for alias, service in self._aliases:
            n = len(alias)
            for i in range(len(toks) - n + 1):
                if tuple(toks[i : i + n]) == alias:
                    key = (-n, i, service)
                    if best is None or key[:2] < best[:2]:
                        best = key
                    break
        if best is None:
            return None, toks
        n, i = -best[0], best[1]
        return best[2], toks[:i] + toks[i + n :]

    def entries_for(self, service_id: str) -> list[MatrixEntry]:
        return list(self._entries.get(service_id, []))

    @lru_cache(maxsize=4096)  # noqa: B019 - one Lookup lives as long as the content it indexes
    def weight(self, word: str) -> float:
        """Rare words weigh more: log(1 + entries / entries whose vocabulary matches the word)."""
        df = sum(1 for vocab in self._all_vocab if any(_match(word, v) for v in vocab))
        return math.log(1 + len(self._all_vocab) / (df or 1))

    def score(self, entry: MatrixEntry, query: list[str], raw: str) -> float:
        vocab = self._vocab.get(id(entry)) or frozenset(words(entry.control))
        if not query:
            return 0.0
        total = sum(self.weight(q) for q in query)
        matched = sum(self.weight(q) for q in query if any(_match(q, v) for v in vocab))
        phrase = " ".join(words(raw))
        bonus = max(
            (
                0.5
                for k in (entry.control, *entry.keywords)
                if len(words(k)) > 1 and " ".join(words(k)) in phrase
            ),
            default=0.0,
        )
        return matched / total + bonus

    def lookup(self, service_text: str, control_text: str = "") -> LookupResult:
        """`service_text` may be the whole question; `control_text` the rest of the words, if separate."""
        question = f"{service_text} {control_text}".strip()
        service, rest = self.find_service(question)
        if service is None:
            general = self._services.get(GENERAL)
            result = self._match(general, words(question)) if general else None
            if result is not None and result.answer is not None:
                return result
            return LookupResult(None, None, known_services=self.service_names())
        return self._match(service, rest)

    def _match(self, service: ServiceInfo, rest: list[str]) -> LookupResult:
        query = [w for w in rest if w not in _STOP]
        raw = " ".join(rest)
        own = self.entries_for(service.id)
        if not query:
            return LookupResult(service, None, tuple(own[:8]), raw, self.service_names())
        own_hits = self._rank(own, query, raw)
        general_hits = [] if service.id == GENERAL else self._rank(self.entries_for(GENERAL), query, raw)
        closest = tuple(h.entry for h in (own_hits + general_hits)[:5] if h.score > 0) or tuple(own[:5])
        for hits in (own_hits, general_hits):
            if not hits or hits[0].score < MIN_SCORE:
                continue
            best = hits[0]
            if any(h.entry.party != best.entry.party and best.score - h.score < MARGIN for h in hits[1:]):
                return LookupResult(service, None, closest, raw, self.service_names())
            return LookupResult(service, best.entry, closest, raw, self.service_names())
        return LookupResult(service, None, closest, raw, self.service_names())

    def _rank(self, entries: list[MatrixEntry], query: list[str], raw: str) -> list[Hit]:
        return sorted((Hit(e, self.score(e, query, raw)) for e in entries), key=lambda h: -h.score)
