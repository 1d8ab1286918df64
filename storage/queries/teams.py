"""Teams: one per channel, with its settings and next post time (compare-and-set moves)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.events import ChannelRef, Tenant
from bot.core.model import Team, TeamSettings
from storage.db import ms
from storage.queries.base import SqlStore
from storage.queries.rows import TEAM_COLUMNS, in_marks, split_next_post, to_team


class TeamQueries(SqlStore):
    """TeamStore over SQL."""

    async def save_team(
        self,
        channel: ChannelRef,
        name: str,
        settings: TeamSettings,
        next_post: tuple[date, datetime] | None,
        now: datetime,
    ) -> Team:
        next_date, next_at = split_next_post(next_post)
        await self.db.execute(
            "INSERT INTO teams (platform, workspace_id, channel_id, name, timezone, post_time, days, "
            "window_minutes, close_time, mode, receipts, paused, next_post_date, next_post_at, created_at, "
            "announce_course, difficulty, reminder_minutes, ping, recap, season) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, $15, $16, $17, $18, $19, $20) "
            "ON CONFLICT (platform, workspace_id, channel_id) DO UPDATE SET name = excluded.name, "
            "timezone = excluded.timezone, post_time = excluded.post_time, days = excluded.days, "
            "window_minutes = excluded.window_minutes, close_time = excluded.close_time, mode = excluded.mode, "
            "receipts = excluded.receipts, next_post_date = excluded.next_post_date, "
            "next_post_at = excluded.next_post_at, announce_course = excluded.announce_course, "
            "difficulty = excluded.difficulty, "
            "reminder_minutes = excluded.reminder_minutes, ping = excluded.ping, recap = excluded.recap, "
            "season = excluded.season",
            channel.platform,
            channel.workspace_id,
            channel.channel_id,
            name,
            settings.timezone,
            settings.post_time.strftime("%H:%M"),
            ",".join(str(d) for d in sorted(settings.days)),
            settings.window_minutes,
            settings.close_time.strftime("%H:%M") if settings.close_time else None,
            settings.mode.value,
            int(settings.receipts),
            next_date,
            next_at,
            ms(now),
            int(settings.announce_course),
            settings.difficulty.value,
            settings.reminder_minutes or 0,
            settings.ping,
            settings.recap,
            int(settings.season),
        )
        team = await self.get_team(channel)
        assert team is not None
        return team

    async def get_team(self, channel: ChannelRef) -> Team | None:
        row = await self.db.fetchrow(
            f"SELECT {TEAM_COLUMNS} FROM teams WHERE platform = $1 AND workspace_id = $2 AND channel_id = $3",
            channel.platform,
            channel.workspace_id,
            channel.channel_id,
        )
        return to_team(row) if row else None

    async def get_team_by_id(self, team_id: int) -> Team | None:
        row = await self.db.fetchrow(f"SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1", team_id)
        return to_team(row) if row else None

    async def teams_of(self, tenant: Tenant) -> list[Team]:
        rows = await self.db.fetch(
            f"SELECT {TEAM_COLUMNS} FROM teams WHERE platform = $1 AND workspace_id = $2 ORDER BY id",
            tenant.platform,
            tenant.workspace_id,
        )
        return [to_team(r) for r in rows]

    async def set_paused(self, team_id: int, paused: bool, next_post: tuple[date, datetime] | None) -> None:
        next_date, next_at = split_next_post(next_post)
        await self.db.execute(
            "UPDATE teams SET paused = $2, next_post_date = $3, next_post_at = $4 WHERE id = $1",
            team_id,
            int(paused),
            next_date,
            next_at,
        )

    async def due_teams(self, now: datetime, limit: int, platforms: Sequence[str]) -> list[Team]:
        if not platforms:
            return []
        rows = await self.db.fetch(
            f"SELECT {TEAM_COLUMNS} FROM teams WHERE paused = 0 AND next_post_at <= $1 "
            f"AND platform IN ({in_marks(3, platforms)}) ORDER BY next_post_at, id LIMIT $2",
            ms(now),
            limit,
            *platforms,
        )
        return [to_team(r) for r in rows]

    async def advance_team(
        self, team_id: int, expected: date, next_post: tuple[date, datetime] | None
    ) -> bool:
        next_date, next_at = split_next_post(next_post)
        changed = await self.db.execute(
            "UPDATE teams SET next_post_date = $3, next_post_at = $4 WHERE id = $1 AND next_post_date = $2",
            team_id,
            expected.isoformat(),
            next_date,
            next_at,
        )
        return changed == 1
