"""Questions from the team over SQL; every statement is scoped by tenant."""

from __future__ import annotations

from datetime import datetime

from bot.core.events import Tenant, UserRef
from bot.core.model import Suggestion
from content.schema import Party
from storage.db import Row, from_ms, ms
from storage.queries.base import SqlStore

SUGGESTION_COLUMNS = (
    "id, platform, workspace_id, user_id, display_name, prompt, answer, explanation, link, state, "
    "created_at, reason"
)


def _suggestion(row: Row) -> Suggestion:
    return Suggestion(
        id=int(row["id"]),
        author=UserRef(row["platform"], row["workspace_id"], row["user_id"], row["display_name"]),
        prompt=row["prompt"],
        answer=Party(row["answer"]),
        explanation=row["explanation"],
        link=row["link"],
        state=row["state"],
        created_at=from_ms(row["created_at"]),
        reason=row["reason"],
    )


class SuggestionQueries(SqlStore):
    """SuggestionStore over SQL."""

    async def add_suggestion(
        self, author: UserRef, prompt: str, answer: Party, explanation: str, link: str, now: datetime
    ) -> int:
        value = await self.db.fetchval(
            "INSERT INTO suggestions (platform, workspace_id, user_id, display_name, prompt, answer, "
            "explanation, link, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9) "
            "RETURNING id",
            author.platform,
            author.workspace_id,
            author.user_id,
            author.name,
            prompt,
            answer.value,
            explanation,
            link,
            ms(now),
        )
        return int(value)

    async def suggestions_since(self, author: UserRef, since: datetime) -> int:
        value = await self.db.fetchval(
            "SELECT COUNT(*) FROM suggestions WHERE platform = $1 AND workspace_id = $2 AND user_id = $3 "
            "AND created_at >= $4",
            author.platform,
            author.workspace_id,
            author.user_id,
            ms(since),
        )
        return int(value or 0)

    async def pending_count(self, author: UserRef) -> int:
        value = await self.db.fetchval(
            "SELECT COUNT(*) FROM suggestions WHERE platform = $1 AND workspace_id = $2 AND user_id = $3 "
            "AND state = 'pending'",
            author.platform,
            author.workspace_id,
            author.user_id,
        )
        return int(value or 0)

    async def get_suggestion(self, tenant: Tenant, suggestion_id: int) -> Suggestion | None:
        row = await self.db.fetchrow(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE platform = $1 AND workspace_id = $2 AND id = $3",
            tenant.platform,
            tenant.workspace_id,
            suggestion_id,
        )
        return _suggestion(row) if row else None

    async def suggestions(self, tenant: Tenant, state: str, limit: int) -> list[Suggestion]:
        rows = await self.db.fetch(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE platform = $1 AND workspace_id = $2 AND state = $3 "
            "ORDER BY id LIMIT $4",
            tenant.platform,
            tenant.workspace_id,
            state,
            limit,
        )
        return [_suggestion(r) for r in rows]

    async def decide_suggestion(
        self, tenant: Tenant, suggestion_id: int, state: str, reason: str, reviewer: str, now: datetime
    ) -> bool:
        changed = await self.db.execute(
            "UPDATE suggestions SET state = $4, reason = $5, reviewer = $6, decided_at = $7 "
            "WHERE platform = $1 AND workspace_id = $2 AND id = $3 AND state = 'pending'",
            tenant.platform,
            tenant.workspace_id,
            suggestion_id,
            state,
            reason,
            reviewer,
            ms(now),
        )
        return changed == 1

    async def edit_suggestion(
        self, tenant: Tenant, suggestion_id: int, prompt: str, answer: Party, explanation: str, link: str
    ) -> bool:
        changed = await self.db.execute(
            "UPDATE suggestions SET prompt = $4, answer = $5, explanation = $6, link = $7 "
            "WHERE platform = $1 AND workspace_id = $2 AND id = $3 AND state = 'pending'",
            tenant.platform,
            tenant.workspace_id,
            suggestion_id,
            prompt,
            answer.value,
            explanation,
            link,
        )
        return changed == 1
