"""Points, decided at reveal. Deterministic and documented in the README.

- A correct answer earns CORRECT_POINTS (10). A wrong answer earns nothing and costs nothing.
- A streak counts consecutive rounds of a team that the person answered (right or wrong). With a correct
  answer the streak adds STREAK_STEP (2) points per earlier round in the streak, capped at STREAK_CAP (10):
  streak 1 → +0, 2 → +2, 3 → +4, … 6 or more → +10.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.model import Award, StoredAnswer, Streak
from content.schema import Party

CORRECT_POINTS = 10
STREAK_STEP = 2
STREAK_CAP = 10


def streak_bonus(streak: int) -> int:
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_CAP)


def score_round(
    answers: Sequence[StoredAnswer],
    answer: Party,
    previous_round_id: int | None,
    streaks: Mapping[str, Streak],
) -> list[Award]:
    awards = []
    for a in answers:
        old = streaks.get(a.user.user_id)
        continued = (
            old is not None and previous_round_id is not None and old.last_round_id == previous_round_id
        )
        streak = old.current + 1 if continued and old is not None else 1
        correct = a.choice is answer
        points = CORRECT_POINTS + streak_bonus(streak) if correct else 0
        awards.append(Award(a.user, a.choice, a.answered_at, correct, points, streak))
    return awards
