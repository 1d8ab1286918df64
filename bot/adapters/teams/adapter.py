"""TeamsAdapter: the PlatformAdapter for Microsoft Teams on the Microsoft 365 Agents SDK.

Inbound activities arrive at `/api/messages` on the bot's own HTTP server: the SDK's JWT validator checks the
token first (401, nothing else happens, when it fails), then the SDK's CloudAdapter runs the turn and this
class translates (translate.py), hands the event to the engine and answers: a button press privately in the
invoke response, a command in the person's personal chat. Outbound posts go through the Bot Connector with
the stored conversation reference of their tenant (references.py).

Posting once: each channel post carries its idempotency key in the card; before posting (and before any
retry after an unknown outcome) the channel's recent messages are read through Graph to find it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, Attachment, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import AgentAuthConfiguration, TurnContext
from microsoft_agents.hosting.core.authorization import AccessTokenProviderBase, ConnectionManager

from bot.adapters.chart_process import CHARTS
from bot.adapters.teams import auth, cards
from bot.adapters.teams import translate as t
from bot.adapters.teams.connector import TeamsRest, is_retryable
from bot.adapters.teams.references import References, TenantReference, card_from_dict
from bot.adapters.teams.sessions import TeamsSessions
from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.events import ChannelRef, Event, PostRef, UserRef
from bot.core.messages import Card, RecapCard, RevealCard, ScenarioCard, TextReply
from bot.core.ports import CollectedAnswer, EventSink, Repository
from bot.faults import crashpoint

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
OWNERS_TTL = 300.0
PERSONAL_CHATS = 10_000
NOT_HERE = TextReply("Set the challenge up in a team channel: mention me there with `setup`.")
STARTING = TextReply("I'm starting up — please try again in a moment.")


class TeamsSetupError(RuntimeError):
    """The settings can't run the Teams adapter; the message says what to set."""


class NoReference(RuntimeError):
    """Nothing has told us how to reach this tenant yet (the app was never installed there)."""


