"""SlackAdapter: the PlatformAdapter on slack-bolt's AsyncApp, in Socket Mode or HTTP mode, for one
workspace (a bot token) or many (the OAuth install flow with installations kept in our Repository).

The work is split by job: listeners.py (bolt listeners: ack, translate, deliver, reply privately),
poster.py (posts that never duplicate, DMs, ephemerals, files) and directory.py (per-workspace clients, bot
users, people and DM channels, in bounded caches). This class wires them to bolt and to the core's port.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.chart_process import CHARTS
from bot.adapters.slack import translate as t
from bot.adapters.slack.authorize import BotTokenAuthorize, cached_authorize
from bot.adapters.slack.blocks import home_view, render
from bot.adapters.slack.bolt_logs import quiet_bolt_logger
from bot.adapters.slack.client import api_error, http_session, web_client
from bot.adapters.slack.directory import NotInstalled, WorkspaceDirectory
from bot.adapters.slack.http_gate import SlackRequestGate
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.adapters.slack.listeners import COMMAND, SlackListeners
from bot.adapters.slack.oauth_state import SignedStateStore
from bot.adapters.slack.poster import SlackPoster
from bot.adapters.slack.socket_mode import GatedSocketModeHandler
from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.events import ChannelRef, Event, PostRef, UserRef
from bot.core.messages import Card, FileCard, HomeCard, RecapCard, RevealCard, ScenarioCard
from bot.core.ports import AdapterHealth, CollectedAnswer, EventSink, Repository
from bot.faults import crashpoint

log = logging.getLogger(__name__)

__all__ = ["COMMAND", "SCOPES", "NotInstalled", "SlackAdapter", "SlackSetupError"]

#: Exactly the bot scopes the adapter uses (also in manifest.yml; a test keeps the two in step).
SCOPES = (
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "im:write",
    "reactions:read",
    "reactions:write",
    "users:read",
)
Mode = Literal["socket", "http"]


class SlackSetupError(RuntimeError):
    """The settings can't run the Slack adapter; the message says what to set."""


def resolve_mode(settings: Settings) -> Mode:
    if settings.slack_mode == "auto":
        return "socket" if settings.slack_app_token is not None else "http"
    return settings.slack_mode


def authorize_url(api_base_url: str) -> str:
    """Slack's authorize page lives next to its Web API (`https://slack.com/api/` → `/oauth/v2/authorize`)."""
    parts = urlsplit(api_base_url)
    return f"{parts.scheme}://{parts.netloc}/oauth/v2/authorize"


