"""Group commit for live answers: many rows in one INSERT statement (one transaction), on SQLite and
PostgreSQL alike, reporting for each row whether it was the person's first answer (`RETURNING`).

The rows travel as one parameter (a JSON array on SQLite, arrays on PostgreSQL), so there is one statement
text per engine whatever the batch size: both drivers prepare and cache it once (a VALUES list per size would
fill their statement caches with hundreds of large prepared statements).

A mixin over `storage/db.py`'s query API, so SqlRepository takes it with one line.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.core.ports.answer_batch import AnswerRow
from storage.db import Database, ms

#: Rows in one statement at most; a larger call is split, inside one transaction.
MAX_ROWS = 500

_INSERT = (
    "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
    "SELECT v.round_id, v.user_id, v.display_name, v.choice, v.answered_at, 'live' FROM {rows} "
    "WHERE EXISTS (SELECT 1 FROM rounds r WHERE r.id = v.round_id AND r.state IN ('claimed', 'posted'){lock}) "
    "ON CONFLICT (round_id, user_id) DO NOTHING RETURNING round_id, user_id"
)
_SQLITE = _INSERT.format(
    rows="(SELECT CAST(json_extract(j.value, '$[0]') AS INTEGER) AS round_id, "
    "json_extract(j.value, '$[1]') AS user_id, json_extract(j.value, '$[2]') AS display_name, "
    "json_extract(j.value, '$[3]') AS choice, CAST(json_extract(j.value, '$[4]') AS INTEGER) AS answered_at "
    "FROM json_each($1) AS j) AS v",
    lock="",
)
# On PostgreSQL each row's round is share-locked while its answer goes in, so closing the round waits for
# answers already being stored (as `record_answer` does).
_POSTGRES = _INSERT.format(
    rows="unnest(CAST($1 AS BIGINT[]), CAST($2 AS TEXT[]), CAST($3 AS TEXT[]), CAST($4 AS TEXT[]), "
    "CAST($5 AS BIGINT[])) AS v(round_id, user_id, display_name, choice, answered_at)",
    lock=" FOR SHARE",
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
    columns: list[tuple[Any, ...]] = [
        (r.round_id, r.user.user_id, r.user.display_name or r.user.user_id, r.choice.value, ms(r.at))
        for r in rows
    ]
    # One of two fixed statements; the rows are only ever parameters.
    args: list[Any]
    if engine == "postgres":
        statement, args = _POSTGRES, [list(c) for c in zip(*columns, strict=True)]
    else:
        statement, args = _SQLITE, [json.dumps(columns)]
    returned = await db.fetch(statement, *args)
    return {(int(r["round_id"]), str(r["user_id"])) for r in returned}
