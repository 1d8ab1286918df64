"""DiscordAdapter: the real bot on discord.py (gateway + REST), plugged into the core's PlatformAdapter.

Handlers stay thin — translate (translate.py), hand the event to the engine, render (render.py) what comes
back. Answers come from raw reaction events, which work on messages discord.py never cached; button presses
are handled by custom_id in `on_interaction`, so buttons keep working after a restart.

Posting once: every channel post carries a nonce derived from (channel, idempotency key) with
`enforce_nonce`, so a retry within Discord's dedupe window returns the first message; beyond that window the
post is found again in the channel's recent history by the key in its embed footer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, Concatenate, ParamSpec

import discord
import yarl
from discord.gateway import DiscordWebSocket
from pydantic import SecretStr

from bot.adapters.chart_process import CHARTS
from bot.adapters.discord import translate
from bot.adapters.discord.commands import build_group
from bot.adapters.discord.forms import SuggestModal
from bot.adapters.discord.render import Rendered, render
from bot.adapters.discord.tree import ResponsibilityTree, drift
from bot.adapters.discord.views import build_view
from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.events import ChannelRef, Event, FormSubmitted, PostRef, UserRef
from bot.core.messages import Card, Outcome, RecapCard, ReminderCard, ScenarioCard, TextReply
from bot.core.ports import AdapterHealth, CollectedAnswer, EventSink, PostRefused
from bot.core.suggestions import SUGGEST_FORM
from bot.faults import crashpoint

log = logging.getLogger(__name__)

DEFAULT_API = "https://discord.com/api/v10"
#: How many recent messages to search for our own post when a retry comes after the nonce window.
HISTORY_SCAN = 50
DRAIN_SECONDS = 5.0
#: Task names discord.py gives event handlers and app-command invocations.


def intents_for(members: bool) -> discord.Intents:
    """Only what is used: guilds (channel names, roles for the admin role), reactions (answers), and
    members (onboarding on join) when the server grants it. No message content, no messages."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_reactions = True
    intents.members = members
    return intents


class _IdentifyDelay:
    """discord.py waits 5 s before every re-IDENTIFY (Discord's identify rate limit); tests shorten it."""

    identify_delay: float = 5.0

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        if not initial and self.identify_delay > 0:
            await asyncio.sleep(self.identify_delay)


class BotClient(_IdentifyDelay, discord.Client):
    pass


class ShardedBotClient(_IdentifyDelay, discord.AutoShardedClient):
    pass


def point_at(api_base_url: str, gateway_url: str | None) -> None:
    """discord.py keeps the REST base and the default gateway as class attributes: process-wide, so one
    process talks to one Discord (the real one, or a FakeDiscord in tests)."""
    discord.http.Route.BASE = api_base_url.rstrip("/")
    discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice: no warnings about it
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


P = ParamSpec("P")


def _tracked(
    handler: Callable[Concatenate[DiscordAdapter, P], Awaitable[None]],
) -> Callable[Concatenate[DiscordAdapter, P], Coroutine[Any, Any, None]]:
    """A gateway/interaction handler whose task stop() waits for (bounded) before closing the client."""

    async def run(self: DiscordAdapter, /, *args: P.args, **kwargs: P.kwargs) -> None:
        with self._handling():
            await handler(self, *args, **kwargs)

    functools.update_wrapper(run, handler)  # discord.py registers events by the function's name
    return run


#: What a daily post needs in its channel (the invite URL asks for these server-wide).
NEEDED = ("view_channel", "send_messages", "embed_links", "add_reactions", "read_message_history")
PERMISSIONS_FIX = (
    "give the bot View Channel, Send Messages, Embed Links, Add Reactions and Read Message History in this "
    "channel (Edit Channel → Permissions → add the bot's role)."
)


