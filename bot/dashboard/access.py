"""Who may see a dashboard: one-time login links, signed session cookies scoped to one workspace, CSRF.

A link is a random token valid 15 minutes and good once (only its SHA-256 is stored). Opening it and
pressing the button sets a session cookie — signed and timestamped with itsdangerous, HttpOnly, SameSite=Lax,
8 hours — that names exactly one workspace: every page reads that workspace and nothing else. Each session
carries its own CSRF token, required by every form that changes something.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from bot.core.clock import Clock
from bot.core.events import Tenant, UserRef

SESSION_COOKIE = "respbot_dashboard"
SESSION_TTL = timedelta(hours=8)
LINK_TTL = timedelta(minutes=15)
_SALT = "respbot-dashboard-session"


class LinkStore(Protocol):
    """Where links and the signing key live: the bot's database, or memory for `respbot dashboard`."""

    async def signing_key(self, now: datetime) -> str: ...

    async def save_link(
        self, token_hash: str, user: UserRef, expires_at: datetime, now: datetime
    ) -> None: ...

    async def redeem_link(self, token_hash: str, now: datetime) -> UserRef | None: ...


class MemoryLinkStore:
    """Links and key for one process only: the operator command never writes to the database it shows."""

    def __init__(self) -> None:
        self._key = secrets.token_urlsafe(48)
        self._links: dict[str, tuple[UserRef, datetime, bool]] = {}

    async def signing_key(self, now: datetime) -> str:
        return self._key

    async def save_link(self, token_hash: str, user: UserRef, expires_at: datetime, now: datetime) -> None:
        self._links[token_hash] = (user, expires_at, False)

    async def redeem_link(self, token_hash: str, now: datetime) -> UserRef | None:
        found = self._links.get(token_hash)
        if found is None or found[2] or found[1] <= now:
            return None
        self._links[token_hash] = (found[0], found[1], True)
        return found[0]


@dataclass(frozen=True, slots=True)
class Session:
    tenant: Tenant
    user_id: str
    csrf: str
    read_only: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _signer_on(clock: Clock) -> type[TimestampSigner]:
    """A TimestampSigner that reads the application's clock, so expiry is testable without waiting."""

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return ClockSigner


class Access:
    """Issues links, turns a redeemed link into a session cookie, and reads cookies back."""

    def __init__(self, store: LinkStore, clock: Clock, base_url: str, *, read_only: bool = False) -> None:
        self.store = store
        self.clock = clock
        self.base_url = base_url  # the public address links start with
        self.read_only = read_only
        self._serializer: URLSafeTimedSerializer | None = None

    async def _codec(self) -> URLSafeTimedSerializer:
        if self._serializer is None:
            key = await self.store.signing_key(self.clock.now())
            self._serializer = URLSafeTimedSerializer(key, salt=_SALT, signer=_signer_on(self.clock))
        return self._serializer

    async def issue_login_link(self, user: UserRef, now: datetime | None = None) -> str:
        """A one-time link to this workspace's dashboard for an admin, valid for 15 minutes."""
        now = now or self.clock.now()
        token = secrets.token_urlsafe(32)
        await self.store.save_link(token_hash(token), user, now + LINK_TTL, now)
        return f"{self.base_url.rstrip('/')}/dashboard/login/{token}"

    async def redeem(self, token: str) -> Session | None:
        """The session a link opens, or None if the link is unknown, used or expired."""
        if not token or len(token) > 100:
            return None
        user = await self.store.redeem_link(token_hash(token), self.clock.now())
        if user is None:
            return None
        return Session(user.tenant, user.user_id, secrets.token_urlsafe(24), self.read_only)

    async def encode(self, session: Session) -> str:
        payload = {
            "p": session.tenant.platform,
            "w": session.tenant.workspace_id,
            "u": session.user_id,
            "c": session.csrf,
            "ro": session.read_only,
        }
        return str((await self._codec()).dumps(payload))

    async def decode(self, cookie: str | None) -> Session | None:
        """The session a cookie carries; None if missing, forged, tampered with or older than 8 hours."""
        if not cookie:
            return None
        try:
            data: Any = (await self._codec()).loads(cookie, max_age=int(SESSION_TTL.total_seconds()))
        except BadSignature:  # includes SignatureExpired
            return None
        try:
            tenant = Tenant(str(data["p"]), str(data["w"]))
            return Session(tenant, str(data["u"]), str(data["c"]), bool(data["ro"]) or self.read_only)
        except (KeyError, TypeError):
            return None

    @staticmethod
    def csrf_ok(session: Session, submitted: object) -> bool:
        return isinstance(submitted, str) and secrets.compare_digest(session.csrf, submitted)
