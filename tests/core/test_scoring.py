"""Points are decided at reveal: 10 for a right answer plus a capped streak bonus; nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.events import UserRef
from bot.core.model import StoredAnswer, Streak
from bot.core.scoring import CORRECT_POINTS, STREAK_CAP, score_round, streak_bonus
from content.schema import Party

AT = datetime(2026, 1, 5, 10, tzinfo=UTC)


def _answer(uid: str, choice: Party) -> StoredAnswer:
    return StoredAnswer(1, UserRef("console", "W", uid), choice, AT)


def test_streak_bonus_is_capped() -> None:
    assert [streak_bonus(n) for n in range(1, 9)] == [0, 2, 4, 6, 8, 10, 10, 10]
    assert streak_bonus(100) == STREAK_CAP


def test_streak_continues_only_from_the_previous_round() -> None:
    streaks = {"ann": Streak(3, 3, 41), "bob": Streak(5, 5, 39), "cid": Streak(2, 2, 41)}
    awards = score_round(
        [
            _answer("ann", Party.AWS),
            _answer("bob", Party.AWS),
            _answer("cid", Party.SHARED),
            _answer("new", Party.AWS),
        ],
        Party.AWS,
        previous_round_id=41,
        streaks=streaks,
    )
    got = {a.user.user_id: (a.correct, a.points, a.streak) for a in awards}
    assert got == {
        "ann": (True, CORRECT_POINTS + 6, 4),  # continued
        "bob": (True, CORRECT_POINTS, 1),  # missed round 41: streak restarts
        "cid": (False, 0, 3),  # wrong answers keep the participation streak but earn nothing
        "new": (True, CORRECT_POINTS, 1),
    }