class DiscordAdapter:
    def __init__(
        self,
        token: SecretStr,
        *,
        api_base_url: str = DEFAULT_API,
        gateway_url: str | None = None,
        admin_role: str | None = None,
        members_intent: bool = True,
        sync_commands: bool = False,
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
        application_id: str | None = None,
        clock: Clock | None = None,
        identify_delay: float = 5.0,
        guild_ready_timeout: float = 2.0,
        connect_timeout: float = 60.0,
    ) -> None:
        if shard_ids and shard_count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the total number of shards)")
        self._token = token
        self.api_base_url = api_base_url
        self.gateway_url = gateway_url
        self.admin_role = admin_role
        self.members_intent = members_intent
        self.sync_commands = sync_commands
        self.shard_count = shard_count
        self.shard_ids = list(shard_ids) if shard_ids else None
        self.application_id = application_id
        self.clock: Clock = clock or SystemClock()
        self.identify_delay = identify_delay
        self.guild_ready_timeout = guild_ready_timeout
        self.connect_timeout = connect_timeout
        self._sink: EventSink | None = None
        self._client: discord.Client | None = None
        self._tree: ResponsibilityTree | None = None
        self._task: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._ready = asyncio.Event()
        self.synced_guilds: list[int] = []

    @classmethod
    def from_settings(
        cls, settings: Settings, repo: object = None, clock: Clock | None = None
    ) -> DiscordAdapter:
        """`repo` is unused: Discord needs no per-server installation records (the token is global)."""
        if settings.discord_token is None:
            raise ValueError("DISCORD_TOKEN is not set; create a bot in the Discord developer portal")
        return cls(
            settings.discord_token,
            api_base_url=settings.discord_api_base_url,
            gateway_url=settings.discord_gateway_url,
            admin_role=settings.discord_admin_role,
            members_intent=settings.discord_members_intent,
            sync_commands=settings.discord_sync_commands,
            shard_count=settings.discord_shard_count,
            shard_ids=settings.discord_shard_ids,
            application_id=settings.discord_application_id,
            clock=clock,
        )

    @property
    def platform(self) -> str:
        return translate.PLATFORM

    @property
    def client(self) -> discord.Client:
        if self._client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self._client

    @property
    def bot_user_id(self) -> int | None:
        user = self._client.user if self._client else None
        return user.id if user else None

    # Lifecycle -------------------------------------------------------------------------------------------
    def _build_client(self) -> discord.Client:
        options: dict[str, Any] = {
            "intents": intents_for(self.members_intent),
            "chunk_guilds_at_startup": False,  # we never need the member list
            "member_cache_flags": discord.MemberCacheFlags.none(),
            "max_messages": None,  # raw events make the message cache pointless
            "guild_ready_timeout": self.guild_ready_timeout,
            "allowed_mentions": discord.AllowedMentions.none(),  # a post never pings anyone
        }
        if self.application_id:
            options["application_id"] = int(self.application_id)
        client: discord.Client
        if self.shard_count is not None:
            if self.shard_ids:
                options["shard_ids"] = self.shard_ids
            sharded = ShardedBotClient(shard_count=self.shard_count, **options)
            sharded.identify_delay = self.identify_delay
            client = sharded
        else:
            plain = BotClient(**options)
            plain.identify_delay = self.identify_delay
            client = plain
        tree = ResponsibilityTree(client)
        tree.add_command(build_group(self._on_command))
        self._tree = tree
        client.setup_hook = self._setup_hook  # type: ignore[method-assign]
        client.event(self.on_ready)
        client.event(self.on_raw_reaction_add)
        client.event(self.on_raw_reaction_remove)
        client.event(self.on_member_join)
        client.event(self.on_interaction)
        return client

    async def start(self, sink: EventSink) -> None:
        """Log in, connect the gateway and return once READY (or raise with what to do next)."""
        self._sink = sink
        point_at(self.api_base_url, self.gateway_url)
        self._ready = asyncio.Event()
        self._client = self._build_client()
        self._task = asyncio.create_task(self._run(self._client), name="discord-gateway")
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait(
            {self._task, ready}, timeout=self.connect_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready in done:
            return
        ready.cancel()
        failed = self._task in done
        exc = self._task.exception() if failed else None
        await self.stop()
        if failed:
            raise RuntimeError(_explain(exc)) from None
        raise RuntimeError(
            f"Discord did not become ready within {self.connect_timeout:.0f}s; check DISCORD_GATEWAY_URL"
        )

    async def _run(self, client: discord.Client) -> None:
        await client.start(self._token.get_secret_value())

    async def _setup_hook(self) -> None:
        """After login, before the gateway: resolve the gateway URL, sync commands only if asked to."""
        client = self.client
        if self.gateway_url is None:
            _, url, _ = await client.http.get_bot_gateway()
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        if self.sync_commands and self._tree is not None:
            synced = await self._tree.sync()
            log.info("synced %d global application command(s)", len(synced))
        else:
            await self._check_registration()

    async def _check_registration(self) -> None:
        """One line when Discord's global copy of /responsibility differs from this code's (an old version's
        registration next to the per-server copies `setup` makes): people would see stale options."""
        if self._tree is None:
            return
        try:
            registered = [c.to_dict() for c in await self._tree.fetch_commands()]
        except discord.HTTPException as exc:
            log.debug("could not read the registered commands (%s)", exc.status)
            return
        difference = drift(registered)
        if difference is not None:
            log.warning(
                "Discord's registered /responsibility differs from this version (%s): start once with "
                "DISCORD_SYNC_COMMANDS=true to re-register it, then set it back to false",
                difference,
            )

    async def stop(self) -> None:
        """Let handlers already running finish (an answer being stored, a receipt being sent), then close."""
        client, task = self._client, self._task
        await self._drain_handlers(DRAIN_SECONDS)
        if client is not None and not client.is_closed():
            await client.close()
        await self._drain_handlers(DRAIN_SECONDS)
        if task is not None:
            try:
                await asyncio.wait_for(task, 10)
            except Exception:
                log.debug("the gateway task ended with an error", exc_info=True)
        self._task = None

    async def _drain_handlers(self, within: float) -> None:
        """Wait (bounded) for the handlers we are running: discord.py runs each in a task of its own."""
        current = asyncio.current_task()
        running = [t for t in self._handlers if t is not current and not t.done()]
        if running:
            await asyncio.wait(running, timeout=within)

    @contextlib.contextmanager
    def _handling(self) -> Iterator[None]:
        """Mark the current task as one of our handlers while it runs, so stop() can let it finish."""
        task = asyncio.current_task()
        outermost = task is not None and task not in self._handlers
        if task is not None:
            self._handlers.add(task)
        try:
            yield
        finally:
            if outermost and task is not None:
                self._handlers.discard(task)

    async def health(self) -> AdapterHealth:
        """Connected while the gateway socket is open after READY. discord.py reconnects by itself, so the
        gateway task ending means it gave up (a revoked token, a refused intent): `ended`."""
        client, task = self._client, self._task
        if client is None or task is None:
            return AdapterHealth(False, "not started")
        if task.done():
            exc = None if task.cancelled() else task.exception()
            reason = _explain(exc) if exc is not None else "closed"
            return AdapterHealth(False, f"gateway task ended: {reason}", ended=True)
        if client.is_closed() or not client.is_ready() or not _gateway_open(client):
            return AdapterHealth(False, "gateway reconnecting")
        return AdapterHealth(True, "gateway ready")

    # Gateway events --------------------------------------------------------------------------------------
    async def on_ready(self) -> None:
        log.info("Discord gateway ready as %s in %d server(s)", self.bot_user_id, len(self.client.guilds))
        self._ready.set()

    async def _deliver(self, event: Event) -> Sequence[Card]:
        if self._sink is None:
            return ()
        return await self._sink(event)

    @_tracked
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        event = translate.reaction_event(payload, self.bot_user_id, self.clock.now())
        if event is not None:
            await self._deliver(event)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.on_raw_reaction_add(payload)  # translate tells add from remove

    @_tracked
    async def on_member_join(self, member: discord.Member) -> None:
        event = translate.member_joined(member, self.clock.now())
        if event is not None:
            await self._deliver(event)

    @_tracked
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        """Our buttons, from any message ever sent (app commands go through the CommandTree)."""
        if interaction.type is not discord.InteractionType.component:
            return
        event = translate.button_event(interaction, self.clock.now(), self.admin_role)
        if event is None:
            return
        await interaction.response.defer()  # acknowledge without changing the message
        cards = await self._deliver(event)
        dm_guild = None if interaction.guild_id else int(event.user.workspace_id)
        for card in cards:
            await self._followup(interaction, render(card, guild_id=dm_guild))

    @_tracked
    async def _on_command(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.guild_id is not None and _bare_suggest(interaction):
            await interaction.response.send_modal(SuggestModal(self._on_form))  # a modal must come first
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        event = translate.command_event(interaction, self.admin_role, self.clock.now())
        if event is None:
            await self._followup(interaction, render(TextReply("Use `/responsibility` in a server channel.")))
            return
        cards = await self._deliver(event)
        if any(isinstance(c, TextReply) and c.outcome is Outcome.TEAM_SAVED for c in cards):
            await self._sync_guild(int(event.channel.workspace_id))  # before the reply: usable when seen
        for card in cards or [TextReply("Done.")]:
            await self._followup(interaction, render(card))

    async def _on_form(
        self, interaction: discord.Interaction[Any], fields: tuple[tuple[str, str], ...]
    ) -> None:
        """A submitted suggestion form: the core's reply (with any field errors) privately."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        if interaction.guild_id is None:
            return
        user = translate.user_ref(interaction.guild_id, interaction.user)
        cards = await self._deliver(FormSubmitted(user, SUGGEST_FORM, fields, self.clock.now()))
        for card in cards:
            if isinstance(card, TextReply) and card.field_errors:
                named = "\n".join(f"• **{field}**: {message}" for field, message in card.field_errors)
                card = TextReply(f"{card.text}\n{named}\nRun `/responsibility suggest` to try again.")
            await self._followup(interaction, render(card))

    async def _sync_guild(self, guild_id: int) -> None:
        """Per-server sync on `setup`: the current command definitions are there at once."""
        if self._tree is None:
            return
        guild = discord.Object(id=guild_id)
        try:
            self._tree.copy_global_to(guild=guild)
            await self._tree.sync(guild=guild)
            self.synced_guilds.append(guild_id)
        except discord.HTTPException as exc:
            log.warning(
                "could not sync commands to server %s (%s); the global commands still work",
                guild_id,
                exc.status,
            )

    async def _followup(self, interaction: discord.Interaction[Any], r: Rendered) -> None:
        kwargs = _message_kwargs(r)
        await interaction.followup.send(ephemeral=True, **kwargs)

    # PlatformAdapter ---------------------------------------------------------------------------------
    def _channel(self, channel: ChannelRef) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(
            int(channel.channel_id), guild_id=int(channel.workspace_id), type=discord.ChannelType.text
        )

    async def _find_own(self, channel: discord.PartialMessageable, key: str) -> discord.Message | None:
        """Our earlier post for this key, by the key in its embed footer — the fallback beyond the nonce
        window, e.g. when the bot was down for longer than Discord remembers nonces."""
        me = self.bot_user_id
        try:
            async for message in channel.history(limit=HISTORY_SCAN):
                if message.author.id == me and any(_marks(e, key) for e in message.embeds):
                    return message
        except discord.Forbidden:
            log.warning("no Read Message History permission; relying on the message nonce alone")
        return None

    async def _post_once(
        self, channel: ChannelRef, card: Card, key: str, reference: discord.MessageReference | None = None
    ) -> discord.Message:
        target = self._channel(channel)
        found = await self._find_own(target, key)
        if found is not None:
            log.info(
                "found the earlier post for %s; not posting again",
                key,
                extra={"tenant": channel.workspace_id},
            )
            return found
        chart = await CHARTS.png_or_none(card) if isinstance(card, RecapCard) else None  # chart_process.py
        kwargs = _message_kwargs(render(card, footer_key=key, chart=chart))
        if reference is not None:
            kwargs["reference"] = reference
        try:
            return await target.send(nonce=translate.nonce_for(channel.channel_id, key), **kwargs)
        except (discord.Forbidden, discord.NotFound) as exc:
            raise PostRefused(f"{exc.status} {exc.code}", PERMISSIONS_FIX) from None

    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        message = await self._post_once(channel, card, idempotency_key)
        if isinstance(card, ScenarioCard) and card.mode == "reactions":
            crashpoint("mid-seeding")  # tests/faults: the post exists, its answer reactions don't yet
            me = self.bot_user_id
            seeded = {str(r.emoji) for r in message.reactions if r.me} if me else set()
            for emoji in translate.PARTY_EMOJI.values():
                if emoji not in seeded:  # adding is idempotent; skipping saves requests on a retry
                    await message.add_reaction(emoji)
        return PostRef(channel, str(message.id))

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        """The reveal as a reply to the scenario post (threads would need extra permissions)."""
        reference = discord.MessageReference(
            message_id=int(post.message_id),
            channel_id=int(post.channel.channel_id),
            guild_id=int(post.channel.workspace_id),
            fail_if_not_exists=False,
        )
        if isinstance(card, ReminderCard) and card.ping.startswith("role:"):
            card = replace(card, ping=self._role_mention(post.channel, card.ping.removeprefix("role:")))
        message = await self._post_once(post.channel, card, idempotency_key, reference)
        return PostRef(post.channel, str(message.id))

    def _role_mention(self, channel: ChannelRef, name: str) -> str:
        """`role:Name` from setup → the role's mention, from the guild's cached roles; none found, no ping."""
        guild = self.client.get_guild(int(channel.workspace_id))
        role = discord.utils.get(guild.roles, name=name) if guild else None
        return role.mention if role is not None and not role.is_default() else ""

    async def send_dm(self, user: UserRef, card: Card) -> None:
        dm = await self.client.create_dm(discord.Object(id=int(user.user_id)))
        try:
            await dm.send(**_message_kwargs(render(card, guild_id=int(user.workspace_id))))
        except discord.Forbidden:
            log.warning("could not DM a member (their DMs are closed)", extra={"tenant": user.workspace_id})

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        """Discord has ephemeral messages only as interaction responses; outside one, a DM is private."""
        await self.send_dm(user, card)

    async def check_channel(self, channel: ChannelRef) -> str | None:
        """Before setup: the bot must see the channel and have what a post needs there."""
        try:
            found = await self.client.fetch_channel(int(channel.channel_id))
        except (discord.Forbidden, discord.NotFound):
            return PERMISSIONS_FIX
        guild = getattr(found, "guild", None)
        me = guild.me if guild is not None else None
        if me is None or not isinstance(found, discord.abc.GuildChannel):
            return None  # no cached member to check against: the first post will tell
        allowed = found.permissions_for(me)
        if not all(getattr(allowed, name) for name in NEEDED):
            return PERMISSIONS_FIX
        return None

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        """Every answer reaction on the post (public API: the message, then each reaction's users)."""
        me = self.bot_user_id
        guild = post.channel.workspace_id
        try:
            message = await self._channel(post.channel).fetch_message(int(post.message_id))
        except discord.NotFound:
            log.warning("the post %s is gone; no reactions to read", post.message_id, extra={"tenant": guild})
            return []
        out: list[CollectedAnswer] = []
        for reaction in message.reactions:
            emoji = reaction.emoji
            partial = (
                emoji
                if isinstance(emoji, discord.PartialEmoji)
                else discord.PartialEmoji.from_str(str(emoji))
            )
            choice = None if isinstance(emoji, discord.Emoji) else translate.emoji_party(partial)
            if choice is None:
                continue
            async for user in reaction.users(limit=None):
                if me is not None and user.id == me:
                    continue
                ref = UserRef(translate.PLATFORM, guild, str(user.id), user.display_name, user.bot)
                out.append(CollectedAnswer(ref, choice))
        return out

    async def publish_home(self, user: UserRef, card: Card) -> None:
        """Discord has no App Home; stats are one `/responsibility stats` away."""


def _bare_suggest(interaction: discord.Interaction[Any]) -> bool:
    """`/responsibility suggest` with no options: the form, not the command-text help."""
    data: Mapping[str, Any] = interaction.data if isinstance(interaction.data, Mapping) else {}
    return translate.command_text(data) == "suggest"


def _message_kwargs(r: Rendered) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
    if r.ping_roles:  # only the role an admin configured for reminders, never anyone else
        roles = [discord.Object(id=role) for role in r.ping_roles]
        kwargs["allowed_mentions"] = discord.AllowedMentions(everyone=False, users=False, roles=roles)
    if r.content:
        kwargs["content"] = r.content
    if r.embeds:
        kwargs["embeds"] = list(r.embeds)
    view = build_view(r.rows)
    if view is not None:
        kwargs["view"] = view
    if r.file is not None:
        name, data = r.file
        kwargs["file"] = discord.File(io.BytesIO(data), filename=name)
    if not r.content and not r.embeds and r.file is None:
        kwargs["content"] = "—"
    return kwargs


def _marks(embed: discord.Embed, key: str) -> bool:
    footer = embed.footer.text or ""
    return footer == key or footer.endswith(f"· {key}")


def _gateway_open(client: discord.Client) -> bool:
    if isinstance(client, discord.AutoShardedClient):
        return bool(client.shards) and not any(shard.is_closed() for shard in client.shards.values())
    ws = getattr(client, "ws", None)
    return ws is not None and bool(ws.open)


def _explain(exc: BaseException | None) -> str:
    """What went wrong at start, phrased as what to do next (never echoing the token)."""
    if isinstance(exc, discord.LoginFailure):
        return "Discord rejected the token: check DISCORD_TOKEN (Bot → Reset Token in the developer portal)"
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return (
            "Discord refused the Server Members intent: enable it under Bot → Privileged Gateway Intents, "
            "or set DISCORD_MEMBERS_INTENT=false (new members then start the course with /responsibility learn)"
        )
    if isinstance(exc, discord.GatewayNotFound):
        return "Discord's gateway could not be found: check DISCORD_API_BASE_URL / DISCORD_GATEWAY_URL"
    return f"connecting to Discord failed: {type(exc).__name__}"
