"""The writes of the reveal transaction: points to each answer and every aggregate the boards read.

All run on the caller's transaction. Callers pass awards in user-id order, so two reveals upserting the same
member rows take their locks in one order and never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.model import Award, RoundResult
from storage.db import Database, ms
from storage.queries.scores import rebuild_buckets


async def award(tx: Database, result: RoundResult, awards: Sequence[Award]) -> None:
    """Score each answer and add it to the member's scores, streak and topics, and to the team's topics."""
    await tx.executemany(
        "UPDATE answers SET correct = $3, points = $4 WHERE round_id = $1 AND user_id = $2",
        [(result.round_id, a.user.user_id, int(a.correct), a.points) for a in awards],
    )
    await _add_member_scores(tx, result, awards)
    await tx.executemany(
        "INSERT INTO member_streaks (team_id, user_id, current, best, last_round_id) "
        "VALUES ($1, $2, $3, $3, $4) ON CONFLICT (team_id, user_id) DO UPDATE SET "
        "current = excluded.current, last_round_id = excluded.last_round_id, "
        "best = CASE WHEN excluded.current > member_streaks.best THEN excluded.current "
        "ELSE member_streaks.best END",
        [(result.team_id, a.user.user_id, a.streak, result.round_id) for a in awards],
    )
    await tx.executemany(
        "INSERT INTO member_topics (team_id, user_id, topic, answered, correct) "
        "VALUES ($1, $2, $3, 1, $4) ON CONFLICT (team_id, user_id, topic) DO UPDATE SET "
        "answered = member_topics.answered + 1, correct = member_topics.correct + excluded.correct",
        [(result.team_id, a.user.user_id, result.topic, int(a.correct)) for a in awards],
    )
    right = sum(1 for a in awards if a.correct)
    await tx.execute(
        "INSERT INTO team_topics (team_id, topic, answered, correct) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (team_id, topic) DO UPDATE SET answered = team_topics.answered + excluded.answered, "
        "correct = team_topics.correct + excluded.correct",
        result.team_id,
        result.topic,
        len(awards),
        right,
    )


async def _add_member_scores(tx: Database, result: RoundResult, awards: Sequence[Award]) -> None:
    for period in result.periods:
        await tx.executemany(
            "INSERT INTO member_scores (team_id, period, user_id, display_name, points, answered, "
            "correct, acc_bp, first_answer_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8) "
            "ON CONFLICT (team_id, period, user_id) DO UPDATE SET "
            "display_name = excluded.display_name, "
            "points = member_scores.points + excluded.points, "
            "answered = member_scores.answered + 1, "
            "correct = member_scores.correct + excluded.correct, "
            "acc_bp = ((member_scores.correct + excluded.correct) * 10000) / (member_scores.answered + 1), "
            "first_answer_at = CASE WHEN excluded.first_answer_at < member_scores.first_answer_at "
            "THEN excluded.first_answer_at ELSE member_scores.first_answer_at END",
            [
                (
                    result.team_id,
                    period,
                    a.user.user_id,
                    a.user.name,
                    a.points,
                    int(a.correct),
                    10000 if a.correct else 0,
                    ms(a.answered_at),
                )
                for a in awards
            ],
        )


async def count_round(tx: Database, result: RoundResult, answers: int, points: int) -> None:
    """Count the round in the team's periods and recount the rank buckets the boards read."""
    for period in result.periods:
        await tx.execute(
            "INSERT INTO team_periods (team_id, period, rounds, answers, points, active_members) "
            "VALUES ($1, $2, 1, $3, $4, 0) ON CONFLICT (team_id, period) DO UPDATE SET "
            "rounds = team_periods.rounds + 1, answers = team_periods.answers + excluded.answers, "
            "points = team_periods.points + excluded.points",
            result.team_id,
            period,
            answers,
            points,
        )
        await tx.execute(
            "UPDATE team_periods SET active_members = (SELECT COUNT(*) FROM member_scores m "
            "WHERE m.team_id = $1 AND m.period = $2) WHERE team_id = $1 AND period = $2",
            result.team_id,
            period,
        )
        await rebuild_buckets(tx, result.team_id, period)
