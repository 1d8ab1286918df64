"""SlackAdapter: the PlatformAdapter on slack-bolt's AsyncApp, in Socket Mode or HTTP mode, for one
workspace (a bot token) or many (the OAuth install flow with installations kept in our Repository).

Handlers stay thin: ack at once (Slack's 3-second deadline), translate the payload (translate.py), hand the
event to the engine, and send the engine's private reply back (response_url / ephemeral / DM).
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import translate as t
from bot.adapters.slack.blocks import SlackMessage, home_view, render
from bot.adapters.slack.client import web_client
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.adapters.slack.oauth_state import SignedStateStore
from bot.adapters.slack.pacing import ChannelPacer
from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.events import ChannelRef, Event, PostRef, UserRef
from bot.core.messages import Card, FileCard, HomeCard, RevealCard, ScenarioCard
from bot.core.ports import AdapterHealth, CollectedAnswer, EventSink, Repository
from bot.faults import crashpoint

log = logging.getLogger(__name__)

COMMAND = "/responsibility"
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
PERSON_TTL = 300.0
SEEN_EVENTS = 5000
PEOPLE = 10_000  # users.info answers kept (least recently used dropped first)
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
Mode = Literal["socket", "http"]
_OUR_ACTIONS = re.compile(rf"^{t.ACTION_PREFIX}:")


class SlackSetupError(RuntimeError):
    """The settings can't run the Slack adapter; the message says what to set."""


class NotInstalled(RuntimeError):
    """No installation (bot token) for a workspace: it uninstalled the app or never installed it."""


