"""Outbound cards: platform-neutral data that each adapter renders (Block Kit, embeds, terminal text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from content.schema import Party


@dataclass(frozen=True, slots=True)
class AnswerOption:
    """How the core shows an answer. Which reaction, emoji or key stands for it is each adapter's own
    business (bot/adapters/*/answers or translate)."""

    party: Party
    label: str
    emoji: str  # unicode, for labels in any client


OPTIONS: tuple[AnswerOption, ...] = (
    AnswerOption(Party.AWS, "AWS", "☁️"),
    AnswerOption(Party.CUSTOMER, "Customer", "🧑‍💻"),
    AnswerOption(Party.SHARED, "Shared", "🤝"),
)


_BY_PARTY = {o.party: o for o in OPTIONS}


def option_for(party: Party) -> AnswerOption:
    return _BY_PARTY[party]


def party_value(value: str) -> Party | None:
    """The answer in one of the core's own button values (`aws`, `customer`, `shared`), else None."""
    try:
        return Party(value)
    except ValueError:
        return None


class Outcome(StrEnum):
    """What a command did, for adapters that act on it (Discord syncs a server's commands after setup)."""

    TEAM_SAVED = "team-saved"


@dataclass(frozen=True, slots=True)
class Button:
    """A button; pressing it arrives as ButtonPressed(action, value)."""

    label: str
    action: str
    value: str
    style: str = "default"  # default | primary | danger


@dataclass(frozen=True, slots=True)
class TextReply:
    text: str
    title: str = ""
    buttons: tuple[Button, ...] = ()
    outcome: Outcome | None = None
    #: For a form's reply: (field, what is wrong) — shown next to the fields, the form stays open.
    field_errors: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FormField:
    """One field of a form the platforms show as a modal (Slack views.open, Discord modal)."""

    name: str
    label: str
    placeholder: str = ""
    multiline: bool = False
    min_length: int = 0
    max_length: int = 200


@dataclass(frozen=True, slots=True)
class ScenarioCard:
    """The daily question. In `buttons` mode it carries answer buttons; in `reactions` mode the adapter
    seeds the three option reactions."""

    round_id: int
    scenario_id: str
    team_name: str
    service: str
    prompt: str
    closes_at: datetime
    mode: str
    buttons: tuple[Button, ...] = ()
    timezone: str = "UTC"  # the team's zone, for showing the close time as the team reads it
    post_key: str = ""  # the idempotency key it is posted under (an adapter that redraws it marks it again)


def accuracy(correct: int, answered: int) -> float:
    """Share of answers that were right (0 when nothing was answered)."""
    return correct / answered if answered else 0.0


@dataclass(frozen=True, slots=True)
class LeaderRow:
    rank: int
    user_id: str
    name: str
    points: int
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return accuracy(self.correct, self.answered)


@dataclass(frozen=True, slots=True)
class RevealCard:
    round_id: int
    scenario_id: str
    prompt: str
    answer: Party
    explanation: str
    references: tuple[str, ...]
    votes: tuple[tuple[Party, int], ...]
    correct_count: int
    total: int
    top: tuple[LeaderRow, ...] = ()
    buttons: tuple[Button, ...] = ()
    achievements: tuple[str, ...] = ()  # "Ann: 🔥 5-round streak" lines earned in this round
    credit: str = ""  # "suggested by Ann" for a question from the team
    level: int = 0  # the scenario's difficulty, 1–3 (0: not known)


#: How a scenario's difficulty reads in reveals, receipts and practice.
LEVEL_NAMES = {1: "easy", 2: "medium", 3: "hard"}


def level_label(level: int) -> str:
    """`level 2 of 3 (medium)`, or "" when the level is unknown."""
    return f"level {level} of 3 ({LEVEL_NAMES[level]})" if level in LEVEL_NAMES else ""


@dataclass(frozen=True, slots=True)
class LeaderboardCard:
    title: str
    period: str
    rows: tuple[LeaderRow, ...]
    me: LeaderRow | None = None


@dataclass(frozen=True, slots=True)
class TeamRow:
    rank: int
    team: str
    points: int
    active_members: int
    points_per_member: float
    participation: float


@dataclass(frozen=True, slots=True)
class TeamRankingCard:
    title: str
    rows: tuple[TeamRow, ...]


@dataclass(frozen=True, slots=True)
class StatsCard:
    name: str
    points: int
    answered: int
    correct: int
    current_streak: int
    best_streak: int
    weakest_topics: tuple[tuple[str, float], ...]
    practice_answered: int = 0
    practice_correct: int = 0
    course: str = ""
    achievements: tuple[str, ...] = ()  # titles of what the person has earned

    @property
    def accuracy(self) -> float:
        return accuracy(self.correct, self.answered)


@dataclass(frozen=True, slots=True)
class LessonCard:
    lesson_id: str
    order: int
    total: int
    title: str
    body: str
    question: str
    references: tuple[str, ...]
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class PracticeCard:
    scenario_id: str
    service: str
    prompt: str
    note: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class LookupCard:
    service: str
    control: str
    party: Party
    reason: str
    reference: str
    note: str = ""  # e.g. "no service named: the general model"
    see_also: tuple[str, ...] = ()  # "scenario X — …" lines that explain the same thing
    buttons: tuple[Button, ...] = ()  # "not what you meant?": other entries, action "lookup"


@dataclass(frozen=True, slots=True)
class FileCard:
    """A file delivered privately (the CSV export)."""

    filename: str
    content: str
    title: str
    comment: str = ""


@dataclass(frozen=True, slots=True)
class HomeCard:
    """Slack App Home: the person's stats, their team's boards and their course progress."""

    stats: StatsCard
    boards: tuple[LeaderboardCard, ...] = field(default_factory=tuple)
    course: str = ""
    achievements: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReminderCard:
    """The nudge before the close, in the round's thread: the count so far. `ping` is the group or role an
    admin configured (as the platform writes its mention); empty means nobody is pinged."""

    round_id: int
    answered: int
    active: int
    minutes_left: int
    ping: str = ""


@dataclass(frozen=True, slots=True)
class TopicAccuracy:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return accuracy(self.correct, self.answered)


@dataclass(frozen=True, slots=True)
class RecapCard:
    """A team's week. The chart (accuracy by topic, participation trend) is drawn by the adapter from
    `topics` and `trend` (bot/adapters/recap_chart.py) and uploaded the platform's way."""

    team_name: str
    week: str  # "2026-W48"
    top: tuple[LeaderRow, ...]
    most_improved: str  # "Ann (+40 points of accuracy)" or ""
    topics: tuple[TopicAccuracy, ...]
    participation: float
    trend: tuple[tuple[str, float], ...]  # (week label, participation), oldest first, up to 8 weeks
    most_missed: str  # the prompt of the week's most-missed question, or ""
    lesson: str  # its one-line lesson
    rank: int  # the team's rank among the workspace's teams this week (0 = unranked)
    teams: int
    achievements: tuple[str, ...] = ()
    rounds: int = 0
    answers: int = 0

    @property
    def chart_name(self) -> str:
        return f"recap-{self.week}.png"


@dataclass(frozen=True, slots=True)
class SeasonCard:
    """The month's champions, posted on the first working day of the next month."""

    team_name: str
    season: str  # "November 2026"
    top: tuple[LeaderRow, ...]
    accuracy: float
    rounds: int
    best_streak: tuple[str, int] | None  # (name, rounds)


Card = (
    TextReply
    | ScenarioCard
    | RevealCard
    | LeaderboardCard
    | TeamRankingCard
    | StatsCard
    | LessonCard
    | PracticeCard
    | LookupCard
    | FileCard
    | HomeCard
    | ReminderCard
    | RecapCard
    | SeasonCard
)
