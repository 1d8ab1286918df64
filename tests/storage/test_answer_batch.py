"""The group-commit port (`AnswerBatchStore.record_answers`) holds the same contract as `record_answer`, row by
row, on every backend: first answer locks, only rounds taking answers accept them, and each row says whether
it was the one stored."""

from __future__ import annotations

from datetime import timedelta

from bot.core.model import RoundState
from bot.core.ports import Repository
from bot.core.ports.answer_batch import AnswerBatchStore, AnswerRow
from content.schema import Party
from storage.answer_batch import MAX_ROWS
from tests.storage.test_contract import DAY, NOW, _team, user


async def test_a_batch_reports_each_rows_own_outcome(repo: Repository) -> None:
    assert isinstance(repo, AnswerBatchStore)
    team_id = await _team(repo)
    closes = NOW + timedelta(hours=4)
    posted = await repo.claim_round(team_id, DAY, "s1", "patching", closes, NOW, NOW)
    closing = await repo.claim_round(team_id, DAY + timedelta(days=1), "s2", "iam", closes, NOW, NOW)
    claimed = await repo.claim_round(team_id, DAY + timedelta(days=2), "s3", "iam", closes, NOW, NOW)
    assert posted is not None and closing is not None and claimed is not None
    await repo.mark_posted(posted.id, "m1", NOW)
    await repo.mark_posted(closing.id, "m2", NOW)
    assert await repo.set_round_state(closing.id, RoundState.POSTED, RoundState.CLOSING, closes)
    assert await repo.record_answer(posted.id, user("old"), Party.AWS, NOW)

    rows = [
        AnswerRow(posted.id, user("a"), Party.SHARED, NOW),
        AnswerRow(posted.id, user("old"), Party.SHARED, NOW),  # answered before: not first
        AnswerRow(closing.id, user("a"), Party.AWS, NOW),  # closing: refused
        AnswerRow(posted.id, user("b"), Party.CUSTOMER, NOW),
        AnswerRow(posted.id, user("b"), Party.AWS, NOW),  # the same person again in the same batch
        AnswerRow(claimed.id, user("a"), Party.AWS, NOW),  # claimed: the post may be up already
        AnswerRow(claimed.id + 1000, user("a"), Party.AWS, NOW),  # no such round
    ]
    assert await repo.record_answers(rows) == [True, False, False, True, False, True, False]
    got = {(a.user.user_id, a.choice) for a in await repo.answers_for_round(posted.id, "slack", "T1")}
    assert got == {("a", Party.SHARED), ("b", Party.CUSTOMER), ("old", Party.AWS)}
    assert await repo.get_answer(closing.id, "a") is None
    stored = await repo.get_answer(claimed.id, "a")
    assert stored is not None and stored.user.display_name == "A" and stored.answered_at == NOW
    assert await repo.record_answers(rows[:1]) == [False]  # stored for good: a repeat is not first
    assert await repo.record_answers([]) == []


async def test_a_batch_larger_than_one_statement_is_stored_whole(repo: Repository) -> None:
    assert isinstance(repo, AnswerBatchStore)
    team_id = await _team(repo)
    rnd = await repo.claim_round(team_id, DAY, "s1", "patching", NOW + timedelta(hours=4), NOW, NOW)
    assert rnd is not None
    rows = [AnswerRow(rnd.id, user(f"u{i}"), Party.AWS, NOW) for i in range(MAX_ROWS + 7)]
    assert await repo.record_answers(rows) == [True] * len(rows)
    assert len(await repo.answers_for_round(rnd.id, "slack", "T1")) == MAX_ROWS + 7