@dataclass
class _Cached:
    value: t.Person
    expires: float


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
        self._admins = frozenset(admin_users)
        self._broadcast = broadcast_reveal
        self._clock = clock or SystemClock()
        self._pacer = ChannelPacer(post_interval)
        self._history_limit = history_limit
        self._retry_pause = retry_pause
        self._sink: EventSink | None = None
        self._handler: AsyncSocketModeHandler | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        self._bot_users: dict[str, str] = {}
        self._people: OrderedDict[tuple[str, str], _Cached] = OrderedDict()
        self._dms: dict[tuple[str, str], str] = {}
        self._keyed: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._single_team: str | None = None
        self.delivered = 0
        self.app = AsyncApp(
            client=client,
            signing_secret=signing_secret,
            installation_store=installation_store,
            installation_store_bot_only=True if installation_store else None,
            oauth_settings=oauth_settings,
            request_verification_enabled=mode == "http",
            process_before_response=False,
        )
        authorize = getattr(self.app, "_async_authorize", None)
        if isinstance(authorize, AsyncInstallationStoreAuthorize):
            # Bolt looks the installation up on every request (an uninstall still takes effect at once) but
            # without its cache also calls auth.test each time, before the ack: keep that answer per token.
            authorize.cache_enabled = True
        self._register()

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
        if self._store is None:
            try:
                auth = await self._base.auth_test()
            except SlackApiError as exc:
                raise SlackSetupError(
                    f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); check the token and reinstall."
                ) from None
            self._single_team = str(auth["team_id"])
            self._bot_users[self._single_team] = str(auth["user_id"])
            self._clients[self._single_team] = self._base
        if self.mode == "socket":
            self._handler = AsyncSocketModeHandler(self.app, self._app_token, web_client=self._base)
            client = self._handler.client
            try:
                # The first URL here, not in connect(): connect() retries a refused token forever.
                client.wss_uri = await client.issue_new_wss_url()
            except SlackApiError as exc:
                await self._handler.close_async()  # type: ignore[no-untyped-call]
                self._handler = None
                raise SlackSetupError(
                    f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}); it must be an app-level "
                    "token (xapp-…) with connections:write."
                ) from None
            await self._handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack adapter started in %s mode", self.mode, extra={"platform": "slack"})

    async def stop(self) -> None:
        if self._handler is not None:
            await self._handler.close_async()  # type: ignore[no-untyped-call]
            self._handler = None
        self._sink = None

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
        bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
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

    # Listeners ----------------------------------------------------------------------------------------------
    def _register(self) -> None:
        app = self.app
        app.middleware(self._dedupe)
        app.command(COMMAND)(self._on_command)
        app.action({"type": "block_actions", "action_id": _OUR_ACTIONS})(self._on_action)
        app.event("reaction_added")(self._on_reaction)
        app.event("reaction_removed")(self._on_reaction)
        app.event("team_join")(self._on_member_joined)
        app.event("member_joined_channel")(self._on_member_joined)
        app.event("app_home_opened")(self._on_home_opened)
        app.event("app_uninstalled")(self._on_uninstalled)
        app.event("tokens_revoked")(self._on_uninstalled)

    async def _dedupe(self, body: dict[str, Any], response: BoltResponse, next: Any) -> BoltResponse:
        """Slack re-sends an event it thinks we missed (X-Slack-Retry-Num): count each event_id once."""
        event_id = body.get("event_id")
        if isinstance(event_id, str) and event_id:
            if event_id in self._seen:
                log.info("ignored a retried event", extra={"event": event_id})
                return BoltResponse(status=200, body="")
            self._seen[event_id] = None
            while len(self._seen) > SEEN_EVENTS:
                self._seen.popitem(last=False)
        await next()
        return response

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

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()  # first, always: Slack's 3-second deadline
        workspace = t.workspace_of(body)
        try:
            person = await self._person(workspace, str(body.get("user_id", "")))
            cards = await self._deliver(t.command_event(body, person, self._clock.now()))
            await self._reply_privately(workspace, person.user_id, cards, respond)
        except Exception:
            log.exception("answering a slash command failed", extra={"tenant": workspace})
            await respond(
                text="Sorry — something went wrong on our side. Please try again.", response_type="ephemeral"
            )

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        workspace = t.workspace_of(body)
        user_id = str((body.get("user") or {}).get("id", ""))
        person = await self._person(workspace, user_id)
        event = t.button_event(body, person, self._clock.now())
        if event is None:
            return
        cards = await self._deliver(event)
        container = body.get("container") or {}
        in_dm = container.get("type") == "view" or str(container.get("channel_id", "")).startswith("D")
        if in_dm:
            user = t.user_ref(workspace, person)
            for card in cards:
                await self.send_dm(user, card)
        else:
            await self._reply_privately(workspace, user_id, cards, respond)

    async def _on_reaction(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        workspace = t.workspace_of(body)
        user_id = str((body.get("event") or {}).get("user", ""))
        bot_user = context.bot_user_id or await self._bot_user(workspace)
        if not user_id or user_id == bot_user:
            return  # our own seeded reactions
        person = await self._person(workspace, user_id)
        event = t.reaction_event(body, person, self._clock.now(), bot_user)
        if event is not None and not event.user.is_bot:
            await self._deliver(event)

    async def _on_member_joined(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        workspace = t.workspace_of(body)
        raw = (body.get("event") or {}).get("user")
        person = None
        if isinstance(raw, str) and raw:
            person = await self._person(workspace, raw)
        bot_user = context.bot_user_id or await self._bot_user(workspace)
        event = t.member_joined_event(body, person, self._clock.now(), bot_user)
        if event is not None and not event.user.is_bot:
            await self._deliver(event)

    async def _on_home_opened(self, body: dict[str, Any]) -> None:
        workspace = t.workspace_of(body)
        user_id = str((body.get("event") or {}).get("user", ""))
        event = t.home_opened_event(body, await self._person(workspace, user_id), self._clock.now())
        if event is not None:
            await self._deliver(event)

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        workspace = t.workspace_of(body)
        if self._store is not None and workspace:
            await self._store.async_delete_all(enterprise_id=None, team_id=workspace)
            log.info("the app was uninstalled from a workspace", extra={"tenant": workspace})
        self._clients.pop(workspace, None)

    async def _reply_privately(
        self, workspace: str, user_id: str, cards: Sequence[Card], respond: AsyncRespond
    ) -> None:
        """The engine's reply to the actor: through response_url, ephemeral; files by DM, never in channel."""
        for card in cards:
            if isinstance(card, FileCard):
                await self._send_file(workspace, user_id, card)
            message = render(card)
            await respond(
                text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
            )

    # Workspaces, people -------------------------------------------------------------------------------------
    async def _client(self, workspace: str) -> AsyncWebClient:
        cached = self._clients.get(workspace)
        if cached is not None:
            return cached
        if self._store is None:
            return self._base
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=workspace)
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"the app is not installed in workspace {workspace}")
        client = web_client(self._base.base_url, bot.bot_token, self._retry_pause)
        self._clients[workspace] = client
        if bot.bot_user_id:
            self._bot_users[workspace] = bot.bot_user_id
        return client

    async def _bot_user(self, workspace: str) -> str | None:
        if workspace not in self._bot_users:
            auth = await (await self._client(workspace)).auth_test()
            self._bot_users[workspace] = str(auth["user_id"])
        return self._bot_users.get(workspace)

    async def _person(self, workspace: str, user_id: str) -> t.Person:
        """users.info, cached for a few minutes: name, bot flag, admin flag and time zone."""
        key = (workspace, user_id)
        now = time.monotonic()
        cached = self._people.get(key)
        if cached is not None and cached.expires > now:
            return cached.value
        try:
            info = await (await self._client(workspace)).users_info(user=user_id)
            person = t.person_from_user(info["user"])
        except (SlackApiError, aiohttp.ClientError, TimeoutError):
            log.warning("users.info failed; going on without the profile", extra={"tenant": workspace})
            person = t.Person(user_id)
        if user_id in self._admins or f"{workspace}:{user_id}" in self._admins:
            person = t.Person(person.user_id, person.display_name, person.is_bot, True, person.timezone)
        self._people[key] = _Cached(person, now + PERSON_TTL)
        self._people.move_to_end(key)
        while len(self._people) > PEOPLE:
            self._people.popitem(last=False)
        return person

    # Posting ------------------------------------------------------------------------------------------------
    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        client = await self._client(channel.workspace_id)
        async with self._pacer.turn(f"{channel.workspace_id}:{channel.channel_id}"):
            ts = await self._post_once(client, channel, None, render(card), idempotency_key)
        if isinstance(card, ScenarioCard) and card.mode == "reactions":
            crashpoint("mid-seeding")  # tests/faults: the post exists, its answer reactions don't yet
            await self._seed_reactions(client, channel.channel_id, ts)
        return PostRef(channel, ts)

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        channel = post.channel
        client = await self._client(channel.workspace_id)
        broadcast = self._broadcast and isinstance(card, RevealCard)
        async with self._pacer.turn(f"{channel.workspace_id}:{channel.channel_id}"):
            ts = await self._post_once(
                client, channel, post.message_id, render(card), idempotency_key, broadcast
            )
        return PostRef(channel, ts)

    async def _post_once(
        self,
        client: AsyncWebClient,
        channel: ChannelRef,
        thread_ts: str | None,
        message: SlackMessage,
        key: str,
        broadcast: bool = False,
        attempts: int = 4,
    ) -> str:
        """Post unless a message with this key is already there: history first, then post; after a failure
        whose outcome is unknown (429 storm, 5xx, lost connection) look again before trying again."""
        cache_key = (channel.workspace_id, channel.channel_id, key)
        if cache_key in self._keyed:
            return self._keyed[cache_key]
        joined = False
        for attempt in range(1, attempts + 1):
            try:
                found = await self._find_keyed(client, channel.channel_id, thread_ts, key)
                if found is None:
                    response = await client.chat_postMessage(
                        channel=channel.channel_id,
                        text=message.text,
                        blocks=message.blocks,
                        metadata=t.metadata_for(key),
                        thread_ts=thread_ts,
                        reply_broadcast=broadcast or None,
                        unfurl_links=False,
                        unfurl_media=False,
                    )
                    found = str(response["ts"])
                self._remember(cache_key, found)
                return found
            except SlackApiError as exc:
                error = exc.response.get("error")
                if error == "not_in_channel" and not joined:
                    joined = True
                    await self._join(client, channel)
                    continue
                if exc.response.status_code not in RETRYABLE_STATUS or attempt == attempts:
                    raise
                # Per attempt at DEBUG: the caller logs a final failure once, with its round.
                log.debug(
                    "posting to Slack failed (%s); checking history before retrying",
                    error or "error",
                    extra={"tenant": channel.workspace_id},
                )
            except (aiohttp.ClientError, TimeoutError):
                if attempt == attempts:
                    raise
                log.debug(
                    "lost the connection while posting to Slack; checking history before retrying",
                    extra={"tenant": channel.workspace_id},
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _join(self, client: AsyncWebClient, channel: ChannelRef) -> None:
        """Public channels can be joined; a private one needs a person to invite the bot."""
        try:
            await client.conversations_join(channel=channel.channel_id)
        except SlackApiError as exc:
            log.warning(
                "the bot is not in channel %s and cannot join it (%s): someone in the channel should type "
                "/invite @whos-responsible",
                channel.channel_id,
                exc.response.get("error"),
                extra={"tenant": channel.workspace_id},
            )
            raise

    def _remember(self, cache_key: tuple[str, str, str], ts: str) -> None:
        self._keyed[cache_key] = ts
        while len(self._keyed) > 10_000:
            self._keyed.popitem(last=False)

    async def _find_keyed(
        self, client: AsyncWebClient, channel_id: str, thread_ts: str | None, key: str
    ) -> str | None:
        if thread_ts is None:
            response = await client.conversations_history(
                channel=channel_id, limit=self._history_limit, include_all_metadata=True
            )
        else:
            response = await client.conversations_replies(
                channel=channel_id, ts=thread_ts, limit=self._history_limit, include_all_metadata=True
            )
        return t.find_keyed_message(response.get("messages") or [], key)

    async def _seed_reactions(self, client: AsyncWebClient, channel_id: str, ts: str) -> None:
        for option in t.ANSWER_REACTIONS:
            try:
                await client.reactions_add(channel=channel_id, timestamp=ts, name=option)
            except SlackApiError as exc:
                if exc.response.get("error") != "already_reacted":
                    raise

    async def _dm_channel(self, client: AsyncWebClient, workspace: str, user_id: str) -> str:
        key = (workspace, user_id)
        if key not in self._dms:
            response = await client.conversations_open(users=user_id)
            self._dms[key] = str(response["channel"]["id"])
        return self._dms[key]

    async def send_dm(self, user: UserRef, card: Card) -> None:
        client = await self._client(user.workspace_id)
        if isinstance(card, FileCard):
            await self._send_file(user.workspace_id, user.user_id, card)
            return
        channel = await self._dm_channel(client, user.workspace_id, user.user_id)
        message = render(card)
        async with self._pacer.turn(f"{user.workspace_id}:{channel}"):
            await client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False
            )

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        client = await self._client(channel.workspace_id)
        message = render(card)
        await client.chat_postEphemeral(
            channel=channel.channel_id, user=user.user_id, text=message.text, blocks=message.blocks
        )

    async def _send_file(self, workspace: str, user_id: str, card: FileCard) -> None:
        """A file goes to the person's DM with the bot (files upload v2), never to a channel."""
        client = await self._client(workspace)
        channel = await self._dm_channel(client, workspace, user_id)
        await client.files_upload_v2(
            channel=channel,
            filename=card.filename,
            content=card.content,
            title=card.title,
            initial_comment=card.comment or card.title,
        )

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        workspace = post.channel.workspace_id
        client = await self._client(workspace)
        response = await client.reactions_get(
            channel=post.channel.channel_id, timestamp=post.message_id, full=True
        )
        return t.collected_answers(response.get("message") or {}, workspace, await self._bot_user(workspace))

    async def publish_home(self, user: UserRef, card: Card) -> None:
        client = await self._client(user.workspace_id)
        if isinstance(card, HomeCard):
            view = home_view(card)
        else:
            view = {"type": "home", "blocks": render(card).blocks}
        await client.views_publish(user_id=user.user_id, view=view)
