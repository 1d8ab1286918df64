"""Achievements: pure rules over a person's progress after a scored round, so they are deterministic and can
be recomputed from the stored answers alone (`replay`). Awarded at reveal, in the scoring transaction.

- `streak-5`, `streak-10`, `streak-30`, `streak-100`: that many consecutive team rounds answered.
- `mastery:<topic>`: at least MASTERY_RIGHT right answers in a topic at MASTERY_RATE accuracy or better.
- `perfect-week`: every round of an ISO week answered right, at least PERFECT_WEEK_ROUNDS of them.
- `course`: the onboarding course completed (awarded by the course, not at reveal).
- `record-correct-N`: a team record — more right answers in one round than ever before (at least RECORD_MIN),
  held by the team (user `*`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.leaderboard import Period, period_key
from bot.core.model import Award, Earned
from bot.core.ports import AchievementStore

STREAKS = (5, 10, 30, 100)
MASTERY_RIGHT = 10
MASTERY_RATE = 0.8
PERFECT_WEEK_ROUNDS = 3
RECORD_MIN = 3
TEAM = "*"  # the user id team achievements are held by
RECORD = "record-correct-"


def team_record(correct: int, best_before: int) -> str | None:
    """The record code this round sets, if it beats every earlier round of the team."""
    return f"{RECORD}{correct}" if correct >= RECORD_MIN and correct > best_before else None


@dataclass(frozen=True, slots=True)
class Progress:
    """One person's standing in a team right after a round was scored (this round included)."""

    streak: int
    topic: str
    topic_answered: int
    topic_correct: int
    week_answered: int
    week_correct: int
    week_rounds: int  # the team's scored rounds this week


def earned_codes(p: Progress) -> list[str]:
    codes = [f"streak-{n}" for n in STREAKS if p.streak >= n]
    if p.topic_correct >= MASTERY_RIGHT and p.topic_correct >= MASTERY_RATE * p.topic_answered:
        codes.append(f"mastery:{p.topic}")
    if p.week_rounds >= PERFECT_WEEK_ROUNDS and p.week_correct == p.week_answered == p.week_rounds:
        codes.append("perfect-week")
    return codes


def title(code: str) -> str:
    """How people read a code: `streak-10` → `🔥 10-round streak`."""
    if code.startswith("streak-"):
        return f"🔥 {code.removeprefix('streak-')}-round streak"
    if code.startswith(RECORD):
        return f"🏆 team record: {code.removeprefix(RECORD)} right in one round"
    if code.startswith("mastery:"):
        return f"🎓 {code.removeprefix('mastery:')} mastery"
    return {"perfect-week": "⭐ first perfect week", "course": "📘 course completed"}.get(code, code)


def announce(earned: Iterable[tuple[str, str]], limit: int = 5) -> tuple[str, ...]:
    """(name, code) pairs as at most `limit` short lines, the rest summed up — never a flood."""
    items = sorted(earned, key=lambda e: (e[1], e[0]))
    lines = [f"{name}: {title(code)}" for name, code in items[:limit]]
    if len(items) > limit:
        lines.append(f"…and {len(items) - limit} more")
    return tuple(lines)


HistoryRound = tuple[int, date, str, Sequence[tuple[str, str, bool]]]


def replay(history: Sequence[HistoryRound]) -> set[tuple[str, str]]:
    """Every (user, code) a team's scored rounds (in order) earn — the check on what reveal stored."""
    streaks: dict[str, tuple[int, int]] = {}  # user → (streak, index of their last round)
    topics: dict[tuple[str, str], tuple[int, int]] = {}
    weeks: dict[tuple[str, str], tuple[int, int]] = {}
    week_rounds: dict[str, int] = {}
    out: set[tuple[str, str]] = set()
    best = 0
    for index, (_rid, day, topic, answers) in enumerate(history):
        right = sum(1 for _user, _name, correct in answers if correct)
        record = team_record(right, best)
        if record is not None:
            out.add((TEAM, record))
        best = max(best, right)
        week = period_key(Period.WEEK, day)
        week_rounds[week] = week_rounds.get(week, 0) + 1
        for user, _name, correct in answers:
            streak, last = streaks.get(user, (0, -2))
            streak = streak + 1 if last == index - 1 else 1
            streaks[user] = (streak, index)
            ta, tc = topics.get((user, topic), (0, 0))
            topics[(user, topic)] = (ta + 1, tc + int(correct))
            wa, wc = weeks.get((user, week), (0, 0))
            weeks[(user, week)] = (wa + 1, wc + int(correct))
            progress = Progress(
                streak, topic, ta + 1, tc + int(correct), wa + 1, wc + int(correct), week_rounds[week]
            )
            out.update((user, code) for code in earned_codes(progress))
    return out


async def earned_at_reveal(
    store: AchievementStore,
    team_id: int,
    round_id: int,
    day: date,
    topic: str,
    awards: Sequence[Award],
    now: datetime,
) -> tuple[Earned, ...]:
    """What this round's answers earn, from the aggregates as they stand before the round is written plus
    the round itself — the same rules `replay` applies to the stored answers."""
    if not awards:
        return ()
    users = [a.user.user_id for a in awards]
    week = period_key(Period.WEEK, day)
    topics = await store.member_topic(team_id, topic, users)
    weeks = {r.user_id: (r.answered, r.correct) for r in await store.period_scores(team_id, week)}
    rounds = await store.team_period_rounds(team_id, week) + 1
    out = []
    for a in awards:
        ta, tc = topics.get(a.user.user_id, (0, 0))
        wa, wc = weeks.get(a.user.user_id, (0, 0))
        right = int(a.correct)
        progress = Progress(a.streak, topic, ta + 1, tc + right, wa + 1, wc + right, rounds)
        out += [
            Earned(team_id, a.user.user_id, a.user.name, code, round_id, now)
            for code in earned_codes(progress)
        ]
    record = team_record(sum(1 for a in awards if a.correct), await store.team_record(team_id))
    if record is not None:
        out.append(Earned(team_id, TEAM, "Team", record, round_id, now))
    return tuple(out)
