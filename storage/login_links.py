"""The dashboard's one-time login links and its cookie-signing key, in the bot's database (migration 0004).

A link is stored only as the SHA-256 of its token; redeeming it is one compare-and-set UPDATE, so a link
works once even when two instances (or two clicks) race for it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.core.events import UserRef
from storage.db import Database, ms

KEY_NAME = "session"
KEEP_USED = timedelta(days=1)  # used/expired links are purged after this


class SqlLoginLinks:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def signing_key(self, now: datetime) -> str:
        """The database's signing key, created on first use (the first instance to ask wins)."""
        await self.db.execute(
            "INSERT INTO dashboard_keys (name, secret, created_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (name) DO NOTHING",
            KEY_NAME,
            secrets.token_urlsafe(48),
            ms(now),
        )
        return str(await self.db.fetchval("SELECT secret FROM dashboard_keys WHERE name = $1", KEY_NAME))

    async def save_link(self, token_hash: str, user: UserRef, expires_at: datetime, now: datetime) -> None:
        await self.db.execute("DELETE FROM dashboard_links WHERE expires_at < $1", ms(now - KEEP_USED))
        await self.db.execute(
            "INSERT INTO dashboard_links (token_hash, platform, workspace_id, user_id, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            token_hash,
            user.platform,
            user.workspace_id,
            user.user_id,
            ms(now),
            ms(expires_at),
        )

    async def redeem_link(self, token_hash: str, now: datetime) -> UserRef | None:
        """Mark the link used and return whose it is; None if unknown, used already or expired."""
        row = await self.db.fetchrow(
            "UPDATE dashboard_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL "
            "AND expires_at > $2 RETURNING platform, workspace_id, user_id",
            token_hash,
            ms(now),
        )
        if row is None:
            return None
        return UserRef(row["platform"], row["workspace_id"], row["user_id"])
