"""Workspace administration: content flags, the audit trail, forget-me, and platform installations."""

from __future__ import annotations

from datetime import datetime

from bot.core.events import Tenant, UserRef
from bot.core.model import FlagSummary
from storage.db import from_ms, ms
from storage.queries.base import SqlStore
from storage.queries.scores import rebuild_buckets


class AdminQueries(SqlStore):
    """AdminStore over SQL."""

    async def add_flag(self, user: UserRef, scenario_id: str, reason: str, now: datetime) -> bool:
        changed = await self.db.execute(
            "INSERT INTO flags (platform, workspace_id, scenario_id, user_id, reason, created_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (platform, workspace_id, scenario_id, user_id) "
            "DO NOTHING",
            user.platform,
            user.workspace_id,
            scenario_id,
            user.user_id,
            reason,
            ms(now),
        )
        return changed == 1

    async def open_flags(self, tenant: Tenant) -> list[FlagSummary]:
        rows = await self.db.fetch(
            "SELECT scenario_id, reason FROM flags WHERE platform = $1 AND workspace_id = $2 "
            "ORDER BY scenario_id, created_at",
            tenant.platform,
            tenant.workspace_id,
        )
        grouped: dict[str, list[str]] = {}
        for r in rows:
            grouped.setdefault(r["scenario_id"], []).append(r["reason"])
        return sorted(
            (FlagSummary(sid, len(reasons), tuple(reasons)) for sid, reasons in grouped.items()),
            key=lambda f: (-f.count, f.scenario_id),
        )

    async def clear_flags(self, tenant: Tenant, scenario_id: str) -> int:
        return await self.db.execute(
            "DELETE FROM flags WHERE platform = $1 AND workspace_id = $2 AND scenario_id = $3",
            tenant.platform,
            tenant.workspace_id,
            scenario_id,
        )

    async def forget_person(self, user: UserRef) -> int:
        tenant_teams = "SELECT id FROM teams WHERE platform = $1 AND workspace_id = $2"
        args = (user.platform, user.workspace_id, user.user_id)
        removed = 0
        async with self.db.transaction() as tx:
            # Only the boards this person was on need recounting afterwards.
            affected = await tx.fetch(
                f"SELECT team_id, period FROM member_scores WHERE user_id = $3 AND team_id IN ({tenant_teams})",
                *args,
            )
            removed += await tx.execute(
                "DELETE FROM answers WHERE user_id = $3 AND round_id IN "
                f"(SELECT r.id FROM rounds r WHERE r.team_id IN ({tenant_teams}))",
                *args,
            )
            for table in ("member_scores", "member_streaks", "member_topics", "achievements"):
                removed += await tx.execute(
                    f"DELETE FROM {table} WHERE user_id = $3 AND team_id IN ({tenant_teams})",
                    *args,
                )
            for table in ("course_progress", "practice", "flags", "suggestions"):
                removed += await tx.execute(
                    f"DELETE FROM {table} WHERE platform = $1 AND workspace_id = $2 AND user_id = $3",
                    *args,
                )
            # The audit trail keeps what was done, not who did it: an admin cannot erase their own record.
            removed += await tx.execute(
                "UPDATE audit_log SET user_id = 'forgotten-user' "
                "WHERE platform = $1 AND workspace_id = $2 AND user_id = $3",
                *args,
            )
            for key in affected:
                team_id, period = int(key["team_id"]), key["period"]
                await tx.execute(
                    "UPDATE team_periods SET "
                    "active_members = (SELECT COUNT(*) FROM member_scores m WHERE m.team_id = $1 AND m.period = $2), "
                    "points = (SELECT COALESCE(SUM(m.points), 0) FROM member_scores m "
                    "WHERE m.team_id = $1 AND m.period = $2), "
                    "answers = (SELECT COALESCE(SUM(m.answered), 0) FROM member_scores m "
                    "WHERE m.team_id = $1 AND m.period = $2) WHERE team_id = $1 AND period = $2",
                    team_id,
                    period,
                )
                await rebuild_buckets(tx, team_id, period)
        return removed

    async def add_audit(self, user: UserRef, action: str, detail: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO audit_log (platform, workspace_id, user_id, action, detail, at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            user.platform,
            user.workspace_id,
            user.user_id,
            action,
            detail,
            ms(now),
        )

    async def audit_log(self, tenant: Tenant, limit: int) -> list[tuple[datetime, str, str, str]]:
        rows = await self.db.fetch(
            "SELECT at, user_id, action, detail FROM audit_log WHERE platform = $1 AND workspace_id = $2 "
            "ORDER BY at DESC, id DESC LIMIT $3",
            tenant.platform,
            tenant.workspace_id,
            limit,
        )
        return [(from_ms(r["at"]), r["user_id"], r["action"], r["detail"]) for r in rows]


class InstallationQueries(SqlStore):
    """InstallationStore (Slack OAuth installations) over SQL."""

    async def save_installation(self, tenant: Tenant, data: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO installations (platform, workspace_id, data, updated_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (platform, workspace_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
            tenant.platform,
            tenant.workspace_id,
            data,
            ms(now),
        )

    async def get_installation(self, tenant: Tenant) -> str | None:
        value = await self.db.fetchval(
            "SELECT data FROM installations WHERE platform = $1 AND workspace_id = $2",
            tenant.platform,
            tenant.workspace_id,
        )
        return None if value is None else str(value)

    async def delete_installation(self, tenant: Tenant) -> None:
        await self.db.execute(
            "DELETE FROM installations WHERE platform = $1 AND workspace_id = $2",
            tenant.platform,
            tenant.workspace_id,
        )
