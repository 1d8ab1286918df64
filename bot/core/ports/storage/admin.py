"""A workspace's administration: content flags, the audit trail, forget-me, and platform installations."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.events import Tenant, UserRef
from bot.core.model import FlagSummary


class AdminStore(Protocol):
    """What admins read and what a person can ask to have removed."""

    async def add_flag(self, user: UserRef, scenario_id: str, reason: str, now: datetime) -> bool: ...

    async def open_flags(self, tenant: Tenant) -> list[FlagSummary]: ...

    async def clear_flags(self, tenant: Tenant, scenario_id: str) -> int: ...

    async def forget_person(self, user: UserRef) -> int:
        """Remove every row about a person in a tenant; return how many rows went."""
        ...

    async def add_audit(self, user: UserRef, action: str, detail: str, now: datetime) -> None: ...

    async def audit_log(self, tenant: Tenant, limit: int) -> list[tuple[datetime, str, str, str]]: ...


class InstallationStore(Protocol):
    """Per-workspace platform installations (Slack OAuth); not to be confused with `installation_id`."""

    async def save_installation(self, tenant: Tenant, data: str, now: datetime) -> None:
        """Store a platform installation (JSON text) for a workspace, replacing any earlier one."""
        ...

    async def get_installation(self, tenant: Tenant) -> str | None: ...

    async def delete_installation(self, tenant: Tenant) -> None: ...
