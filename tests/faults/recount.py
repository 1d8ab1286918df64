"""Independent recount of the scores from the stored answers (README's rules), and the duplicate count.

The harness and its tests compare these with what the bot keeps, never with the bot's own word.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from tests.faults.processes import Db


def periods_of(day: date) -> tuple[str, str, str]:
    year, week, _ = day.isocalendar()
    return "all", f"w:{year}-W{week:02d}", f"m:{day.year}-{day.month:02d}"


def recount_problems(db: Db, team_id: int, answer_of: dict[str, str]) -> list[str]:
    """Recount a team's points from its stored answers with README's rules — 10 for a correct answer, plus
    2 per earlier round of an unbroken streak of answered (revealed) rounds, at most 10 — and compare with
    what the bot keeps: each answer's points, member_scores and team_periods for every period."""
    rounds = db.rows(
        "SELECT id, local_date, scenario_id FROM rounds WHERE team_id = ? AND state = 'revealed' "
        "ORDER BY local_date",
        team_id,
    )
    streak: dict[str, tuple[int, int]] = {}  # person → (streak, index of the last round answered)
    scores: dict[tuple[str, str], list[int]] = {}  # (period, person) → [points, answered, correct, first]
    periods: dict[str, list[int]] = {}  # period → [rounds, answers, points]
    problems: list[str] = []
    for index, rnd in enumerate(rounds):
        day = date.fromisoformat(rnd["local_date"])
        answer = answer_of[rnd["scenario_id"]]
        for period in periods_of(day):
            periods.setdefault(period, [0, 0, 0])[0] += 1
        for a in db.rows(
            "SELECT user_id, choice, answered_at, correct, points FROM answers "
            "WHERE round_id = ? AND source <> 'late'",
            rnd["id"],
        ):
            user = a["user_id"]
            last = streak.get(user)
            length = last[0] + 1 if last is not None and last[1] == index - 1 else 1
            streak[user] = (length, index)
            correct = a["choice"] == answer
            points = 10 + min(2 * (length - 1), 10) if correct else 0
            if (a["correct"], a["points"]) != (int(correct), points):
                problems.append(
                    f"round {rnd['id']} {user}: stored correct={a['correct']} points={a['points']}, "
                    f"recount {int(correct)} {points}"
                )
            for period in periods_of(day):
                row = scores.setdefault((period, user), [0, 0, 0, a["answered_at"]])
                row[0] += points
                row[1] += 1
                row[2] += int(correct)
                row[3] = min(row[3], a["answered_at"])
                totals = periods[period]
                totals[1] += 1
                totals[2] += points
    kept = {
        (r["period"], r["user_id"]): [r["points"], r["answered"], r["correct"], r["first_answer_at"]]
        for r in db.rows(
            "SELECT period, user_id, points, answered, correct, first_answer_at FROM member_scores "
            "WHERE team_id = ?",
            team_id,
        )
    }
    for key in sorted(set(kept) | set(scores)):
        if kept.get(key) != scores.get(key):
            problems.append(f"member_scores {key}: kept {kept.get(key)}, recount {scores.get(key)}")
    kept_periods = {
        r["period"]: [r["rounds"], r["answers"], r["points"]]
        for r in db.rows(
            "SELECT period, rounds, answers, points FROM team_periods WHERE team_id = ?", team_id
        )
    }
    for period in sorted(set(kept_periods) | set(periods)):
        if kept_periods.get(period) != periods.get(period):
            problems.append(
                f"team_periods {period}: kept {kept_periods.get(period)}, recount {periods.get(period)}"
            )
    return problems


def duplicate_count(snapshot: dict[str, Any]) -> int:
    """Bot messages beyond the first under each key, over every channel (used to prove the check bites)."""
    total = 0
    for channel in snapshot["channels"].values():
        keys = Counter(m["key"] for m in channel if m["bot"] and m["key"])
        total += sum(n - 1 for n in keys.values())
    return total
