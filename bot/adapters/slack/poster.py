"""Everything the bot writes to Slack: channel posts and thread replies that never duplicate (message
metadata carries the idempotency key; history is checked before posting and after an ambiguous failure),
seeded answer reactions, DMs, ephemeral messages and files."""

from __future__ import annotations

import logging

import aiohttp
from cachetools import LRUCache
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import translate as t
from bot.adapters.slack.blocks import SlackMessage
from bot.adapters.slack.client import api_error
from bot.adapters.slack.directory import WorkspaceDirectory
from bot.adapters.slack.pacing import ChannelPacer
from bot.core.events import ChannelRef
from bot.core.messages import FileCard
from bot.core.ports import PostRefused

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
INVITE = (
    "someone in the channel should type `/invite @whos-responsible` (a private channel needs an invitation)."
)
#: Web API errors on a post that only a person can fix; each maps to what they should do.
REFUSALS = {
    "channel_not_found": INVITE,
    "not_in_channel": INVITE,
    "is_archived": "the channel is archived; unarchive it or run setup in another channel.",
    "restricted_action": "a workspace setting stops the bot from posting here; ask a workspace admin.",
    "restricted_action_read_only_channel": "the channel is read-only for apps; pick another channel.",
    "team_access_not_granted": "the app is not granted access to this workspace; reinstall it.",
}


def refusal(exc: SlackApiError) -> PostRefused | None:
    """The PostRefused a Web API error means, or None when retrying may still work."""
    error = api_error(exc) or ""
    fix = REFUSALS.get(error)
    return PostRefused(error, fix) if fix else None


#: Posts found or made under a key, so a retry of the same step costs no history call.
KEYED = 10_000


