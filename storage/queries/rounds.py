"""Rounds: claimed before posting, leased while worked on, moved on only by compare-and-set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.events import ChannelRef
from bot.core.model import Round, RoundState
from storage.db import ms, ms_or_none
from storage.queries.base import SqlStore
from storage.queries.rows import ROUND_COLUMNS, in_marks, to_round


class RoundQueries(SqlStore):
    """RoundStore over SQL."""

    async def claim_round(
        self,
        team_id: int,
        local_date: date,
        scenario_id: str,
        topic: str,
        closes_at: datetime,
        lease_until: datetime,
        now: datetime,
    ) -> Round | None:
        row = await self.db.fetchrow(
            "INSERT INTO rounds (team_id, local_date, scenario_id, topic, state, closes_at, claimed_at, "
            "lease_until) VALUES ($1, $2, $3, $4, 'claimed', $5, $6, $7) "
            f"ON CONFLICT (team_id, local_date) DO NOTHING RETURNING {ROUND_COLUMNS}",
            team_id,
            local_date.isoformat(),
            scenario_id,
            topic,
            ms(closes_at),
            ms(now),
            ms(lease_until),
        )
        return to_round(row) if row else None

    async def get_round(self, round_id: int) -> Round | None:
        row = await self.db.fetchrow(f"SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1", round_id)
        return to_round(row) if row else None

    async def round_on(self, team_id: int, local_date: date) -> Round | None:
        row = await self.db.fetchrow(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE team_id = $1 AND local_date = $2",
            team_id,
            local_date.isoformat(),
        )
        return to_round(row) if row else None

    async def round_for_post(self, channel: ChannelRef, message_id: str) -> Round | None:
        row = await self.db.fetchrow(
            "SELECT r.id, r.team_id, r.local_date, r.scenario_id, r.state, r.closes_at, r.message_id, "
            "r.posted_at, r.lease_until, r.reveal_message_id FROM rounds r JOIN teams t ON t.id = r.team_id "
            "WHERE t.platform = $1 AND t.workspace_id = $2 AND t.channel_id = $3 AND r.message_id = $4 "
            "ORDER BY r.id DESC LIMIT 1",
            channel.platform,
            channel.workspace_id,
            channel.channel_id,
            message_id,
        )
        return to_round(row) if row else None

    async def take_lease(self, round_id: int, now: datetime, until: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE rounds SET lease_until = $3 WHERE id = $1 AND (lease_until IS NULL OR lease_until <= $2)",
            round_id,
            ms(now),
            ms(until),
        )
        return changed == 1

    async def mark_posted(self, round_id: int, message_id: str, posted_at: datetime) -> bool:
        changed = await self.db.execute(
            "UPDATE rounds SET state = 'posted', message_id = $2, posted_at = $3, lease_until = NULL "
            "WHERE id = $1 AND state = 'claimed'",
            round_id,
            message_id,
            ms(posted_at),
        )
        return changed == 1

    async def set_round_state(
        self, round_id: int, expected: RoundState, new: RoundState, lease_until: datetime | None
    ) -> bool:
        changed = await self.db.execute(
            "UPDATE rounds SET state = $3, lease_until = $4 WHERE id = $1 AND state = $2",
            round_id,
            expected.value,
            new.value,
            ms_or_none(lease_until),
        )
        return changed == 1

    async def stale_claims(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE state = 'claimed' "
            "AND (lease_until IS NULL OR lease_until <= $1) AND team_id IN (SELECT id FROM teams "
            f"WHERE platform IN ({in_marks(3, platforms)})) ORDER BY id LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [to_round(r) for r in rows]

    async def due_reveals(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Round]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE (lease_until IS NULL OR lease_until <= $1) AND ("
            "(state IN ('posted', 'closing') AND closes_at <= $1) "
            "OR (state = 'revealed' AND reveal_message_id IS NULL)) AND team_id IN (SELECT id FROM teams "
            f"WHERE platform IN ({in_marks(3, platforms)})) ORDER BY closes_at, id LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [to_round(r) for r in rows]

    async def mark_reveal_posted(self, round_id: int, message_id: str) -> None:
        # The first reveal recorded stays recorded: a late duplicate never overwrites it.
        await self.db.execute(
            "UPDATE rounds SET reveal_message_id = $2, lease_until = NULL "
            "WHERE id = $1 AND reveal_message_id IS NULL",
            round_id,
            message_id,
        )

    async def team_scenarios(self, team_id: int) -> list[str]:
        rows = await self.db.fetch(
            "SELECT scenario_id FROM rounds WHERE team_id = $1 AND state <> 'skipped' ORDER BY local_date, id",
            team_id,
        )
        return [r["scenario_id"] for r in rows]

    async def previous_round(self, team_id: int, before: date) -> Round | None:
        row = await self.db.fetchrow(
            f"SELECT {ROUND_COLUMNS} FROM rounds WHERE team_id = $1 AND local_date < $2 "
            "AND state = 'revealed' ORDER BY local_date DESC LIMIT 1",
            team_id,
            before.isoformat(),
        )
        return to_round(row) if row else None
