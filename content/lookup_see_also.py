"""Scenarios and lessons that explain a question: "see also: scenario X" under a lookup answer."""

from __future__ import annotations

from dataclasses import dataclass

from content.lookup_bm25 import TermIndex
from content.lookup_services import ServiceFinder
from content.lookup_text import terms
from content.schema import Lesson, Scenario

MIN_COVERAGE = 0.7  # the scenario must contain most of what the question asks about


@dataclass(frozen=True, slots=True)
class SeeAlso:
    kind: str  # "scenario" | "lesson"
    id: str
    title: str


class SeeAlsoIndex:
    def __init__(self, scenarios: tuple[Scenario, ...], lessons: tuple[Lesson, ...], finder: ServiceFinder):
        self._items: list[tuple[SeeAlso, str | None, str | None]] = []  # item, service id, party
        docs: list[list[str]] = []
        for s in scenarios:
            named = finder.find(s.service).services
            item = SeeAlso("scenario", s.id, _first_sentence(s.prompt))
            self._items.append((item, named[0].id if named else None, s.answer.value))
            docs.append(terms(s.prompt) * 2 + terms(s.explanation) + [f"topic-{s.topic}"])
        for lesson in lessons:
            self._items.append((SeeAlso("lesson", lesson.id, lesson.title), None, None))
            docs.append(terms(lesson.title) * 2 + terms(lesson.body))
        self._index = TermIndex(docs) if docs else None

    def find(self, query: list[str], service_id: str, party: str, limit: int = 2) -> tuple[SeeAlso, ...]:
        """The best scenarios on the answer's service with the same answer (and any lesson) that cover most
        of the question."""
        if self._index is None or not query:
            return ()
        scores = self._index.scores(query)
        order = sorted(range(len(self._items)), key=lambda i: -scores[i])
        found: list[SeeAlso] = []
        for i in order[:20]:
            item, item_service, item_party = self._items[i]
            if scores[i] <= 0 or len(found) >= limit:
                break
            if item_party not in (party, None):
                continue
            if item.kind == "scenario" and item_service not in (service_id, None) and service_id != "general":
                continue
            if self._index.coverage(i, query) >= MIN_COVERAGE:
                found.append(item)
        return tuple(found)


def _first_sentence(text: str, limit: int = 90) -> str:
    head = text.strip().split(". ")[0]
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"
