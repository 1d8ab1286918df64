"""slack-bolt listeners: translate the payload (translate.py), hand the event to the engine, and send the
engine's private reply back. A slash command's answer goes in its ack when it is ready within half a second
(ack_reply.py), else on its response_url; buttons ack at once and reply on the response_url, or by DM from a
DM or App Home.

Replies on response_url go through the process's shared HTTP session (respond.py), not bolt's `respond`."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cachetools import LRUCache
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.adapters.slack import forms
from bot.adapters.slack import translate as t
from bot.adapters.slack.ack_reply import IN_ACK_WITHIN, AckDeadline
from bot.adapters.slack.authorize import forget_workspace
from bot.adapters.slack.blocks import render
from bot.adapters.slack.directory import WorkspaceDirectory
from bot.adapters.slack.gate import ListenerGate
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.adapters.slack.poster import SlackPoster
from bot.adapters.slack.respond import SessionRespond
from bot.core.clock import Clock
from bot.core.events import Event, FormSubmitted
from bot.core.messages import Card, FileCard, TextReply
from bot.core.suggestions import SUGGEST_FORM

log = logging.getLogger(__name__)

COMMAND = "/responsibility"
#: Event ids already handled (Slack re-sends an event it thinks we missed).
SEEN_EVENTS = 5000
_OUR_ACTIONS = re.compile(rf"^{t.ACTION_PREFIX}:")
SORRY = "Sorry — something went wrong on our side. Please try again."

Deliver = Callable[[Event], Awaitable[Sequence[Card]]]


class SlackListeners:
    def __init__(
        self,
        directory: WorkspaceDirectory,
        poster: SlackPoster,
        store: RepositoryInstallationStore | None,
        clock: Clock,
        deliver: Deliver,
        authorize: AsyncInstallationStoreAuthorize | None = None,
    ) -> None:
        self.directory = directory
        self.authorize = authorize
        self.poster = poster
        self.store = store
        self.clock = clock
        self.deliver = deliver
        self._seen: LRUCache[str, bool] = LRUCache(SEEN_EVENTS)
        self.gate = ListenerGate()
        #: How long a command's answer may take and still go in its ack (ack_reply.py); None acks at once.
        self.in_ack_within: float | None = IN_ACK_WITHIN

    def register(self, app: AsyncApp) -> None:
        gated, event = self._gated, self._gated_event
        app.command(COMMAND)(gated(self._on_command))
        app.view(SUGGEST_FORM)(gated(self._on_form))
        app.action({"type": "block_actions", "action_id": _OUR_ACTIONS})(gated(self._on_action))
        app.event("reaction_added")(event(self._on_reaction))
        app.event("reaction_removed")(event(self._on_reaction))
        app.event("team_join")(event(self._on_member_joined))
        app.event("member_joined_channel")(event(self._on_member_joined))
        app.event("app_home_opened")(event(self._on_home_opened))
        app.event("app_uninstalled")(event(self._on_uninstalled))
        app.event("tokens_revoked")(event(self._on_uninstalled))

    def _gated(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """The listener, counted by the gate while it runs (bolt reads the arguments it wants through
        `functools.wraps`)."""

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            async with self.gate.working():
                await listener(**kwargs)

        return run

    def _gated_event(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """An Events API listener (every one takes `body`), run once per event_id: Slack re-sends an event
        it thinks we missed (X-Slack-Retry-Num). Checked here rather than in a global middleware, so commands
        and buttons don't pay for it."""
        gated = self._gated(listener)

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            event_id = (kwargs.get("body") or {}).get("event_id")
            if isinstance(event_id, str) and event_id:
                if event_id in self._seen:
                    log.info("ignored a retried event", extra={"event": event_id})
                    return
                self._seen[event_id] = True
            await gated(**kwargs)

        return run

    def respond(self, context: AsyncBoltContext) -> SessionRespond:
        return SessionRespond(context.response_url, self.directory.session)

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        workspace = t.workspace_of(body)
        respond = self.respond(context)
        if str(body.get("text") or "").strip().lower() == "suggest" and body.get("trigger_id"):
            await ack()
            await self._open_form(workspace, body, respond)
            return
        acked = AckDeadline(ack, self.in_ack_within)  # the answer rides the ack if it is ready in time
        try:
            person = await self.directory.person(workspace, str(body.get("user_id", "")))
            cards = await self.deliver(t.command_event(body, person, self.clock.now()))
            if len(cards) == 1 and not isinstance(cards[0], FileCard):
                message = render(cards[0])
                if await acked.with_message(message.text, message.blocks):
                    return
            await acked.empty()
            await self.reply_privately(workspace, person.user_id, cards, respond)
        except Exception:
            log.exception("answering a slash command failed", extra={"tenant": workspace})
            if not await acked.with_message(SORRY):
                await respond(text=SORRY, response_type="ephemeral")
        finally:
            await acked.empty()  # whatever happened, the request is acknowledged

    async def _open_form(self, workspace: str, body: dict[str, Any], respond: SessionRespond) -> None:
        """`suggest` alone opens the form; the trigger id is good for 3 seconds, so this comes first."""
        try:
            client = await self.directory.client(workspace)
            view = forms.suggest_view(str(body.get("channel_id", "")))
            await client.views_open(trigger_id=str(body["trigger_id"]), view=view)
        except Exception:
            log.warning("could not open the suggestion form", exc_info=True, extra={"tenant": workspace})
            await respond(text="Sorry — the form did not open. Please try again.", response_type="ephemeral")

    async def _on_form(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A submitted suggestion: field errors keep the modal open; otherwise the reply goes by DM."""
        workspace = t.workspace_of(body)
        user_id = str((body.get("user") or {}).get("id", ""))
        person = await self.directory.person(workspace, user_id)
        event = FormSubmitted(
            t.user_ref(workspace, person),
            SUGGEST_FORM,
            forms.submitted(body.get("view") or {}),
            self.clock.now(),
        )
        cards = await self.deliver(event)
        problems = [e for card in cards if isinstance(card, TextReply) for e in card.field_errors]
        if problems:
            await ack(response_action="errors", errors=forms.errors(problems))
            return
        await ack()
        for card in cards:
            await self.poster.dm(workspace, user_id, render(card))

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        workspace = t.workspace_of(body)
        user_id = str((body.get("user") or {}).get("id", ""))
        person = await self.directory.person(workspace, user_id)
        event = t.button_event(body, person, self.clock.now())
        if event is None:
            return
        cards = await self.deliver(event)
        container = body.get("container") or {}
        in_dm = container.get("type") == "view" or str(container.get("channel_id", "")).startswith("D")
        if not in_dm:
            await self.reply_privately(workspace, user_id, cards, self.respond(context))
            return
        for card in cards:
            if isinstance(card, FileCard):
                await self.poster.file(workspace, user_id, card)
            else:
                await self.poster.dm(workspace, user_id, render(card))

    async def _on_reaction(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        workspace = t.workspace_of(body)
        user_id = str((body.get("event") or {}).get("user", ""))
        bot_user = context.bot_user_id or await self.directory.bot_user(workspace)
        if not user_id or user_id == bot_user:
            return  # our own seeded reactions
        if t.reaction_party(str((body.get("event") or {}).get("reaction", ""))) is None:
            return  # not an answer: no users.info call for a 👍
        person = await self.directory.person(workspace, user_id)
        event = t.reaction_event(body, person, self.clock.now(), bot_user)
        if event is not None and not event.user.is_bot:
            await self.deliver(event)

    async def _on_member_joined(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        workspace = t.workspace_of(body)
        raw = (body.get("event") or {}).get("user")
        person = None
        if isinstance(raw, str) and raw:
            person = await self.directory.person(workspace, raw)
        bot_user = context.bot_user_id or await self.directory.bot_user(workspace)
        event = t.member_joined_event(body, person, self.clock.now(), bot_user)
        if event is not None and not event.user.is_bot:
            await self.deliver(event)

    async def _on_home_opened(self, body: dict[str, Any]) -> None:
        workspace = t.workspace_of(body)
        user_id = str((body.get("event") or {}).get("user", ""))
        event = t.home_opened_event(body, await self.directory.person(workspace, user_id), self.clock.now())
        if event is not None:
            await self.deliver(event)

    async def _on_uninstalled(self, body: dict[str, Any]) -> None:
        workspace = t.workspace_of(body)
        if self.store is not None and workspace:
            await self.store.async_delete_all(enterprise_id=None, team_id=workspace)
            log.info("the app was uninstalled from a workspace", extra={"tenant": workspace})
        if self.authorize is not None and workspace:
            forget_workspace(self.authorize, workspace)
        self.directory.forget(workspace)

    async def reply_privately(
        self, workspace: str, user_id: str, cards: Sequence[Card], respond: SessionRespond
    ) -> None:
        """The engine's reply to the actor: through response_url, ephemeral; files by DM, never in channel."""
        for card in cards:
            if isinstance(card, FileCard):
                await self.poster.file(workspace, user_id, card)
            message = render(card)
            await respond(
                text=message.text, blocks=message.blocks, response_type="ephemeral", replace_original=False
            )
