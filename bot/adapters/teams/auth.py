"""Who may call us and how we call Teams, on the Microsoft 365 Agents SDK.

Inbound: every activity's bearer token is checked by the SDK's JwtTokenValidator (RS256 signature against
the Bot Framework signing keys, audience = our app id, issuer allow-list on). Outbound: the SDK's MsalAuth
gets tokens for the Bot Connector and Microsoft Graph with the app's secret or certificate.

Two testing hooks, both unset in production: `openid_metadata_url` makes the validator take its signing keys
from another OpenID configuration (FakeTeams), and `token_url` gets outbound tokens by a plain OAuth 2.0
client-credentials request (MSAL accepts only https authorities it can discover on the internet).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import aiohttp
from azure.core.credentials_async import AsyncTokenCredential
from jwt import PyJWK, PyJWKClient
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    AuthTypes,
    ClaimsIdentity,
    ConnectionManager,
)
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

SERVICE_CONNECTION = "SERVICE_CONNECTION"
BOT_CONNECTOR_SCOPE = "https://api.botframework.com/.default"
BOT_CONNECTOR_RESOURCE = "https://api.botframework.com"


def configuration(
    app_id: str,
    password: str | None,
    certificate_path: str | None,
    tenant_id: str | None,
) -> AgentAuthConfiguration:
    """The app registration as the SDK wants it: a secret or a certificate, issuer validation on."""
    if password is None and certificate_path is None:
        raise ValueError("Teams needs TEAMS_APP_PASSWORD (client secret) or TEAMS_CERTIFICATE_PATH")
    return AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret if password is not None else AuthTypes.certificate,
        client_id=app_id,
        tenant_id=tenant_id,
        client_secret=password,
        cert_pfx_file=certificate_path if password is None else None,
        connection_name=SERVICE_CONNECTION,
        validate_issuer=True,
        anonymous_allowed=False,
    )


def provider_factory(token_url: str | None) -> Callable[[AgentAuthConfiguration], AccessTokenProviderBase]:
    """MsalAuth (production), or client credentials against token_url (FakeTeams)."""
    if token_url is None:
        from microsoft_agents.authentication.msal import MsalAuth

        return MsalAuth
    return lambda c: ClientCredentials(c, token_url)


def connections(config: AgentAuthConfiguration, token_url: str | None = None) -> ConnectionManager:
    """The SDK's connection manager: the Bot Connector tokens of every turn and every proactive message."""
    return ConnectionManager(provider_factory(token_url), {SERVICE_CONNECTION: config})


class TenantTokens:
    """A token provider per customer tenant, for Microsoft Graph: each tenant's Graph only accepts tokens its
    own Entra tenant issued (the Bot Connector accepts the app's home-tenant token everywhere)."""

    def __init__(self, config: AgentAuthConfiguration, token_url: str | None = None) -> None:
        self._config = config
        self._factory = provider_factory(token_url)
        self._providers: dict[str, AccessTokenProviderBase] = {}

    def __call__(self, tenant: str) -> AccessTokenProviderBase:
        if tenant not in self._providers:
            c = self._config
            scoped = AgentAuthConfiguration(
                auth_type=c.AUTH_TYPE,
                client_id=c.CLIENT_ID,
                tenant_id=tenant,
                client_secret=c.CLIENT_SECRET,
                cert_pfx_file=c.CERT_PFX_FILE,
                connection_name=f"GRAPH_{tenant}",
            )
            self._providers[tenant] = self._factory(scoped)
        return self._providers[tenant]


async def validate(header: str | None, config: AgentAuthConfiguration) -> ClaimsIdentity | None:
    """The caller's verified claims, or None: a missing, malformed, unsigned or foreign token."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        return None
    try:
        return await JwtTokenValidator(config).validate_token(token)
    except Exception:  # PyJWT errors, ValueError, key fetch failures: all mean "not proven"
        return None


class _PinnedKeys:
    """Stands in for the validator's signing-key cache: keys come from one OpenID configuration's jwks_uri,
    whatever issuer the token names. Process-wide, like the SDK's own cache."""

    def __init__(self, metadata_url: str) -> None:
        self.metadata_url = metadata_url
        self._client: PyJWKClient | None = None
        self._lock = threading.Lock()

    def _signing_key(self, kid: str) -> PyJWK:
        with self._lock:
            if self._client is None:
                with urllib.request.urlopen(self.metadata_url, timeout=10) as response:
                    jwks_uri = str(json.load(response)["jwks_uri"])
                self._client = PyJWKClient(jwks_uri, cache_keys=True)
            return self._client.get_signing_key(kid)

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        return await asyncio.to_thread(self._signing_key, str(header.get("kid", "")))


def pin_openid_metadata(metadata_url: str) -> None:
    """Testing only: take inbound signing keys from `metadata_url` (FakeTeams) instead of Microsoft's."""
    current = getattr(JwtTokenValidator, "_jwk_client_manager", None)
    if isinstance(current, _PinnedKeys) and current.metadata_url == metadata_url:
        return
    JwtTokenValidator._jwk_client_manager = _PinnedKeys(metadata_url)  # type: ignore[assignment]


class ClientCredentials(AccessTokenProviderBase):
    """OAuth 2.0 client credentials against a plain token endpoint (FakeTeams), tokens cached until near
    their expiry. Production uses the SDK's MsalAuth instead."""

    def __init__(self, config: AgentAuthConfiguration, token_url: str) -> None:
        self._config = config
        self._token_url = token_url
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._config

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        scope = " ".join(scopes) or f"{resource_url.rstrip('/')}/.default"
        async with self._lock:
            cached = self._cache.get(scope)
            if cached is not None and cached[1] > time.monotonic() and not force_refresh:
                return cached[0]
            form = {
                "grant_type": "client_credentials",
                "client_id": self._config.CLIENT_ID or "",
                "client_secret": self._config.CLIENT_SECRET or "",
                "scope": scope,
            }
            async with (
                aiohttp.ClientSession() as session,
                session.post(self._token_url, data=form) as response,
            ):
                if response.status != 200:
                    raise PermissionError(
                        f"the token endpoint refused the app credentials ({response.status})"
                    )
                payload = await response.json()
            token = str(payload["access_token"])
            self._cache[scope] = (token, time.monotonic() + float(payload.get("expires_in", 3600)) - 60)
            return token

    def get_token_credential(self) -> AsyncTokenCredential:
        raise NotImplementedError("not used by this bot")

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError("not used by this bot")

    async def get_agentic_application_token(self, tenant_id: str, agent_app_instance_id: str) -> str | None:
        raise NotImplementedError("not used by this bot")

    async def get_agentic_instance_token(self, tenant_id: str, agent_app_instance_id: str) -> tuple[str, str]:
        raise NotImplementedError("not used by this bot")

    async def get_agentic_user_token(
        self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str, scopes: list[str]
    ) -> str | None:
        raise NotImplementedError("not used by this bot")
