"""Group commit for live answers: many rows in one INSERT statement (one transaction), on SQLite and
PostgreSQL alike, reporting for each row whether it was the person's first answer (`RETURNING`).

A mixin over `storage/db.py`'s query API, so SqlRepository takes it with one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bot.core.ports.answer_batch import AnswerRow
from storage.db import Database, ms

#: Rows in one statement at most (five parameters each; far below both engines' parameter limits).
MAX_ROWS = 500


@lru_cache(maxsize=64)
def _statement(rows: int, locked: bool) -> str:
    """The INSERT for `rows` rows. On PostgreSQL each row's round is share-locked while its answer goes in,
    so closing the round waits for answers already being stored (as `record_answer` does)."""
    values = ", ".join(
        f"(CAST(${i + 1} AS BIGINT), CAST(${i + 2} AS TEXT), CAST(${i + 3} AS TEXT), CAST(${i + 4} AS TEXT), "
        f"CAST(${i + 5} AS BIGINT))"
        for i in range(0, rows * 5, 5)
    )
    lock = " FOR SHARE" if locked else ""
    return (
        f"WITH v (round_id, user_id, display_name, choice, answered_at) AS (VALUES {values}) "
        "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
        "SELECT v.round_id, v.user_id, v.display_name, v.choice, v.answered_at, 'live' FROM v "
        f"WHERE EXISTS (SELECT 1 FROM rounds r WHERE r.id = v.round_id AND r.state IN ('claimed', 'posted'){lock}) "
        "ON CONFLICT (round_id, user_id) DO NOTHING RETURNING round_id, user_id"
    )


class AnswerBatchMixin:
    """`AnswerBatchStore.record_answers` for SqlRepository."""

    db: Database
    engine: str

    async def record_answers(self, rows: Sequence[AnswerRow]) -> list[bool]:
        # Only a (round, person)'s first row in the call is sent, so which row was stored is never ambiguous.
        first: dict[tuple[int, str], int] = {}
        for index, row in enumerate(rows):
            first.setdefault((row.round_id, row.user.user_id), index)
        unique = [rows[i] for i in first.values()]
        if len(unique) <= MAX_ROWS:
            stored = await _insert(self.db, unique, self.engine)
        else:
            stored = set()
            async with self.db.transaction() as tx:
                for start in range(0, len(unique), MAX_ROWS):
                    stored |= await _insert(tx, unique[start : start + MAX_ROWS], self.engine)
        return [
            first[key] == index and key in stored
            for index, key in enumerate((row.round_id, row.user.user_id) for row in rows)
        ]


async def _insert(db: Database, rows: Sequence[AnswerRow], engine: str) -> set[tuple[int, str]]:
    if not rows:
        return set()
    params: list[object] = []
    for row in rows:
        user = row.user
        params += [
            row.round_id,
            user.user_id,
            user.display_name or user.user_id,
            row.choice.value,
            ms(row.at),
        ]
    returned = await db.fetch(_statement(len(rows), engine == "postgres"), *params)
    return {(int(r["round_id"]), str(r["user_id"])) for r in returned}
