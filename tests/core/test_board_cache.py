"""Boards and totals are read once per round, not once per request: a cached board is served until the next
reveal of the team scores a round (then the new numbers show at once) or a person is forgotten; a change this
process cannot see (another instance) shows within the cache's TTL. Fake clock throughout."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.board_cache import TTL
from bot.core.command_runner import help_reply
from bot.core.messages import LeaderboardCard, PracticeCard, StatsCard
from bot.core.model import Earned, ScoreRow
from bot.core.ports import Repository
from tests.core.test_day_cycle import setup_team
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def _board(h: Harness, uid: str = "bob") -> list[tuple[str, int]]:
    (board,) = await h.command("leaderboard week", uid=uid, admin=False)
    assert isinstance(board, LeaderboardCard)
    return [(r.user_id, r.points) for r in board.rows]


async def _points(h: Harness, uid: str) -> int:
    (stats,) = await h.command("stats", uid=uid, admin=False)
    assert isinstance(stats, StatsCard)
    return stats.points


async def _answer_right(h: Harness, uid: str) -> None:
    post, card = h.scenario_posts()[-1]
    await h.answer(post, uid, h.engine.content.scenarios[card.scenario_id].answer)


async def test_a_reveal_refreshes_the_cached_board_and_totals_at_once(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    await _answer_right(h, "ann")
    await _answer_right(h, "bob")
    h.clock.set(MONDAY.replace(hour=13, minute=29, second=30))
    assert await _board(h) == [] and await _points(h, "bob") == 0  # read (and cached) just before the reveal
    h.clock.set(MONDAY.replace(hour=13, minute=30))  # 30 s later: well inside the cache's TTL
    assert (await h.tick()).revealed == 1
    assert await _board(h) == [("ann", 10), ("bob", 10)]
    assert await _points(h, "bob") == 10


async def test_people_asking_together_right_after_a_reveal_share_one_rank_read(
    sqlite_repo: Repository,
) -> None:
    """The reveal makes every cached rank of the team stale; the people who then ask at once each get their
    own row from one read of their ranks (rank_reads.py), not one read each."""
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    people = [f"p{i:02d}" for i in range(12)]
    for uid in people:
        await _answer_right(h, uid)
    await h.run_until(MONDAY.replace(hour=13, minute=30))
    before = h.engine.boards.ranks.queries
    cards = await asyncio.gather(*(h.command("leaderboard week", uid=uid, admin=False) for uid in people))
    mine = []
    for uid, (card,) in zip(people, cards, strict=True):
        assert isinstance(card, LeaderboardCard) and card.me is not None
        mine.append((uid, card.me.user_id, card.me.rank))
    assert mine == [
        (uid, uid, rank) for rank, uid in enumerate(people, start=1)
    ]  # same points: first answer first
    # Each asks while others' reads are under way, so the reads group up: one read each would be 12.
    assert 1 <= h.engine.boards.ranks.queries - before < len(people) // 2


class HeldRankReads:
    """The repository's `ranks_of`, held after the database answered until the test releases it."""

    def __init__(self, repo: Repository) -> None:
        self.repo = repo
        self.read = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0

    async def ranks_of(
        self, team_id: int, period: str, user_ids: Sequence[str]
    ) -> dict[str, tuple[int, ScoreRow]]:
        self.calls += 1
        ranks = await self.repo.ranks_of(team_id, period, user_ids)
        self.read.set()
        await self.release.wait()
        return ranks


async def test_a_rank_read_while_its_team_is_forgotten_is_served_once_and_never_cached(
    sqlite_repo: Repository,
) -> None:
    """The stamp is taken before the rank is asked for, so a read that a reveal overtakes while it is under
    way (here: held) is not kept; the next request reads again."""
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    await _answer_right(h, "ann")
    await h.run_until(MONDAY.replace(hour=13, minute=30))
    held = HeldRankReads(sqlite_repo)
    h.engine.boards.ranks.store = held  # type: ignore[assignment]  # the one method RankReads uses
    asking = asyncio.ensure_future(h.command("leaderboard week", uid="ann", admin=False))
    await asyncio.wait_for(held.read.wait(), 5)
    team = await sqlite_repo.get_team(h.channel())
    assert team is not None
    h.engine.boards.forget_team(team)  # a round of the team is scored meanwhile
    held.release.set()
    (card,) = await asyncio.wait_for(asking, 5)
    assert isinstance(card, LeaderboardCard) and card.me is not None and card.me.user_id == "ann"
    await _board(h, "ann")
    assert held.calls == 2  # read again: the overtaken read was not cached


