"""The onboarding evidence: each person's course progress, the "not finished after N days" filter, and a
CSV holding exactly the rows and values the page shows (dates in the viewer's zone, named in the header)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.ports.reports import CourseRow

MAX_DAYS = 3650
CSV_HEADER = (
    "person",
    "person_id",
    "started",
    "lessons_done",
    "lessons_total",
    "correct",
    "completed",
    "days",
)


@dataclass(frozen=True, slots=True)
class CourseLine:
    name: str
    user_id: str
    started: str
    lessons_done: int
    lessons_total: int
    correct: int
    completed: str  # a date, or "" while not finished
    days: int  # days from start to completion, or to now while not finished

    def cells(self) -> tuple[str, ...]:
        return (self.name, self.user_id, self.started, str(self.lessons_done), str(self.lessons_total),
                str(self.correct), self.completed or "not finished", str(self.days))  # fmt: skip


class FilterError(ValueError):
    """A filter value the page cannot use; its text is shown to the viewer."""


def parse_days(raw: str | None) -> int | None:
    """The "not finished after N days" filter: empty means no filter."""
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if not text.isdigit() or int(text) > MAX_DAYS:
        raise FilterError(f"“not finished after N days” takes a whole number from 0 to {MAX_DAYS}")
    return int(text)


def _day(when: datetime | None, zone: ZoneInfo) -> str:
    return "" if when is None else when.astimezone(zone).date().isoformat()


def course_lines(
    rows: Sequence[CourseRow], lessons: int, zone: ZoneInfo, now: datetime, not_finished_after: int | None
) -> list[CourseLine]:
    lines = []
    for r in rows:
        if not_finished_after is not None and (
            r.completed_at is not None or now - r.started_at < timedelta(days=not_finished_after)
        ):
            continue
        done = lessons if r.completed_at else min(lessons, r.lesson_index + int(r.answered_current))
        end = r.completed_at or now
        lines.append(
            CourseLine(
                r.display_name,
                r.user_id,
                _day(r.started_at, zone),
                done,
                lessons,
                r.correct,
                _day(r.completed_at, zone),
                max(0, (end - r.started_at).days),
            )  # fmt: skip
        )
    return lines


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas in names people chose (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def course_csv(lines: Sequence[CourseLine], zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [*CSV_HEADER[:2], f"started ({zone.key})", *CSV_HEADER[3:6], f"completed ({zone.key})", "days"]
    )
    for line in lines:
        writer.writerow([_cell(c) for c in line.cells()])
    return out.getvalue()
