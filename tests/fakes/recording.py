"""RecordingAdapter: a PlatformAdapter that records structured calls, for core tests.

It honours idempotency keys like the real adapters do, can be told to fail, and holds the reactions that
`collect_answers` reads back, so tests can simulate answers given while the bot was down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core.events import ChannelRef, PostRef, UserRef
from bot.core.messages import Card
from bot.core.ports import CollectedAnswer, EventSink, PostRefused


@dataclass(frozen=True, slots=True)
class Call:
    kind: str  # post | thread | dm | ephemeral | home
    target: str  # channel id, message id or user id
    card: Card
    key: str = ""


class PlatformDown(RuntimeError):
    """What a failing platform call raises in tests."""


@dataclass
class RecordingAdapter:
    platform_name: str = "console"
    calls: list[Call] = field(default_factory=list)
    by_key: dict[str, PostRef] = field(default_factory=dict)
    reactions: dict[str, list[CollectedAnswer]] = field(default_factory=dict)
    fail_posts: int = 0  # the next N post_card calls fail before posting
    fail_after_post: int = 0  # the next N post_card calls post, then fail (a crash before we learn the id)
    fail_collect: int = 0
    #: Channels the bot may not post in (channel id → what an admin must do), as a private channel not invited.
    refused_channels: dict[str, str] = field(default_factory=dict)
    sink: EventSink | None = None
    _counter: int = 0

    @property
    def platform(self) -> str:
        return self.platform_name

    async def start(self, sink: EventSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    def _next_id(self) -> str:
        self._counter += 1
        return f"m{self._counter}"

    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        if idempotency_key in self.by_key:
            return self.by_key[idempotency_key]
        if channel.channel_id in self.refused_channels:
            raise PostRefused("channel_not_found", self.refused_channels[channel.channel_id])
        if self.fail_posts:
            self.fail_posts -= 1
            raise PlatformDown("post failed")
        post = PostRef(channel, self._next_id())
        self.by_key[idempotency_key] = post
        self.calls.append(Call("post", channel.channel_id, card, idempotency_key))
        if self.fail_after_post:
            self.fail_after_post -= 1
            raise PlatformDown("connection lost after posting")
        return post

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        if idempotency_key in self.by_key:
            return self.by_key[idempotency_key]
        reply = PostRef(post.channel, self._next_id())
        self.by_key[idempotency_key] = reply
        self.calls.append(Call("thread", post.message_id, card, idempotency_key))
        return reply

    async def send_dm(self, user: UserRef, card: Card) -> None:
        self.calls.append(Call("dm", user.user_id, card))

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        self.calls.append(Call("ephemeral", user.user_id, card))

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return self.refused_channels.get(channel.channel_id)

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        if self.fail_collect:
            self.fail_collect -= 1
            raise PlatformDown("reactions unavailable")
        return list(self.reactions.get(post.message_id, []))

    async def publish_home(self, user: UserRef, card: Card) -> None:
        self.calls.append(Call("home", user.user_id, card))

    # Test helpers --------------------------------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    def cards(self, kind: str, card_type: type) -> list[Card]:
        return [c.card for c in self.calls if c.kind == kind and isinstance(c.card, card_type)]
