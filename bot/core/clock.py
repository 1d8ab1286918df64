"""Time comes from a Clock so the whole day cycle can be driven by a fake clock in tests and the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to: for tests and the demo's fast-forward."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware time")
        self._now = when.astimezone(UTC)


class FileClock:
    """Time read from a file holding an ISO-8601 instant: lets the fault harness (tests/faults) move a real
    bot process through days in seconds. Selected with the CLOCK_FILE setting; never used in production."""

    def __init__(self, path: str) -> None:
        self.path = path

    def now(self) -> datetime:
        with open(self.path, encoding="utf-8") as fh:
            when = datetime.fromisoformat(fh.read().strip())
        if when.tzinfo is None:
            raise ValueError(f"{self.path}: the clock file needs a timezone-aware instant")
        return when.astimezone(UTC)