async def test_forgetting_a_person_drops_them_at_once_and_other_changes_show_within_the_ttl(
    sqlite_repo: Repository,
) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    for uid in ("ann", "bob", "cid"):
        await _answer_right(h, uid)
    await h.run_until(MONDAY.replace(hour=13, minute=30))
    assert [u for u, _ in await _board(h)] == ["ann", "bob", "cid"]

    await h.command("forget-me confirm", uid="ann", admin=False)
    assert [u for u, _ in await _board(h)] == ["bob", "cid"]

    # A change made elsewhere (another instance sharing the database): this process is not told.
    await sqlite_repo.forget_person(h.user("bob"))
    h.clock.advance(TTL / 2)
    assert [u for u, _ in await _board(h)] == ["bob", "cid"]  # cached, at most TTL old
    h.clock.advance(TTL / 2 + timedelta(seconds=1))
    assert [u for u, _ in await _board(h)] == ["cid"]


async def test_a_renamed_team_shows_its_new_name_at_once(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    (board,) = await h.command("leaderboard week", uid="bob", admin=False)
    assert isinstance(board, LeaderboardCard) and board.title.startswith("team-C1")
    await h.command("setup time 09:30 tz UTC window 4h", name="renamed")
    (board,) = await h.command("leaderboard week", uid="bob", admin=False)
    assert isinstance(board, LeaderboardCard) and board.title.startswith("renamed")


def test_help_is_built_once_per_prefix_and_role() -> None:
    assert help_reply("/r", False) is help_reply("/r", False)
    assert help_reply("/r", True) is not help_reply("/r", False)
    assert "*Admin*" in help_reply("/r", True).text and "*Admin*" not in help_reply("/r", False).text


async def _stats(h: Harness, uid: str) -> StatsCard:
    (stats,) = await h.command("stats", uid=uid, admin=False)
    assert isinstance(stats, StatsCard)
    return stats


async def test_stats_are_read_once_and_practice_the_course_and_achievements_show_at_once(
    sqlite_repo: Repository,
) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    before = await _stats(h, "ann")
    assert (before.practice_answered, before.achievements) == (0, ())

    # Read once: a change this process is not told about (another instance) shows only after the TTL.
    await sqlite_repo.save_practice(h.user("ann"), "elsewhere", True, 1, MONDAY, MONDAY)
    assert (await _stats(h, "ann")).practice_answered == 0

    (card,) = await h.command("quiz", uid="ann", admin=False)
    assert isinstance(card, PracticeCard)
    await h.press("ann", "quiz", card.buttons[0].value)
    assert (await _stats(h, "ann")).practice_answered == 2  # practice tells the cache: both show

    await h.command("learn", uid="ann", admin=False)
    course = (await _stats(h, "ann")).course
    assert course and course != before.course
    lesson = h.engine.onboarding.lesson_card(0)
    await h.press("ann", "lesson", f"{lesson.lesson_id}:{lesson.buttons[0].value.split(':')[-1]}")
    answered = (await _stats(h, "ann")).course
    await h.press("ann", "lesson-next", "")
    assert (await _stats(h, "ann")).course not in (course, answered)

    await h.run_until(MONDAY.replace(hour=9, minute=30))
    await _answer_right(h, "ann")
    h.clock.set(MONDAY.replace(hour=13, minute=29, second=30))
    assert (await _stats(h, "ann")).achievements == ()  # read (and cached) 30 s before the reveal
    team = await sqlite_repo.get_team(h.channel())
    assert team is not None  # as the reveal's scoring transaction awards them:
    await sqlite_repo.add_achievements(
        [Earned(team.id, "ann", "Ann", "streak-5", None, MONDAY)], MONDAY.date()
    )
    assert (await _stats(h, "ann")).achievements == ()  # not told yet
    h.clock.set(MONDAY.replace(hour=13, minute=30))
    assert (await h.tick()).revealed == 1
    after = await _stats(h, "ann")  # a scored round drops them, though no board of the team was read here
    assert (after.achievements, after.points) == (("🔥 5-round streak",), 10)
