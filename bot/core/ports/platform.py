"""The seam between the core and the platforms: adapters implement PlatformAdapter, the engine is the sink."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.core.events import ChannelRef, Event, PostRef, UserRef
from bot.core.messages import Card
from content.schema import Party

#: The engine's entry point. It returns the cards meant as the direct, private reply to the actor
#: (a slash command's response, a button's feedback); everything else it sends through the adapter.
EventSink = Callable[[Event], Awaitable[Sequence[Card]]]


@dataclass(frozen=True, slots=True)
class CollectedAnswer:
    """An answer reaction read back from a post at reveal, mapped to its answer by the adapter (reactions
    that are not one of the three options are left out)."""

    user: UserRef
    choice: Party


class PostRefused(Exception):
    """The platform refused a post for a reason that retrying will not fix until someone acts: the bot is not
    in a private channel, cannot see the channel, or it is archived. `fix` says what to do, in the platform's
    own words (`/invite @whos-responsible`, a Discord permission); it is shown to the admin as it is."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass(frozen=True, slots=True)
class AdapterHealth:
    """An adapter's link to its platform, for /healthz and the process's supervisor.

    `connected` is the state now (a reconnect in progress is False for a moment); `ended` means the link is
    gone for good — its task is over and nothing will reconnect it — so the process should stop and be
    restarted by whatever runs it.
    """

    connected: bool
    detail: str = ""
    ended: bool = False


@runtime_checkable
class ReportsHealth(Protocol):
    """Adapters that can say how their connection is (Slack, Discord, console)."""

    async def health(self) -> AdapterHealth: ...


class PlatformAdapter(Protocol):
    """Explicit async methods, so a missing one is a type error rather than a runtime surprise."""

    @property
    def platform(self) -> str: ...

    async def start(self, sink: EventSink) -> None:
        """Connect and begin delivering events to `sink`. Returns once connected."""
        ...

    async def stop(self) -> None: ...

    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        """Post to a channel. Calling again with the same key must not post a second message."""
        ...

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        """Reply under a post (thread or reply). Same idempotency contract as post_card."""
        ...

    async def send_dm(self, user: UserRef, card: Card) -> None: ...

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        """A message only `user` sees (or a DM where the platform has no ephemeral messages)."""
        ...

    async def check_channel(self, channel: ChannelRef) -> str | None:
        """None when the bot can post (and seed reactions) in the channel — joining a public one if it must;
        otherwise what an admin has to do first, as a sentence (setup refuses with it)."""
        ...

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        """Re-read the answer reactions on a post (excluding the bot's own), for reconciliation."""
        ...

    async def publish_home(self, user: UserRef, card: Card) -> None:
        """Publish an App Home view where the platform has one; a no-op elsewhere."""
        ...