class SlackPoster:
    def __init__(
        self, directory: WorkspaceDirectory, post_interval: float, history_limit: int, attempts: int = 4
    ) -> None:
        self.directory = directory
        self.pacer = ChannelPacer(post_interval)
        self.history_limit = history_limit
        self.attempts = attempts
        self._keyed: LRUCache[tuple[str, str, str], str] = LRUCache(KEYED)

    async def post(
        self,
        channel: ChannelRef,
        thread_ts: str | None,
        message: SlackMessage,
        key: str,
        broadcast: bool = False,
    ) -> str:
        """The ts of the message under `key` in the channel (or thread): found, or posted once."""
        client = await self.directory.client(channel.workspace_id)
        async with self.pacer.turn(f"{channel.workspace_id}:{channel.channel_id}"):
            return await self._post_once(client, channel, thread_ts, message, key, broadcast)

    async def _post_once(
        self,
        client: AsyncWebClient,
        channel: ChannelRef,
        thread_ts: str | None,
        message: SlackMessage,
        key: str,
        broadcast: bool,
    ) -> str:
        """Post unless a message with this key is already there: history first, then post; after a failure
        whose outcome is unknown (429 storm, 5xx, lost connection) look again before trying again."""
        cache_key = (channel.workspace_id, channel.channel_id, key)
        if cache_key in self._keyed:
            return self._keyed[cache_key]
        joined = False
        for attempt in range(1, self.attempts + 1):
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
                self._keyed[cache_key] = found
                return found
            except SlackApiError as exc:
                error = api_error(exc)
                if error == "not_in_channel" and not joined:
                    joined = True
                    await self._join(client, channel)
                    continue
                refused = refusal(exc)
                if refused is not None:
                    raise refused from None
                if exc.response.status_code not in RETRYABLE_STATUS or attempt == self.attempts:
                    raise
                # Per attempt at DEBUG: the caller logs a final failure once, with its round.
                log.debug(
                    "posting to Slack failed (%s); checking history before retrying",
                    error or "error",
                    extra={"tenant": channel.workspace_id},
                )
            except (aiohttp.ClientError, TimeoutError):
                if attempt == self.attempts:
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
                api_error(exc),
                extra={"tenant": channel.workspace_id},
            )
            raise PostRefused(api_error(exc) or "not_in_channel", INVITE) from None

    async def check_channel(self, channel: ChannelRef) -> str | None:
        """Before setup: can the bot post here? Joins a public channel it is not in yet."""
        if channel.channel_id.startswith("D"):
            return "run setup in a channel, not in a direct message."
        client = await self.directory.client(channel.workspace_id)
        try:
            info = (await client.conversations_info(channel=channel.channel_id)).get("channel") or {}
        except SlackApiError as exc:
            refused = refusal(exc)
            if refused is None:
                raise
            return refused.fix
        if info.get("is_im") or info.get("is_mpim"):
            return "run setup in a channel, not in a direct message."
        if info.get("is_archived"):
            return REFUSALS["is_archived"]
        if not info.get("is_member"):
            if info.get("is_private"):
                return INVITE
            try:
                await self._join(client, channel)
            except PostRefused as refused:
                return refused.fix
        return None

    async def _find_keyed(
        self, client: AsyncWebClient, channel_id: str, thread_ts: str | None, key: str
    ) -> str | None:
        if thread_ts is None:
            response = await client.conversations_history(
                channel=channel_id, limit=self.history_limit, include_all_metadata=True
            )
        else:
            response = await client.conversations_replies(
                channel=channel_id, ts=thread_ts, limit=self.history_limit, include_all_metadata=True
            )
        return t.find_keyed_message(response.get("messages") or [], key)

    async def seed_reactions(self, channel: ChannelRef, ts: str) -> None:
        client = await self.directory.client(channel.workspace_id)
        for name in t.ANSWER_REACTIONS:
            try:
                await client.reactions_add(channel=channel.channel_id, timestamp=ts, name=name)
            except SlackApiError as exc:
                if api_error(exc) != "already_reacted":
                    raise

    async def dm(self, workspace: str, user_id: str, message: SlackMessage) -> None:
        client = await self.directory.client(workspace)
        channel = await self.directory.dm_channel(workspace, user_id)
        async with self.pacer.turn(f"{workspace}:{channel}"):
            await client.chat_postMessage(
                channel=channel, text=message.text, blocks=message.blocks, unfurl_links=False
            )

    async def ephemeral(self, channel: ChannelRef, user_id: str, message: SlackMessage) -> None:
        client = await self.directory.client(channel.workspace_id)
        await client.chat_postEphemeral(
            channel=channel.channel_id, user=user_id, text=message.text, blocks=message.blocks
        )

    async def thread_image(
        self, channel: ChannelRef, thread_ts: str, filename: str, data: bytes, title: str, key: str
    ) -> None:
        """An image into a post's thread (files upload v2) — once: a file of that name already shared in the
        thread (an earlier attempt that crashed before it was recorded) is not uploaded again."""
        cache_key = (channel.workspace_id, channel.channel_id, f"{key}:file")
        if cache_key in self._keyed:
            return
        client = await self.directory.client(channel.workspace_id)
        replies = await client.conversations_replies(
            channel=channel.channel_id, ts=thread_ts, limit=self.history_limit
        )
        shared = [f for m in replies.get("messages") or [] for f in m.get("files") or []]
        if any(f.get("name") == filename for f in shared):
            self._keyed[cache_key] = thread_ts
            return
        await client.files_upload_v2(
            channel=channel.channel_id, thread_ts=thread_ts, file=data, filename=filename, title=title
        )
        self._keyed[cache_key] = thread_ts

    async def file(self, workspace: str, user_id: str, card: FileCard) -> None:
        """A file goes to the person's DM with the bot (files upload v2), never to a channel."""
        client = await self.directory.client(workspace)
        channel = await self.directory.dm_channel(workspace, user_id)
        await client.files_upload_v2(
            channel=channel,
            filename=card.filename,
            content=card.content,
            title=card.title,
            initial_comment=card.comment or card.title,
        )