class TeamsAdapter:
    def __init__(
        self,
        *,
        app_id: str,
        auth_config: AgentAuthConfiguration,
        connections: ConnectionManager,
        repo: Repository | None,
        graph_tokens: Callable[[str], AccessTokenProviderBase] | None = None,
        clock: Clock | None = None,
        admin_users: Collection[str] = (),
        course_teams: Collection[str] = (),
        graph_url: str = "https://graph.microsoft.com",
        retry_pause: float = 1.0,
    ) -> None:
        self.app_id = app_id
        self._auth = auth_config
        self._cloud = CloudAdapter(connection_manager=connections)
        self._cloud.on_turn_error = self._on_turn_error
        self._rest = TeamsRest(
            connections.get_default_connection(), graph_url, retry_pause, graph_provider=graph_tokens
        )
        self._refs = References(repo)
        self._repo = repo
        self._clock: Clock = clock or SystemClock()
        self._admins = frozenset(admin_users)
        self._course_teams = frozenset(course_teams)
        self._sink: EventSink | None = None
        self._owners: dict[str, tuple[float, set[str]]] = {}
        self._chats: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._keyed: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._counts: dict[PostRef, int] = {}
        self._redrawing: set[PostRef] = set()
        self._dirty: set[PostRef] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(
        cls, settings: Settings, repo: Repository | None, clock: Clock | None = None, retry_pause: float = 1.0
    ) -> TeamsAdapter:
        if settings.teams_app_id is None:
            raise TeamsSetupError("TEAMS_APP_ID is not set; see docs/teams.md")
        password = settings.teams_app_password.get_secret_value() if settings.teams_app_password else None
        try:
            config = auth.configuration(
                settings.teams_app_id, password, settings.teams_certificate_path, settings.teams_tenant_id
            )
        except ValueError as exc:
            raise TeamsSetupError(str(exc)) from None
        if settings.teams_openid_metadata_url:
            auth.pin_openid_metadata(settings.teams_openid_metadata_url)
        # The SDK dumps its connection settings (secrets masked) as a multi-line INFO record at start.
        logging.getLogger("microsoft_agents.hosting.core.authorization.connection_manager").setLevel(
            logging.WARNING
        )
        return cls(
            app_id=settings.teams_app_id,
            auth_config=config,
            connections=auth.connections(config, settings.teams_token_url),
            repo=repo,
            graph_tokens=auth.TenantTokens(config, settings.teams_token_url),
            clock=clock,
            admin_users=settings.teams_admin_users,
            course_teams=settings.teams_course_teams,
            graph_url=settings.teams_graph_url,
            retry_pause=retry_pause,
        )

    # Lifecycle ----------------------------------------------------------------------------------------------
    @property
    def platform(self) -> str:
        return t.PLATFORM

    async def start(self, sink: EventSink) -> None:
        """Nothing to connect: Teams calls us. Ready once the sink is set."""
        self._sink = sink
        self._rest.sessions.reopen()
        log.info("Teams adapter started; messaging endpoint %s", ROUTE, extra={"platform": t.PLATFORM})

    @property
    def connections(self) -> TeamsSessions:
        """The kept outbound connections (sessions.py)."""
        return self._rest.sessions

    async def stop(self) -> None:
        await self.idle()
        await self._rest.close()  # the kept connections (sessions.py)
        self._sink = None

    async def idle(self) -> None:
        """Wait for background card redraws ("N answered") to finish."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def http_routes(self) -> list[web.RouteDef]:
        return [web.post(ROUTE, self._http_messages)]

    async def _http_messages(self, request: web.Request) -> web.StreamResponse:
        """The messaging endpoint. Unproven callers get 401 before the body is even read."""
        identity = await auth.validate(request.headers.get("Authorization"), self._auth)
        if identity is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        with warnings.catch_warnings():  # the SDK's request adapter reads this plain string key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["claims_identity"] = identity
        try:
            response = await self._cloud.process(request, self)
        except Exception:
            log.exception("a Teams activity could not be processed")
            return web.json_response({"error": "bad activity"}, status=400)
        return response if response is not None else web.Response(status=202)

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        """The SDK's default echoes the exception text into the chat; we log it and say sorry instead."""
        log.error("a Teams turn failed: %s", type(error).__name__, exc_info=error)

    # Turns --------------------------------------------------------------------------------------------------
    async def on_turn(self, context: TurnContext) -> None:
        """The SDK's Agent entry point: one inbound activity."""
        activity = context.activity.model_dump(by_alias=True, mode="json", exclude_none=True)
        place = t.where(activity)
        if place is None:
            log.info("ignored a Teams activity without tenant or conversation")
            await self._invoke_reply(context, activity, "This action needs a Microsoft Teams tenant.")
            return
        bot_id = str((activity.get("recipient") or {}).get("id") or "")
        await self._refs.learn(place, bot_id, self._clock.now())
        kind = activity.get("type")
        if kind == ActivityTypes.invoke:
            await self._on_invoke(context, activity, place)
        elif kind == ActivityTypes.message:
            await self._on_message(context, activity, place)
        elif kind == ActivityTypes.conversation_update:
            await self._on_members_added(activity, place)

    async def _deliver(self, event: Event) -> Sequence[Card]:
        if self._sink is None:
            log.warning("a Teams activity arrived before start() or after stop(); dropped")
            return [STARTING]
        return await self._sink(event)

    async def _on_message(self, context: TurnContext, activity: Mapping[str, Any], place: t.Where) -> None:
        if not place.personal and not t.mentions_bot(activity):
            return  # channel chatter the bot may read (ChannelMessage.Read.Group) but was not asked about
        is_admin = await self._is_admin(activity, place)
        event = t.command_event(activity, place, is_admin, self._clock.now())
        if event is None:
            return
        if place.personal and event.text.split()[0].lower() == "setup":
            cards_out: Sequence[Card] = [NOT_HERE]
        else:
            cards_out = await self._deliver(event) or [TextReply("Done.")]
        await self._private(event.user, cards_out, context if place.personal else None)

    async def _on_invoke(self, context: TurnContext, activity: Mapping[str, Any], place: t.Where) -> None:
        event = t.button_event(activity, place, self._clock.now())
        if event is None:
            await self._invoke_reply(context, activity, "That button is no longer available.")
            return
        cards_out = await self._deliver(event)
        texts = [cards.summary(c) for c in cards_out if isinstance(c, TextReply) and not c.buttons]
        rich = [c for c in cards_out if not (isinstance(c, TextReply) and not c.buttons)]
        # The invoke response first: whatever happens next, the presser gets an answer, never an error.
        await self._invoke_reply(
            context, activity, "\n\n".join(texts) or ("Sent to our chat." if rich else "OK")
        )
        if rich:
            try:
                await self._private(event.user, rich, context if place.personal else None)
            except Exception as exc:
                log.warning(
                    "could not send a card privately (%s)", type(exc).__name__, extra={"tenant": place.tenant}
                )
        if event.action == t.ANSWER_VERB and event.post is not None:
            round_id = int(event.value.split(":", 1)[0])
            self._spawn(self._redraw(event.post, round_id))

    async def _invoke_reply(self, context: TurnContext, activity: Mapping[str, Any], text: str) -> None:
        """The private answer to a button press: Teams shows it to the presser only."""
        if activity.get("type") != ActivityTypes.invoke:
            return
        body = {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": text}
        await context.send_activity(
            Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=200, body=body))
        )

    async def _on_members_added(self, activity: Mapping[str, Any], place: t.Where) -> None:
        if t.bot_added(activity):
            log.info("installed in a Teams %s", place.conversation_type, extra={"tenant": place.tenant})
        if self._course_teams and place.team_id not in self._course_teams:
            return
        for event in t.members_added(activity, place, self._clock.now()):
            if not event.user.display_name and place.team_id:
                event = replace(
                    event, user=replace(event.user, display_name=await self._name(place, event.user))
                )
            await self._deliver(event)

    async def _name(self, place: t.Where, user: UserRef) -> str:
        try:
            return await self._rest.member_name(place.service_url, place.team_id, user.user_id)
        except Exception as exc:
            log.info(
                "no display name for a new member (%s)", type(exc).__name__, extra={"tenant": place.tenant}
            )
            return ""

    async def _is_admin(self, activity: Mapping[str, Any], place: t.Where) -> bool:
        """The configured list, else an owner of the team (the Graph roster, cached a few minutes)."""
        aad = t.aad_object_id(activity)
        user = str((activity.get("from") or {}).get("id") or "")
        if aad in self._admins or user in self._admins or f"{place.tenant}:{aad}" in self._admins:
            return True
        if place.personal or not place.team_aad_group_id or not aad:
            return False
        group = place.team_aad_group_id
        cached = self._owners.get(group)
        if cached is None or cached[0] < time.monotonic():
            try:
                owners = await self._rest.owners(place.tenant, group)
            except Exception as exc:
                log.warning(
                    "could not read the team's owners (%s)",
                    type(exc).__name__,
                    extra={"tenant": place.tenant},
                )
                return False
            cached = (time.monotonic() + OWNERS_TTL, owners)
            self._owners[group] = cached
        return aad in cached[1]

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # Private replies ----------------------------------------------------------------------------------------
    async def _private(self, user: UserRef, out: Sequence[Card], context: TurnContext | None) -> None:
        """Cards meant for one person: into the personal chat (the turn's own, when we are in it)."""
        for card in out:
            activity = _message(card)
            if context is not None:
                await context.send_activity(activity)
            else:
                await self.send_dm(user, card)

    # Outbound -----------------------------------------------------------------------------------------------
    async def _reference(self, tenant: str) -> TenantReference:
        ref = await self._refs.get(tenant)
        if ref is None:
            raise NoReference(f"no Teams activity seen from tenant {tenant} yet; install the app there")
        return ref

    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        post_id = await self._post_once(channel, None, card, idempotency_key)
        if isinstance(card, ScenarioCard):
            crashpoint("mid-seeding")  # tests/faults: posted, its redraw record not written yet
            await self._refs.keep_card(channel.workspace_id, post_id, card, self._clock.now())
        return PostRef(channel, post_id)

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        """The reveal as a reply in the post's thread; the post itself closes ("N answered", no buttons)."""
        reply_id = await self._post_once(post.channel, post.message_id, card, idempotency_key)
        if isinstance(card, RevealCard):
            await self._close_card(post, card.total)
        return PostRef(post.channel, reply_id)

    async def _post_once(self, channel: ChannelRef, reply_to: str | None, card: Card, key: str) -> str:
        """Post unless a message marked with this key is already there; after a failure whose outcome is
        unknown (429, 5xx, a lost connection) look again before trying again."""
        mark = _mark(card, key)
        cache_key = (channel.workspace_id, channel.channel_id, mark)
        if cache_key in self._keyed:
            return self._keyed[cache_key]
        ref = await self._reference(channel.workspace_id)
        conversation = f"{channel.channel_id};messageid={reply_to}" if reply_to else channel.channel_id
        chart = await CHARTS.png_or_none(card, cards.CHART_DPI) if isinstance(card, RecapCard) else None
        activity = _message(card, mark, chart)
        for attempt in range(1, 5):
            found = await self._find_keyed(ref, channel, reply_to, mark)
            if found is None:
                try:
                    found = await self._rest.send(ref.service_url, conversation, activity)
                except Exception as exc:
                    if not is_retryable(exc) or attempt == 4:
                        raise
                    await asyncio.sleep(_pause(exc, attempt, self._rest))
                    continue
            self._keyed[cache_key] = found
            while len(self._keyed) > 10_000:
                self._keyed.popitem(last=False)
            return found
        raise AssertionError("unreachable")  # pragma: no cover

    async def _find_keyed(
        self, ref: TenantReference, channel: ChannelRef, reply_to: str | None, mark: str
    ) -> str | None:
        team = ref.team_of(channel.channel_id)
        if team is None or not team.aad_group_id:
            return None  # no Graph id for this team: the key check needs one activity from the team first
        try:
            messages = await self._rest.channel_messages(
                channel.workspace_id, team.aad_group_id, channel.channel_id, reply_to
            )
        except Exception as exc:
            log.warning(
                "could not read the channel's recent messages (%s)",
                type(exc).__name__,
                extra={"tenant": channel.workspace_id},
            )
            return None
        for message in messages:
            sender = ((message.get("from") or {}).get("application") or {}).get("id")
            if sender not in (None, self.app_id):
                continue
            for attachment in message.get("attachments") or []:
                if isinstance(attachment, dict) and cards.find_key(attachment.get("content"), mark):
                    return str(message.get("id"))
        return None

    async def _personal_chat(self, user: UserRef) -> tuple[TenantReference, str]:
        ref = await self._reference(user.workspace_id)
        key = (user.workspace_id, user.user_id)
        if key not in self._chats:
            self._chats[key] = await self._rest.personal_chat(
                ref.service_url, user.workspace_id, ref.bot_id, user.user_id
            )
            while len(self._chats) > PERSONAL_CHATS:
                self._chats.popitem(last=False)
        return ref, self._chats[key]

    async def send_dm(self, user: UserRef, card: Card) -> None:
        ref, conversation = await self._personal_chat(user)
        activity = _message(card)
        await self._rest.retrying(
            "personal message", lambda: self._rest.send(ref.service_url, conversation, activity)
        )

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        """Teams has no ephemeral channel messages: the personal chat is private."""
        await self.send_dm(user, card)

    async def check_channel(self, channel: ChannelRef) -> str | None:
        """A command @mentioned in a channel means the app is installed in its team, so it can post there;
        without a stored conversation reference for the tenant it cannot."""
        if await self._refs.get(channel.workspace_id) is None:
            return "add the app to this team first (Apps → Manage your apps → Upload a custom app)."
        return None

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        """Answers are buttons, stored as they are pressed: there are no reactions to re-read."""
        return []

    async def publish_home(self, user: UserRef, card: Card) -> None:
        """Teams has no App Home here; stats are one `stats` away."""

    # "N answered" ---------------------------------------------------------------------------------------------
    async def _redraw(self, post: PostRef, round_id: int) -> None:
        """Redraw a scenario card with its answer count (never the votes). Presses that arrive while a
        redraw of the same post is running are folded into one more redraw after it, so a burst of answers
        costs two card updates, not one per answer; a count already shown is not drawn again."""
        if post in self._redrawing:
            self._dirty.add(post)
            return
        self._redrawing.add(post)
        try:
            while True:
                self._dirty.discard(post)
                await self._redraw_once(post, round_id)
                if post not in self._dirty:
                    return
        finally:
            self._redrawing.discard(post)

    async def _redraw_once(self, post: PostRef, round_id: int) -> None:
        try:
            if self._repo is None:
                return
            answers = await self._repo.answers_for_round(round_id, t.PLATFORM, post.channel.workspace_id)
            if self._counts.get(post) == len(answers):
                return
            await self._update_card(post, len(answers), closed=False)
            self._counts[post] = len(answers)
        except Exception as exc:
            log.warning(
                "could not redraw the answer count (%s)",
                type(exc).__name__,
                extra={"tenant": post.channel.workspace_id},
            )

    async def _close_card(self, post: PostRef, total: int) -> None:
        try:
            await self._update_card(post, total, closed=True)
            await self._refs.keep_card(post.channel.workspace_id, post.message_id, None, self._clock.now())
        except Exception as exc:
            log.warning(
                "could not close the scenario card (%s)",
                type(exc).__name__,
                extra={"tenant": post.channel.workspace_id},
            )
        self._counts.pop(post, None)

    async def _update_card(self, post: PostRef, answered: int, closed: bool) -> None:
        ref = await self._reference(post.channel.workspace_id)
        raw = ref.cards.get(post.message_id)
        card = card_from_dict(raw) if raw is not None else None
        if card is None:
            return
        content = cards.scenario(
            card, _mark(card, card.post_key or f"round-{card.round_id}"), answered, closed
        )
        activity = Activity(
            type=ActivityTypes.message,
            id=post.message_id,
            attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=content)],
        )
        await self._rest.update(ref.service_url, post.channel.channel_id, post.message_id, activity)


def _message(card: Card, mark: str = "", chart: bytes | None = None) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        summary=cards.clip(cards.summary(card), 200),
        attachments=[Attachment(content_type=cards.CONTENT_TYPE, content=cards.render(card, mark, chart))],
    )


def _mark(card: Card, key: str) -> str:
    """The key a post carries: the core's key plus a fingerprint of what is posted, so an old post from a
    restored backup or another deployment (same key, other day or scenario) is never taken for this one."""
    if isinstance(card, ScenarioCard):
        basis: object = [card.round_id, card.scenario_id, card.closes_at.isoformat()]
    elif isinstance(card, RevealCard):
        basis = [card.round_id, card.scenario_id]
    else:
        return key
    digest = hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:10]
    return f"{key}·{digest}"


def _pause(exc: BaseException, attempt: int, rest: TeamsRest) -> float:
    from bot.adapters.teams.connector import retry_after

    return retry_after(exc, attempt, rest._pause)