class SlackAdapter:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        mode: Mode,
        app_token: str | None = None,
        signing_secret: str | None = None,
        installation_store: RepositoryInstallationStore | None = None,
        oauth_settings: AsyncOAuthSettings | None = None,
        admin_users: Collection[str] = (),
        broadcast_reveal: bool = False,
        clock: Clock | None = None,
        post_interval: float = 1.0,
        history_limit: int = 200,
        retry_pause: float = 1.0,
    ) -> None:
        if mode == "socket" and not app_token:
            raise SlackSetupError(
                "Socket Mode needs SLACK_APP_TOKEN (an xapp- token with connections:write)."
            )
        if mode == "http" and not signing_secret:
            raise SlackSetupError(
                "HTTP mode needs SLACK_SIGNING_SECRET (Basic Information → App Credentials)."
            )
        if installation_store is None and client.token is None:
            raise SlackSetupError(
                "Set SLACK_BOT_TOKEN, or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET for OAuth installs."
            )
        self.mode = mode
        self._base = client
        self._app_token = app_token
        self._store = installation_store
        self._broadcast = broadcast_reveal
        self._clock = clock or SystemClock()
        self._sink: EventSink | None = None
        self._handler: AsyncSocketModeHandler | None = None
        self._session: aiohttp.ClientSession | None = None
        self.delivered = 0
        self._gate = SlackRequestGate(signing_secret) if mode == "http" and signing_secret else None
        # OAuth installs: bolt's installation-store authorize with its auth.test cache on (authorize.py).
        self.authorize = (
            cached_authorize(
                installation_store, oauth_settings.client_id, oauth_settings.client_secret, client
            )
            if installation_store is not None and oauth_settings is not None
            else None
        )
        # Single workspace: the bot token's auth.test, made once at start-up (authorize.py).
        self._bot_authorize = BotTokenAuthorize(client) if installation_store is None else None
        self.directory = WorkspaceDirectory(client, installation_store, admin_users, retry_pause)
        self.poster = SlackPoster(self.directory, post_interval, history_limit)
        self.listeners = SlackListeners(
            self.directory, self.poster, installation_store, self._clock, self._deliver, self.authorize
        )
        self.app = AsyncApp(
            logger=quiet_bolt_logger(),  # bolt_logs.py
            client=client,
            signing_secret=signing_secret,
            installation_store=installation_store,
            installation_store_bot_only=True if installation_store else None,
            oauth_settings=oauth_settings,
            authorize=self.authorize or self._bot_authorize,  # type: ignore[arg-type]  # bolt takes an AsyncAuthorize as it is
            # HTTP mode: the front door (http_gate.py) has verified the signature before bolt sees a request;
            # bolt checking it again would only double the work. Socket Mode has no signatures.
            request_verification_enabled=False,
            process_before_response=False,
        )
        self.listeners.register(self.app)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        repo: Repository,
        clock: Clock | None = None,
        post_interval: float = 1.0,
        retry_pause: float = 1.0,
    ) -> SlackAdapter:
        """The composition root's entry. `clock`, `post_interval` and `retry_pause` exist for tests (a fake
        clock, no pacing, no jitter); production keeps the defaults."""
        mode = resolve_mode(settings)
        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        store = None
        oauth = None
        token = None
        if settings.slack_client_id and settings.slack_client_secret:
            client_secret = settings.slack_client_secret.get_secret_value()
            state_secret = (
                settings.slack_state_secret.get_secret_value()
                if settings.slack_state_secret
                else client_secret
            )
            store = RepositoryInstallationStore(repo)
            oauth = AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=client_secret,
                scopes=list(SCOPES),
                installation_store=store,
                installation_store_bot_only=True,
                state_store=SignedStateStore(state_secret),
                authorization_url=authorize_url(settings.slack_api_base_url),
                install_page_rendering_enabled=False,
            )
            if settings.slack_bot_token is not None:
                log.info("SLACK_CLIENT_ID is set: using OAuth installations, not SLACK_BOT_TOKEN")
        elif settings.slack_bot_token is not None:
            token = settings.slack_bot_token.get_secret_value()
        return cls(
            client=web_client(settings.slack_api_base_url, token, retry_pause),
            mode=mode,
            app_token=app_token,
            signing_secret=secret,
            installation_store=store,
            oauth_settings=oauth,
            admin_users=settings.slack_admin_users,
            broadcast_reveal=settings.slack_broadcast_reveal,
            clock=clock,
            post_interval=post_interval,
            retry_pause=retry_pause,
        )

    # Lifecycle --------------------------------------------------------------------------------------------
    @property
    def platform(self) -> str:
        return t.PLATFORM

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        # One HTTP session for every Web API call and response_url reply of this process (bolt's per-request
        # clients copy it from the app's client), closed in stop().
        self._session = http_session()
        self.directory.use_session(self._session)
        try:
            await self._connect()
        except BaseException:
            await self._close_session()
            raise
        log.info("Slack adapter started in %s mode", self.mode, extra={"platform": "slack"})

    async def _connect(self) -> None:
        if self._store is None:
            try:
                auth = await self._base.auth_test()
            except SlackApiError as exc:
                raise SlackSetupError(
                    f"Slack refused SLACK_BOT_TOKEN ({api_error(exc)}); check the token and reinstall."
                ) from None
            self.directory.adopt(str(auth["team_id"]), str(auth["user_id"]))
            if self._bot_authorize is not None:
                self._bot_authorize.remember(auth)
        if self.mode == "socket":
            self._handler = GatedSocketModeHandler(self.app, self._app_token, self._base, self.listeners.gate)
            client = self._handler.client
            try:
                # The first URL here, not in connect(): connect() retries a refused token forever.
                client.wss_uri = await client.issue_new_wss_url()
            except SlackApiError as exc:
                await self._handler.close_async()  # type: ignore[no-untyped-call]
                self._handler = None
                raise SlackSetupError(
                    f"Slack refused SLACK_APP_TOKEN ({api_error(exc)}); it must be an app-level "
                    "token (xapp-…) with connections:write."
                ) from None
            await self._handler.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        if self._handler is not None:
            await self._handler.close_async()  # type: ignore[no-untyped-call]
            self._handler = None
        self._sink = None
        await self._close_session()

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        self.directory.use_session(None)
        if session is not None:
            await session.close()

    async def health(self) -> AdapterHealth:
        """Socket Mode: whether the WebSocket is up (slack_sdk reconnects it by itself). HTTP mode keeps no
        connection: healthy once started."""
        if self._sink is None:
            return AdapterHealth(False, "not started")
        if self.mode == "http":
            return AdapterHealth(True, "HTTP mode")
        if self._handler is None or self._handler.client.closed:
            return AdapterHealth(False, "Socket Mode client closed", ended=True)
        connected = bool(await self._handler.client.is_connected())
        return AdapterHealth(connected, "Socket Mode connected" if connected else "Socket Mode reconnecting")

    def http_routes(self) -> list[web.RouteDef]:
        """Events, commands and interactivity on one path (HTTP mode); the install flow when OAuth is on."""
        routes: list[web.RouteDef] = []
        if self.mode == "http":
            routes.append(web.post("/slack/events", self._http_dispatch))
        flow = self.app.oauth_flow
        if flow is not None:
            routes.append(web.get(flow.install_path, self._http_install))
            routes.append(web.get(flow.redirect_uri_path, self._http_oauth_redirect))
        return routes

    async def _http_dispatch(self, request: web.Request) -> web.Response:
        if self._gate is None:  # never: HTTP mode requires the signing secret; and bolt does not verify
            return web.Response(status=503, text="Slack HTTP mode is not configured")
        refused = await self._gate.check(request)
        if refused is not None:
            return refused
        bolt_request = await to_bolt_request(request)
        async with self.listeners.gate.admitted_request():  # a burst is answered in order (gate.py)
            bolt_response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def _http_install(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        return await to_aiohttp_response(
            await self.app.oauth_flow.handle_installation(await to_bolt_request(request))
        )

    async def _http_oauth_redirect(self, request: web.Request) -> web.Response:
        assert self.app.oauth_flow is not None
        return await to_aiohttp_response(
            await self.app.oauth_flow.handle_callback(await to_bolt_request(request))
        )

    async def _deliver(self, event: Event) -> Sequence[Card]:
        if self._sink is None:
            log.warning("a Slack event arrived before start() or after stop(); dropped")
            return []
        self.delivered += 1
        try:
            return await self._sink(event)
        except Exception:
            log.exception("the engine failed on a Slack event", extra={"event": type(event).__name__})
            return []

    # PlatformAdapter -----------------------------------------------------------------------------------
    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        ts = await self.poster.post(channel, None, render(card), idempotency_key)
        if isinstance(card, ScenarioCard) and card.mode == "reactions":
            crashpoint("mid-seeding")  # tests/faults: the post exists, its answer reactions don't yet
            await self.poster.seed_reactions(channel, ts)
        if isinstance(card, RecapCard):  # the chart goes into the recap's thread
            png = await CHARTS.png_or_none(card)  # drawn in the chart process (chart_process.py)
            if png is not None:
                await self.poster.thread_image(
                    channel, ts, card.chart_name, png, "Week chart", idempotency_key
                )
        return PostRef(channel, ts)

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        broadcast = self._broadcast and isinstance(card, RevealCard)
        ts = await self.poster.post(post.channel, post.message_id, render(card), idempotency_key, broadcast)
        return PostRef(post.channel, ts)

    async def send_dm(self, user: UserRef, card: Card) -> None:
        if isinstance(card, FileCard):
            await self.poster.file(user.workspace_id, user.user_id, card)
        else:
            await self.poster.dm(user.workspace_id, user.user_id, render(card))

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        await self.poster.ephemeral(channel, user.user_id, render(card))

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return await self.poster.check_channel(channel)

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        workspace = post.channel.workspace_id
        client = await self.directory.client(workspace)
        response = await client.reactions_get(
            channel=post.channel.channel_id, timestamp=post.message_id, full=True
        )
        bot_user = await self.directory.bot_user(workspace)
        return t.collected_answers(response.get("message") or {}, workspace, bot_user)

    async def publish_home(self, user: UserRef, card: Card) -> None:
        client = await self.directory.client(user.workspace_id)
        view = (
            home_view(card) if isinstance(card, HomeCard) else {"type": "home", "blocks": render(card).blocks}
        )
        await client.views_publish(user_id=user.user_id, view=view)
