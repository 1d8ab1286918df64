"""Which services a question names: aliases found as whole words anywhere, misspellings forgiven.

The longest alias wins where two overlap ("ECS on Fargate" beats "Fargate", "RDS Custom" beats "RDS"), and
every service named is kept (a question about "EBS volumes on EC2" names both). A word that is no alias
and no ordinary word the index knows, but is within a slip of a one-word alias ("dynamdb", "lamda",
"cloudtrial"), counts as that service.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from content.lookup_text import STOP, words
from content.schema import ServiceInfo


@dataclass(frozen=True, slots=True)
class Named:
    """The services a question names (first named first) and its words with the names taken out."""

    services: tuple[ServiceInfo, ...]
    rest: tuple[str, ...]


#: Two services named together that mean a third: "an EKS cluster on Fargate" is EKS on Fargate.
COMBINED = {
    frozenset({"eks", "fargate"}): "eks-fargate",
    frozenset({"ecs", "fargate"}): "fargate",
    frozenset({"ecs", "ec2"}): "ecs-ec2",
    frozenset({"rds", "rds-custom"}): "rds-custom",
}


class ServiceFinder:
    def __init__(self, services: list[ServiceInfo], ordinary_words: frozenset[str]) -> None:
        self._aliases: dict[tuple[str, ...], ServiceInfo] = {}
        self._by_id = {s.id: s for s in services}
        self._extra: dict[tuple[str, ...], tuple[str, ...]] = {}  # alias words that also say *what* is asked
        for service in services:
            core = set(words(f"{service.id.replace('-', ' ')} {service.name} aws amazon"))
            for name in (service.id, service.id.replace("-", " "), service.name, *service.aliases):
                toks = tuple(words(name))
                if toks and toks not in self._aliases:
                    self._aliases[toks] = service
                    self._extra[toks] = tuple(t for t in toks if t not in core)
        self._longest = max(len(a) for a in self._aliases)
        alias_words = {w for a in self._aliases for w in a}
        self._single = {a[0]: s for a, s in self._aliases.items() if len(a) == 1 and len(a[0]) >= 4}
        self._ordinary = ordinary_words | alias_words | STOP

    def find(self, text: str) -> Named:
        toks = words(text)
        found: list[tuple[int, ServiceInfo]] = []
        rest: list[str] = []
        i = 0
        while i < len(toks):
            hit = self._alias_at(toks, i)
            if hit is not None:
                n, service = hit
                found.append((i, service))
                rest.extend(self._extra[tuple(toks[i : i + n])])
                i += n
                continue
            fuzzy = self._fuzzy(toks[i])
            if fuzzy is not None:
                found.append((i, fuzzy))
            else:
                rest.append(toks[i])
            i += 1
        services: list[ServiceInfo] = []
        for _, service in sorted(found, key=lambda f: f[0]):
            if service not in services:
                services.append(service)
        return Named(self._combine(services), tuple(rest))

    def _combine(self, services: list[ServiceInfo]) -> tuple[ServiceInfo, ...]:
        ids = {s.id for s in services}
        for pair, combined in COMBINED.items():
            if pair <= ids and combined in self._by_id:
                services = [s for s in services if s.id not in pair]
                services.insert(0, self._by_id[combined])
        return tuple(services)

    def _alias_at(self, toks: list[str], i: int) -> tuple[int, ServiceInfo] | None:
        for n in range(min(self._longest, len(toks) - i), 0, -1):
            service = self._aliases.get(tuple(toks[i : i + n]))
            if service is not None:
                return n, service
        return None

    def _fuzzy(self, word: str) -> ServiceInfo | None:
        if len(word) < 5 or word in self._ordinary or word.isdigit():
            return None
        best = process.extractOne(word, self._single.keys(), scorer=fuzz.ratio, score_cutoff=80)
        return self._single[str(best[0])] if best else None
