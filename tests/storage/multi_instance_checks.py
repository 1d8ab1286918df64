"""The checks of the multi-instance tests: exactly one post and one reveal per round on the platform,
and every stored score equal to the scoring rules applied independently to the answers people gave.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core.events import ChannelRef
from bot.core.messages import RevealCard
from bot.core.model import RoundState
from bot.core.scoring import CORRECT_POINTS, streak_bonus
from content.loader import ContentBundle
from content.schema import Party
from storage.db import Row
from storage.repository import SqlRepository
from tests.storage.multi_instance_world import PLATFORM, Delivered, FakePlatform, Ledger, rows


@dataclass(frozen=True, slots=True)
class Totals:
    points: int
    answered: int
    correct: int


def expected_scores(
    rounds_in_order: Sequence[tuple[int, Party]], counted: dict[int, dict[str, Party]]
) -> tuple[dict[tuple[int, str], int], dict[str, Totals], dict[str, tuple[int, int]]]:
    """The scoring rules applied independently: per (round, user) points, per-user totals and
    (current, best) streaks, for one team's revealed rounds in date order."""
    points: dict[tuple[int, str], int] = {}
    totals: dict[str, Totals] = {}
    streak: dict[str, tuple[int, int]] = {}  # user → (current, best)
    previous: set[str] = set()
    for round_id, answer in rounds_in_order:
        here = counted.get(round_id, {})
        for user, choice in here.items():
            current = streak[user][0] + 1 if user in previous and user in streak else 1
            best = max(current, streak[user][1]) if user in streak else current
            streak[user] = (current, best)
            right = choice is answer
            got = CORRECT_POINTS + streak_bonus(current) if right else 0
            points[(round_id, user)] = got
            old = totals.get(user, Totals(0, 0, 0))
            totals[user] = Totals(old.points + got, old.answered + 1, old.correct + int(right))
        previous = set(here)
    return points, totals, streak


@dataclass
class Observed:
    """What the platform received and the database holds, read once for all the teams' checks."""

    content: ContentBundle
    ledger: Ledger
    now: datetime
    posts_by_round: dict[int, list[Delivered]]
    reveals_by_round: dict[int, list[tuple[Delivered, RevealCard]]]
    by_round_answers: dict[int, dict[str, Row]]
    figures: Counter[str] = field(default_factory=Counter)


def platform_messages(
    world: FakePlatform,
) -> tuple[dict[int, list[Delivered]], dict[int, list[tuple[Delivered, RevealCard]]]]:
    """The scenario posts and reveals that really reached the platform, by round."""
    posts_by_round: dict[int, list[Delivered]] = defaultdict(list)
    for message, card in world.scenario_posts():
        posts_by_round[card.round_id].append(message)
    reveals_by_round: dict[int, list[tuple[Delivered, RevealCard]]] = defaultdict(list)
    for message, reveal in world.reveals():
        reveals_by_round[reveal.round_id].append((message, reveal))
    return posts_by_round, reveals_by_round


async def check_exactly_once(
    observer: SqlRepository,
    world: FakePlatform,
    content: ContentBundle,
    ledger: Ledger,
    expected: dict[ChannelRef, list[tuple[date, datetime]]],
    now: datetime,
) -> dict[str, int]:
    """One post per team per scheduled day, one reveal per closed round, each answer scored once."""
    posts_by_round, reveals_by_round = platform_messages(world)

    teams = {
        ChannelRef(PLATFORM, r["workspace_id"], r["channel_id"]): int(r["id"])
        for r in await rows(observer, "SELECT id, workspace_id, channel_id FROM teams")
    }
    assert set(teams) == set(expected)
    db_rounds = await rows(
        observer,
        "SELECT id, team_id, local_date, scenario_id, state, closes_at, message_id, reveal_message_id "
        "FROM rounds ORDER BY team_id, local_date",
    )
    assert len(posts_by_round) == len(db_rounds), "a post on the platform that no round owns (or vice versa)"
    answers = await rows(observer, "SELECT round_id, user_id, choice, correct, points FROM answers")
    by_round_answers: dict[int, dict[str, Row]] = defaultdict(dict)
    for a in answers:
        by_round_answers[int(a["round_id"])][a["user_id"]] = a

    seen = Observed(content, ledger, now, posts_by_round, reveals_by_round, by_round_answers)
    for channel, team_id in teams.items():
        mine = [r for r in db_rounds if int(r["team_id"]) == team_id]
        assert [date.fromisoformat(r["local_date"]) for r in mine] == [d for d, _ in expected[channel]], (
            channel
        )
        in_order = check_team_rounds(seen, channel, mine)
        seen.figures["posted"] += len(mine)
        await check_team_scores(observer, seen, channel, team_id, in_order)
    return dict(seen.figures)


