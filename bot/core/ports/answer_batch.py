"""The group-commit seam: storing many live answers in one transaction (bot/core/answer_batcher.py uses it).

A small port of its own, beside the Repository: a backend that has it lets answers that arrive together share
one commit; one that does not still stores them one by one (`Repository.record_answer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.core.events import UserRef
from content.schema import Party


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One live answer to store: the person's first answer to the round counts, later ones don't."""

    round_id: int
    user: UserRef
    choice: Party
    at: datetime


@runtime_checkable
class AnswerBatchStore(Protocol):
    async def record_answers(self, rows: Sequence[AnswerRow]) -> list[bool]:
        """Store the rows in one transaction, each only if its round still takes answers and the person has
        no answer to it yet. Returns, row by row, whether it was stored (True: it is the first answer); a row
        repeating an earlier row's (round, person) in the same call is never stored. Durable on return."""
        ...
