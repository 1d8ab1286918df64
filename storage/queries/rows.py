"""Column lists, row → model mappers and small SQL helpers shared by the query mixins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from bot.core.events import ChannelRef, UserRef
from bot.core.model import (
    AnswerMode,
    CourseProgress,
    Difficulty,
    Round,
    RoundState,
    ScoreRow,
    Team,
    TeamSettings,
)
from storage.db import Row, from_ms, from_ms_or_none, ms

TEAM_COLUMNS = (
    "id, platform, workspace_id, channel_id, name, timezone, post_time, days, window_minutes, close_time, "
    "mode, receipts, paused, next_post_date, next_post_at, announce_course, difficulty, reminder_minutes, ping, "
    "recap, season"
)
ROUND_COLUMNS = "id, team_id, local_date, scenario_id, state, closes_at, message_id, posted_at, lease_until, reveal_message_id"
RANK_ORDER = "points DESC, acc_bp DESC, first_answer_at ASC, user_id ASC"


def to_team(row: Row) -> Team:
    close = row["close_time"]
    return Team(
        id=int(row["id"]),
        channel=ChannelRef(row["platform"], row["workspace_id"], row["channel_id"]),
        name=row["name"],
        settings=TeamSettings(
            timezone=row["timezone"],
            post_time=time.fromisoformat(row["post_time"]),
            days=frozenset(int(d) for d in row["days"].split(",") if d),
            window_minutes=row["window_minutes"],
            close_time=time.fromisoformat(close) if close else None,
            mode=AnswerMode(row["mode"]),
            receipts=bool(row["receipts"]),
            announce_course=bool(row["announce_course"]),
            difficulty=Difficulty(row["difficulty"]),
            reminder_minutes=int(row["reminder_minutes"]) or None,
            ping=row["ping"],
            recap=row["recap"],
            season=bool(row["season"]),
        ),
        paused=bool(row["paused"]),
        next_post_date=date.fromisoformat(row["next_post_date"]) if row["next_post_date"] else None,
        next_post_at=from_ms_or_none(row["next_post_at"]),
    )


def to_round(row: Row) -> Round:
    return Round(
        id=int(row["id"]),
        team_id=int(row["team_id"]),
        local_date=date.fromisoformat(row["local_date"]),
        scenario_id=row["scenario_id"],
        state=RoundState(row["state"]),
        closes_at=from_ms(row["closes_at"]),
        message_id=row["message_id"],
        posted_at=from_ms_or_none(row["posted_at"]),
        lease_until=from_ms_or_none(row["lease_until"]),
        reveal_message_id=row["reveal_message_id"],
    )


def to_score(row: Row) -> ScoreRow:
    return ScoreRow(
        user_id=row["user_id"],
        display_name=row["display_name"],
        points=int(row["points"]),
        answered=int(row["answered"]),
        correct=int(row["correct"]),
        first_answer_at=from_ms(row["first_answer_at"]),
    )


def to_progress(row: Row) -> CourseProgress:
    return CourseProgress(
        user=UserRef(row["platform"], row["workspace_id"], row["user_id"], row["display_name"]),
        lesson_index=int(row["lesson_index"]),
        answered_current=bool(row["answered_current"]),
        completed_at=from_ms_or_none(row["completed_at"]),
        next_lesson_at=from_ms_or_none(row["next_lesson_at"]),
        timezone=row["timezone"],
        correct=int(row["correct"]),
    )


def in_marks(first: int, values: Sequence[object]) -> str:
    """Numbered placeholders for an IN list: the values themselves still go as parameters."""
    return ", ".join(f"${first + i}" for i in range(len(values)))


def split_next_post(next_post: tuple[date, datetime] | None) -> tuple[str | None, int | None]:
    if next_post is None:
        return None, None
    return next_post[0].isoformat(), ms(next_post[1])