def check_team_rounds(seen: Observed, channel: ChannelRef, mine: list[Row]) -> list[tuple[int, Party]]:
    """Each of a team's rounds: one post on the platform, the answers people gave stored, and — once
    closed — one reveal in the post's thread. Returns the revealed rounds with their right answers."""
    in_order: list[tuple[int, Party]] = []
    for r in mine:
        rid = int(r["id"])
        closed = int(r["closes_at"]) <= int(seen.now.timestamp() * 1000)
        (post,) = seen.posts_by_round[rid]  # exactly one scenario post reached the platform
        assert post.channel == channel and r["message_id"] == post.message_id
        stored = seen.by_round_answers.get(rid, {})
        assert {u: Party(a["choice"]) for u, a in stored.items()} == seen.ledger.counted.get(rid, {}), rid
        if not closed:
            assert r["state"] == RoundState.POSTED.value and rid not in seen.reveals_by_round
            continue
        assert r["state"] == RoundState.REVEALED.value, (rid, r["state"])
        ((reveal_msg, reveal),) = seen.reveals_by_round[rid]  # exactly one reveal reached the platform
        assert reveal_msg.thread_of == post.message_id and r["reveal_message_id"] == reveal_msg.message_id
        assert reveal.total == len(stored)
        in_order.append((rid, seen.content.scenarios[r["scenario_id"]].answer))
        seen.figures["revealed"] += 1
    return in_order


async def check_team_scores(
    observer: SqlRepository,
    seen: Observed,
    channel: ChannelRef,
    team_id: int,
    in_order: list[tuple[int, Party]],
) -> None:
    """A team's stored points, leaderboard, streaks and aggregates equal the rules applied independently."""
    points, totals, streaks = expected_scores(in_order, seen.ledger.counted)
    for rid, _ in in_order:
        for user, a in seen.by_round_answers.get(rid, {}).items():
            assert a["points"] == points[(rid, user)], (rid, user)
            seen.figures["scored answers"] += 1
    board = {
        r["user_id"]: Totals(int(r["points"]), int(r["answered"]), int(r["correct"]))
        for r in await rows(
            observer,
            "SELECT user_id, points, answered, correct FROM member_scores WHERE team_id = $1 AND period = 'all'",
            team_id,
        )
    }
    assert board == totals, channel
    got_streaks = {
        r["user_id"]: (int(r["current"]), int(r["best"]))
        for r in await rows(
            observer, "SELECT user_id, current, best FROM member_streaks WHERE team_id = $1", team_id
        )
    }
    assert got_streaks == streaks, channel
    period = await observer.db.fetchrow(
        "SELECT rounds, answers, points FROM team_periods WHERE team_id = $1 AND period = 'all'", team_id
    )
    answered = sum(t.answered for t in totals.values())
    if in_order:
        assert period is not None
        assert (int(period["rounds"]), int(period["answers"]), int(period["points"])) == (
            len(in_order),
            answered,
            sum(t.points for t in totals.values()),
        ), channel
    topic_sum = await observer.db.fetchval(
        "SELECT COALESCE(SUM(answered), 0) FROM team_topics WHERE team_id = $1", team_id
    )
    assert int(topic_sum) == answered, channel
