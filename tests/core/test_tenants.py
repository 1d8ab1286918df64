"""Two tenants never see each other's boards, stats or exports — even with clashing ids."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.messages import FileCard, LeaderboardCard, StatsCard, TeamRankingCard, TextReply
from bot.core.ports import Repository
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


async def test_two_workspaces_are_isolated(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    ch_a = h.channel("C1", workspace="A")
    ch_b = h.channel("C1", workspace="B")  # the same channel id in another workspace
    await h.command("setup time 09:30 tz UTC", channel=ch_a, name="alpha")
    await h.command("setup time 09:30 tz UTC", channel=ch_b, name="beta")
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    posts = {p.channel.workspace_id: p for p, _ in h.scenario_posts()}
    assert set(posts) == {"A", "B"}
    await h.answer(posts["A"], "u1", "aws")  # the same user id in both workspaces
    await h.answer(posts["A"], "only-a", "customer")
    await h.answer(posts["B"], "u1", "shared")
    await h.answer(posts["B"], "only-b", "aws")
    await h.run_until(MONDAY.replace(hour=13, minute=30))

    for ws, mine, other in (("A", "only-a", "only-b"), ("B", "only-b", "only-a")):
        ch = h.channel("C1", workspace=ws)
        (board,) = await h.command("leaderboard all", uid="u1", admin=False, channel=ch)
        assert isinstance(board, LeaderboardCard)
        ids = {r.user_id for r in board.rows}
        assert ids == {"u1", mine}
        (ranking,) = await h.command("leaderboard teams", uid="u1", admin=False, channel=ch)
        assert isinstance(ranking, TeamRankingCard) and [r.team for r in ranking.rows] == [
            "alpha" if ws == "A" else "beta"
        ]
        (stats,) = await h.command("stats", uid="u1", admin=False, channel=ch)
        assert isinstance(stats, StatsCard) and stats.answered == 1
        (export,) = await h.command("export all", channel=ch)
        assert isinstance(export, FileCard)
        assert mine in export.content and other not in export.content
        (missing,) = await h.command(f"stats @{other}", uid="u1", admin=False, channel=ch)
        assert isinstance(missing, TextReply) and "no activity" in missing.text
