"""Freshness of content: which items are still playable on a day, and which need a review.

An item with `expires` on or before a day is withheld from that day's rounds and practice (the bundle keeps it,
so old rounds, stats and flags still resolve). An item needs a review when its `reviewed` date is older than a
cut-off, or when it expires within a horizon (default 90 days) of today.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from content.schema import Scenario

EXPIRY_HORIZON = timedelta(days=90)


class Dated(Protocol):
    """Anything carrying review dates: scenarios, and matrix entries once they have the fields."""

    @property
    def reviewed(self) -> date: ...

    @property
    def expires(self) -> date | None: ...


def is_current(item: Dated, day: date) -> bool:
    return item.expires is None or item.expires > day


def current(scenarios: Mapping[str, Scenario], day: date) -> dict[str, Scenario]:
    """The scenarios that may be played on `day` (not expired)."""
    return {sid: s for sid, s in scenarios.items() if is_current(s, day)}


@dataclass(frozen=True)
class StaleItem:
    label: str
    reviewed: date
    expires: date | None
    reason: str


def default_cutoff(today: date) -> date:
    """One year before today (29 February falls back to the 28th)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:
        return today.replace(year=today.year - 1, day=28)


def stale_items(
    items: Iterable[tuple[str, Dated]],
    before: date,
    today: date,
    horizon: timedelta = EXPIRY_HORIZON,
) -> list[StaleItem]:
    """Items reviewed before `before`, or expiring on or before `today + horizon` (already expired included)."""
    found: list[StaleItem] = []
    for label, item in items:
        reasons = []
        if item.reviewed < before:
            reasons.append(f"reviewed {item.reviewed.isoformat()}, before {before.isoformat()}")
        if item.expires is not None and item.expires <= today + horizon:
            verb = "expired" if item.expires <= today else "expires"
            reasons.append(f"{verb} {item.expires.isoformat()}")
        if reasons:
            found.append(StaleItem(label, item.reviewed, item.expires, "; ".join(reasons)))
    return sorted(found, key=lambda s: (s.expires or date.max, s.reviewed, s.label))
