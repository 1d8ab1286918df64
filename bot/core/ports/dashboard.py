"""What the core needs from the dashboard: a private one-time login link for an admin.

`/responsibility dashboard` (admins only) replies with `await links.issue_login_link(event.user, now)`;
`bot.dashboard.Dashboard` implements it (valid 15 minutes, works once, opens that workspace only).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.events import UserRef


class DashboardLinks(Protocol):
    async def issue_login_link(self, user: UserRef, now: datetime) -> str: ...
