"""The harness's books: its teams, what it did to each round, and the figures of a run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tests.faults.plan import TeamSpec


@dataclass
class Team:
    spec: TeamSpec
    channel: str
    team_id: int = 0


@dataclass
class RoundBook:
    """What the harness did to one team's round of one day, and so what the database must hold."""

    team: Team
    day: date
    round_id: int | None = None
    post_id: str | None = None
    reacted: dict[str, list[str]] = field(default_factory=dict)  # person → options, in order
    expected: dict[str, str] = field(default_factory=dict)  # person → the answer that must be stored
    excluded: set[str] = field(default_factory=set)  # reacted, but must not be stored
    pending: list[tuple[str, str]] = field(default_factory=list)  # lined up to answer once, not yet done
    changer: tuple[str, str] | None = None  # first answer stored; this second option still to come
    retry: list[tuple[str, str]] = field(default_factory=list)  # Teams: presses that failed, to press again
    delivered: dict[str, int] = field(default_factory=dict)  # person → the bot run their event went to


@dataclass
class Figures:
    platform: str
    seed: int
    trials: int = 0  # kill/restart cycles
    days: int = 0
    rounds: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    states_at_kill: Counter[str] = field(default_factory=Counter)
    reactions_live: int = 0
    reactions_while_down: int = 0
    answers_stored: Counter[str] = field(default_factory=Counter)  # by source: live / reconciled
    hedged_not_counted: int = 0
    late_not_counted: int = 0
    duplicate_posts: int = 0
    duplicate_reveals: int = 0
    missed_rounds: int = 0
    lost_answers: int = 0
    spurious_answers: int = 0
    recount_mismatches: int = 0
    unexpected_exits: int = 0
    restart_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        restarts = self.restart_seconds
        return {
            "platform": self.platform,
            "seed": self.seed,
            "trials": self.trials,
            "days": self.days,
            "rounds": self.rounds,
            "kills": dict(sorted(self.kills.items())),
            "states_at_kill": dict(sorted(self.states_at_kill.items())),
            "reactions_live": self.reactions_live,
            "reactions_while_down": self.reactions_while_down,
            "answers_stored": dict(self.answers_stored),
            "hedged_not_counted": self.hedged_not_counted,
            "late_not_counted": self.late_not_counted,
            "duplicate_posts": self.duplicate_posts,
            "duplicate_reveals": self.duplicate_reveals,
            "missed_rounds": self.missed_rounds,
            "lost_answers": self.lost_answers,
            "spurious_answers": self.spurious_answers,
            "recount_mismatches": self.recount_mismatches,
            "unexpected_exits": self.unexpected_exits,
            "mean_restart_seconds": round(sum(restarts) / len(restarts), 2) if restarts else 0.0,
            "seconds": round(self.seconds, 1),
            "problems": self.problems[:20],
        }
