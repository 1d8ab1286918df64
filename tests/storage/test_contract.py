"""The storage contract: every backend passes the same suite unchanged (see the `repo` fixture)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.events import ChannelRef, Tenant, UserRef
from bot.core.model import Award, CourseProgress, RoundResult, RoundState, StoredAnswer, TeamSettings
from bot.core.ports import Repository
from content.schema import Party

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 30)
CH = ChannelRef("slack", "T1", "C1")
OTHER = ChannelRef("slack", "T2", "C1")


def user(uid: str, ws: str = "T1") -> UserRef:
    return UserRef("slack", ws, uid, uid.upper())


async def _team(repo: Repository, channel: ChannelRef = CH) -> int:
    team = await repo.save_team(channel, "team", TeamSettings(), (DAY, NOW), NOW)
    return team.id


async def test_teams_save_update_and_due(repo: Repository) -> None:
    settings = TeamSettings(timezone="Europe/Berlin", days=frozenset({0, 2}), window_minutes=None)
    team = await repo.save_team(CH, "alpha", settings, (DAY, NOW), NOW)
    assert team.settings == settings and team.name == "alpha" and not team.paused
    again = await repo.save_team(CH, "alpha2", TeamSettings(), (DAY, NOW + timedelta(hours=1)), NOW)
    assert again.id == team.id and again.name == "alpha2"
    assert await repo.due_teams(NOW, 10, ["slack"]) == []
    due = await repo.due_teams(NOW + timedelta(hours=1), 10, ["slack"])
    assert [t.id for t in due] == [team.id]
    assert await repo.due_teams(NOW + timedelta(hours=1), 10, ["discord"]) == []
    await repo.set_paused(team.id, True, None)
    assert await repo.due_teams(NOW + timedelta(days=9), 10, ["slack"]) == []
    await repo.set_paused(team.id, False, (DAY, NOW))
    assert await repo.advance_team(team.id, DAY, (DAY + timedelta(days=1), NOW + timedelta(days=1)))
    assert not await repo.advance_team(team.id, DAY, None)  # compare-and-set: someone moved it already
    assert [t.id for t in await repo.teams_of(Tenant("slack", "T1"))] == [team.id]
    assert await repo.teams_of(Tenant("slack", "T2")) == []


async def test_claim_is_unique_per_team_and_local_date(repo: Repository) -> None:
    team_id = await _team(repo)
    closes = NOW + timedelta(hours=4)
    first = await repo.claim_round(team_id, DAY, "s1", "patching", closes, NOW + timedelta(minutes=2), NOW)
    assert first is not None and first.state is RoundState.CLAIMED
    assert await repo.claim_round(team_id, DAY, "s2", "patching", closes, NOW, NOW) is None
    assert await repo.round_on(team_id, DAY) == first
    assert not await repo.take_lease(first.id, NOW, NOW + timedelta(minutes=5))  # held
    assert await repo.stale_claims(NOW, 10, ["slack"]) == []
    later = NOW + timedelta(minutes=3)
    assert [r.id for r in await repo.stale_claims(later, 10, ["slack"])] == [first.id]
    assert await repo.take_lease(first.id, later, later + timedelta(minutes=2))
    assert await repo.mark_posted(first.id, "m1", later)
    assert not await repo.mark_posted(first.id, "m2", later)
    posted = await repo.round_for_post(CH, "m1")
    assert posted is not None and posted.state is RoundState.POSTED and posted.lease_until is None
    assert await repo.round_for_post(OTHER, "m1") is None  # same message id in another tenant


async def test_answers_lock_and_the_reveal_transaction(repo: Repository) -> None:
    team_id = await _team(repo)
    closes = NOW + timedelta(hours=4)
    rnd = await repo.claim_round(team_id, DAY, "s1", "patching", closes, NOW, NOW)
    assert rnd is not None
    # claimed: the post may already be up (a button press can beat recording its message id)
    assert await repo.record_answer(rnd.id, user("a"), Party.AWS, NOW)
    await repo.mark_posted(rnd.id, "m1", NOW)
    assert not await repo.record_answer(rnd.id, user("a"), Party.SHARED, NOW)  # first answer locks
    assert await repo.record_answer(rnd.id, user("b"), Party.SHARED, NOW + timedelta(minutes=1))
    got = await repo.get_answer(rnd.id, "a")
    assert got is not None and got.choice is Party.AWS
    assert await repo.set_round_state(rnd.id, RoundState.POSTED, RoundState.CLOSING, closes)
    assert not await repo.record_answer(rnd.id, user("c"), Party.AWS, NOW)  # closing: refused
    late = StoredAnswer(rnd.id, user("d"), Party.AWS, closes)
    result = RoundResult(
        round_id=rnd.id,
        team_id=team_id,
        topic="patching",
        periods=("all", "w:2026-W49", "m:2026-11"),
        awards=(
            Award(user("a"), Party.AWS, NOW, True, 12, 2),
            Award(user("b"), Party.SHARED, NOW + timedelta(minutes=1), False, 0, 1),
            Award(user("d"), Party.AWS, closes, True, 10, 1),
        ),
        reconciled=(late,),
        revealed_at=closes,
    )
    assert await repo.finish_round(result)
    assert not await repo.finish_round(result)  # only once
    answers = await repo.answers_for_round(rnd.id, "slack", "T1")
    assert [a.user.user_id for a in answers] == ["a", "b", "d"]
    top = await repo.top_scores(team_id, "w:2026-W49", 10)
    assert [(r.user_id, r.points, r.answered, r.correct) for r in top] == [
        ("a", 12, 1, 1),
        ("d", 10, 1, 1),
        ("b", 0, 1, 0),
    ]
    rank = await repo.rank_of(team_id, "all", "b")
    assert rank is not None and rank[0] == 3
    assert await repo.rank_of(team_id, "all", "nobody") is None
    streaks = await repo.streaks(team_id, ["a", "b", "zz"])
    assert streaks["a"].current == 2 and streaks["a"].last_round_id == rnd.id and "zz" not in streaks
    assert await repo.team_topic_accuracy(team_id) == {"patching": (3, 2)}
    periods = await repo.team_periods(Tenant("slack", "T1"), ["m:2026-11"])
    assert [(k, p.rounds, p.answers, p.points, p.active_members) for k, p in periods] == [
        ("m:2026-11", 1, 3, 22, 3)
    ]
    totals = await repo.person_totals(Tenant("slack", "T1"), "a")
    assert (totals.points, totals.answered, totals.correct, totals.current_streak) == (12, 1, 1, 2)
    assert totals.topics == (("patching", 1, 1),)
    assert await repo.previous_round(team_id, DAY + timedelta(days=1)) is not None
    rows = await repo.export_rows(Tenant("slack", "T1"), ["all"])
    assert {r[1] for r in rows} == {"a", "b", "d"}
    assert await repo.export_rows(Tenant("slack", "T2"), ["all"]) == []


async def test_due_reveals_and_reveal_posting(repo: Repository) -> None:
    team_id = await _team(repo)
    closes = NOW + timedelta(hours=4)
    rnd = await repo.claim_round(team_id, DAY, "s1", "patching", closes, NOW, NOW)
    assert rnd is not None
    await repo.mark_posted(rnd.id, "m1", NOW)
    assert await repo.due_reveals(NOW, 10, ["slack"]) == []
    assert [r.id for r in await repo.due_reveals(closes, 10, ["slack"])] == [rnd.id]
    assert await repo.set_round_state(rnd.id, RoundState.POSTED, RoundState.CLOSING, None)
    empty = RoundResult(rnd.id, team_id, "patching", ("all",), (), (), closes)
    assert await repo.finish_round(empty)
    still = await repo.due_reveals(closes, 10, ["slack"])
    assert [r.state for r in still] == [RoundState.REVEALED]  # scored, reveal message pending
    await repo.mark_reveal_posted(rnd.id, "r1")
    assert await repo.due_reveals(closes + timedelta(days=1), 10, ["slack"]) == []
    assert await repo.team_scenarios(team_id) == ["s1"]


async def test_course_practice_flags_installations_audit(repo: Repository) -> None:
    u = user("a")
    progress = CourseProgress(u, 2, True, None, NOW, "Europe/Berlin", 2)
    await repo.save_course_progress(progress, NOW)
    assert await repo.course_progress(u) == progress
    assert [p.user.user_id for p in await repo.due_lessons(NOW, 10, ["slack"])] == ["a"]
    assert await repo.due_lessons(NOW, 10, ["discord"]) == []
    assert [p.user.user_id for p in await repo.course_roster(u.tenant)] == ["a"]
    assert await repo.course_roster(Tenant("slack", "T2")) == []

    await repo.save_practice(u, "s1", False, 1, NOW + timedelta(days=1), NOW)
    await repo.save_practice(u, "s1", True, 2, NOW + timedelta(days=3), NOW)
    assert [(i.scenario_id, i.box) for i in await repo.practice_items(u)] == [("s1", 2)]
    assert await repo.practice_totals(u) == (2, 1)

    assert await repo.add_flag(u, "s1", "wrong", NOW)
    assert not await repo.add_flag(u, "s1", "again", NOW)
    assert await repo.add_flag(user("b"), "s1", "unclear", NOW)
    flags = await repo.open_flags(u.tenant)
    assert [(f.scenario_id, f.count) for f in flags] == [("s1", 2)]
    assert await repo.open_flags(Tenant("slack", "T2")) == []
    assert await repo.clear_flags(u.tenant, "s1") == 2

    await repo.save_installation(u.tenant, '{"bot_token": "x"}', NOW)
    await repo.save_installation(u.tenant, '{"bot_token": "y"}', NOW)
    assert await repo.get_installation(u.tenant) == '{"bot_token": "y"}'
    assert await repo.get_installation(Tenant("slack", "T2")) is None
    await repo.delete_installation(u.tenant)
    assert await repo.get_installation(u.tenant) is None

    await repo.add_audit(u, "setup", "detail", NOW)
    assert [(a, d) for _, _, a, d in await repo.audit_log(u.tenant, 5)] == [("setup", "detail")]
    assert await repo.audit_log(Tenant("slack", "T2"), 5) == []


async def test_forget_person_leaves_no_row_behind(repo: Repository) -> None:
    team_id = await _team(repo)
    rnd = await repo.claim_round(team_id, DAY, "s1", "patching", NOW + timedelta(hours=4), NOW, NOW)
    assert rnd is not None
    await repo.mark_posted(rnd.id, "m1", NOW)
    for uid in ("gone", "kept"):
        await repo.record_answer(rnd.id, user(uid), Party.AWS, NOW)
    await repo.set_round_state(rnd.id, RoundState.POSTED, RoundState.CLOSING, None)
    awards = tuple(Award(user(u), Party.AWS, NOW, True, 10, 1) for u in ("gone", "kept"))
    await repo.finish_round(RoundResult(rnd.id, team_id, "patching", ("all",), awards, (), NOW))
    gone = user("gone")
    await repo.save_course_progress(CourseProgress(gone, 0, False, None, None, "UTC", 0), NOW)
    await repo.save_practice(gone, "s1", True, 4, NOW, NOW)
    await repo.add_flag(gone, "s1", "x", NOW)
    await repo.add_audit(gone, "export", "all", NOW)
    # the same user id in another tenant must survive
    other_team = await _team(repo, OTHER)
    await repo.save_practice(user("gone", "T2"), "s1", True, 4, NOW, NOW)
    removed = await repo.forget_person(gone)
    assert removed >= 8
    db = repo.db  # type: ignore[attr-defined]
    tables = [
        "answers", "member_scores", "member_streaks", "member_topics", "course_progress", "practice", "flags",
        "audit_log",
    ]  # fmt: skip
    for table in tables:
        count = await db.fetchval(
            f"SELECT COUNT(*) FROM {table} WHERE user_id = $1 AND {_tenant_filter(table)}", "gone"
        )
        assert count == 0, table
    assert await repo.practice_totals(user("gone", "T2")) == (1, 1)
    periods = await repo.team_periods(Tenant("slack", "T1"), ["all"])
    assert [(p.active_members, p.points) for _, p in periods] == [(1, 10)]
    assert other_team != team_id


def _tenant_filter(table: str) -> str:
    if table == "answers":
        return "round_id IN (SELECT r.id FROM rounds r JOIN teams t ON t.id = r.team_id WHERE t.workspace_id = 'T1')"
    if table.startswith("member_"):
        return "team_id IN (SELECT id FROM teams WHERE workspace_id = 'T1')"
    return "workspace_id = 'T1'"


async def test_rank_matches_a_full_sort_with_ties(repo: Repository) -> None:
    import random

    team_id = await _team(repo)
    rng = random.Random(5)
    rows = []
    for i in range(300):
        answered = rng.randint(1, 4)
        correct = rng.randint(0, answered)
        first = NOW + timedelta(minutes=rng.choice([0, 1, 2]))  # many exact ties on time too
        rows.append((team_id, "all", f"u{i:03d}", f"U{i}", correct * 10, answered, correct,
                     correct * 10000 // answered, int(first.timestamp() * 1000)))  # fmt: skip
    db = repo.db  # type: ignore[attr-defined]
    await db.executemany(
        "INSERT INTO member_scores (team_id, period, user_id, display_name, points, answered, correct, acc_bp, "
        "first_answer_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        rows,
    )
    from storage.repository import rebuild_buckets

    await rebuild_buckets(db, team_id, "all")
    expected = sorted(rows, key=lambda r: (-r[4], -r[7], r[8], r[2]))
    top = await repo.top_scores(team_id, "all", 10)
    assert [r.user_id for r in top] == [r[2] for r in expected[:10]]
    for position in (0, 1, 57, 150, 299):
        uid = expected[position][2]
        rank = await repo.rank_of(team_id, "all", uid)
        assert rank is not None and rank[0] == position + 1, uid
    # Several people in one read (rank_reads.py): each their own rank and row; no score, no entry.
    positions = (299, 0, 150, 1, 57)
    ranks = await repo.ranks_of(team_id, "all", [expected[p][2] for p in positions] + ["nobody"])
    assert {uid: (r[0], r[1].points) for uid, r in ranks.items()} == {
        expected[p][2]: (p + 1, expected[p][4]) for p in positions
    }
    assert await repo.ranks_of(team_id, "all", []) == {}


async def test_late_answers_lessons_and_teams_of_a_person(repo: Repository) -> None:
    team_id = await _team(repo)
    rnd = await repo.claim_round(team_id, DAY, "s1", "patching", NOW + timedelta(hours=1), NOW, NOW)
    assert rnd is not None
    await repo.mark_posted(rnd.id, "m1", NOW)
    await repo.record_answer(rnd.id, user("a"), Party.AWS, NOW)
    await repo.record_late_answer(rnd.id, user("a"), Party.SHARED, NOW)  # has a live answer: ignored
    await repo.record_late_answer(rnd.id, user("late"), Party.AWS, NOW + timedelta(hours=2))
    assert await repo.late_answer_users(rnd.id) == {"late"}
    assert [a.user.user_id for a in await repo.answers_for_round(rnd.id, "slack", "T1")] == ["a"]
    assert await repo.get_answer(rnd.id, "late") is None

    u = user("learner")
    await repo.save_course_progress(CourseProgress(u, 0, True, None, NOW, "UTC", 1), NOW)
    first = await repo.course_progress(u)
    assert first is not None
    assert await repo.advance_lesson(first)
    assert not await repo.advance_lesson(first)  # someone already moved on
    moved = await repo.course_progress(u)
    assert moved is not None and (moved.lesson_index, moved.answered_current, moved.next_lesson_at) == (
        1,
        False,
        None,
    )

    await repo.set_round_state(rnd.id, RoundState.POSTED, RoundState.CLOSING, None)
    award = Award(user("a"), Party.AWS, NOW, True, 10, 1)
    await repo.finish_round(RoundResult(rnd.id, team_id, "patching", ("all",), (award,), (), NOW))
    assert await repo.teams_of_person(Tenant("slack", "T1"), "a") == [team_id]
    assert await repo.teams_of_person(Tenant("slack", "T2"), "a") == []
