"""Domain records shared by the core and the storage layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from bot.core.events import ChannelRef, UserRef
from content.schema import Party


class AnswerMode(StrEnum):
    REACTIONS = "reactions"
    BUTTONS = "buttons"


class RoundState(StrEnum):
    CLAIMED = "claimed"  # the (team, local date) is ours; the post may or may not exist yet
    POSTED = "posted"  # the scenario is up and answers are taken
    CLOSING = "closing"  # window over; answers refused; scoring in progress
    REVEALED = "revealed"  # scored (the reveal message may still be pending: see reveal_message_id)
    SKIPPED = "skipped"  # the bot was down past the window


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Difficulty(StrEnum):
    """A team's choice of levels (`setup difficulty …`); the default is mixed."""

    EASY = "easy"
    MIXED = "mixed"
    HARD = "hard"


@dataclass(frozen=True, slots=True)
class TeamSettings:
    timezone: str = "UTC"
    post_time: time = time(9, 30)
    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    window_minutes: int | None = 240
    close_time: time | None = None
    mode: AnswerMode = AnswerMode.REACTIONS
    receipts: bool = True
    announce_course: bool = False  # a line in the channel when someone completes the course
    difficulty: Difficulty = Difficulty.MIXED
    reminder_minutes: int | None = 60  # a nudge this long before the close; None = off
    ping: str = ""  # who the reminder pings (a group/role mention as the platform writes it); "" = nobody
    recap: str = "auto"  # weekly recap: auto (after the week's last reveal) | off | "fri 16:00"
    season: bool = True  # the "season champions" post on the first working day of a month

    def describe(self) -> str:
        days = ",".join(WEEKDAYS[d] for d in sorted(self.days))
        if self.close_time is not None:
            window = f"until {self.close_time:%H:%M}"
        else:
            minutes = self.window_minutes or 0
            window = f"{minutes // 60}h" + (f"{minutes % 60}m" if minutes % 60 else "")
        extras = "" if self.receipts else ", no receipts"
        extras += ", course completions announced" if self.announce_course else ""
        extras += f", {self.difficulty.value} questions" if self.difficulty is not Difficulty.MIXED else ""
        extras += f", reminder {self.reminder_minutes}m before the close" if self.reminder_minutes else ""
        extras += ", no reminder" if not self.reminder_minutes else ""
        extras += f" pinging {self.ping}" if self.ping and self.reminder_minutes else ""
        extras += ", no weekly recap" if self.recap == "off" else ""
        extras += f", recap {self.recap}" if self.recap not in ("auto", "off") else ""
        extras += ", no season post" if not self.season else ""
        return (
            f"posts at {self.post_time:%H:%M} {self.timezone} on {days}, answers {window}, "
            f"mode {self.mode.value}{extras}"
        )


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    channel: ChannelRef
    name: str
    settings: TeamSettings
    paused: bool
    next_post_date: date | None
    next_post_at: datetime | None


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    team_id: int
    local_date: date
    scenario_id: str
    state: RoundState
    closes_at: datetime
    message_id: str | None = None
    posted_at: datetime | None = None
    lease_until: datetime | None = None
    reveal_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    round_id: int
    user: UserRef
    choice: Party
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class Award:
    """What one answer earned at reveal; applied to the aggregates in one transaction."""

    user: UserRef
    choice: Party
    answered_at: datetime
    correct: bool
    points: int
    streak: int


@dataclass(frozen=True, slots=True)
class Streak:
    current: int
    best: int
    last_round_id: int | None


@dataclass(frozen=True, slots=True)
class RoundResult:
    """Everything the reveal transaction writes."""

    round_id: int
    team_id: int
    topic: str
    periods: tuple[str, ...]  # aggregate keys this round counts in: ("all", "w:2026-W48", "m:2026-11")
    awards: tuple[Award, ...]
    reconciled: tuple[StoredAnswer, ...]
    revealed_at: datetime
    achievements: tuple[Earned, ...] = ()  # written in the same transaction (bot/core/achievements.py)
    local_date: date | None = None  # the round's local date (achievements are dated by it)


@dataclass(frozen=True, slots=True)
class Earned:
    """An achievement a person earned in a team: `code` is stable (streak-5, mastery:iam, perfect-week)."""

    team_id: int
    user_id: str
    display_name: str
    code: str
    round_id: int | None
    awarded_at: datetime


@dataclass(frozen=True, slots=True)
class TeamPost:
    """A once-per-period post of a team (reminder, weekly recap, season): claimed in storage like a round,
    so instances and restarts never post it twice. state: due | claimed | posted."""

    team_id: int
    kind: str
    period: str
    state: str
    due_at: datetime
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A question a member suggested for their workspace. state: pending | approved | rejected."""

    id: int
    author: UserRef
    prompt: str
    answer: Party
    explanation: str
    link: str
    state: str
    created_at: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ScoreRow:
    user_id: str
    display_name: str
    points: int
    answered: int
    correct: int
    first_answer_at: datetime


@dataclass(frozen=True, slots=True)
class TeamPeriod:
    team_id: int
    team_name: str
    rounds: int
    answers: int
    points: int
    active_members: int


@dataclass(frozen=True, slots=True)
class PersonTotals:
    points: int = 0
    answered: int = 0
    correct: int = 0
    best_streak: int = 0
    current_streak: int = 0
    topics: tuple[tuple[str, int, int], ...] = field(default_factory=tuple)  # topic, answered, correct


@dataclass(frozen=True, slots=True)
class CourseProgress:
    user: UserRef
    lesson_index: int  # index of the lesson currently offered
    answered_current: bool
    completed_at: datetime | None
    next_lesson_at: datetime | None
    timezone: str
    correct: int


@dataclass(frozen=True, slots=True)
class PracticeItem:
    scenario_id: str
    box: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class FlagSummary:
    scenario_id: str
    count: int
    reasons: tuple[str, ...]
