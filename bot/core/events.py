"""Inbound events: frozen values with plain references, never a live client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from content.schema import Party


@dataclass(frozen=True, slots=True)
class Tenant:
    """Everything is scoped by (platform, workspace): a Slack team id, a Discord guild id, or `local`."""

    platform: str
    workspace_id: str


@dataclass(frozen=True, slots=True)
class UserRef:
    platform: str
    workspace_id: str
    user_id: str
    display_name: str = field(default="", compare=False)
    is_bot: bool = field(default=False, compare=False)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.platform, self.workspace_id)

    @property
    def name(self) -> str:
        return self.display_name or self.user_id


@dataclass(frozen=True, slots=True)
class ChannelRef:
    platform: str
    workspace_id: str
    channel_id: str

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.platform, self.workspace_id)


@dataclass(frozen=True, slots=True)
class PostRef:
    channel: ChannelRef
    message_id: str


@dataclass(frozen=True, slots=True)
class AnswerGiven:
    """A reaction added or an answer button pressed. The adapter has mapped its own token (emoji, reaction
    name, button) to the answer; a reaction that is not one of the three options never becomes an event."""

    post: PostRef
    user: UserRef
    choice: Party
    at: datetime


@dataclass(frozen=True, slots=True)
class AnswerWithdrawn:
    """A reaction removed. The first answer is locked, so this never changes a score; it is logged."""

    post: PostRef
    user: UserRef
    choice: Party
    at: datetime


@dataclass(frozen=True, slots=True)
class MemberJoined:
    """A new workspace/server member (channel is None) or a new member of a channel."""

    user: UserRef
    channel: ChannelRef | None
    at: datetime
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class CommandIssued:
    """`/responsibility <text>`. `is_admin` is decided by the adapter from the platform's own roles."""

    user: UserRef
    channel: ChannelRef
    text: str
    is_admin: bool
    at: datetime
    channel_name: str = ""


@dataclass(frozen=True, slots=True)
class ButtonPressed:
    """A button on one of our cards: `action` says which (see Button.action), `value` carries the data."""

    user: UserRef
    channel: ChannelRef | None
    action: str
    value: str
    at: datetime
    post: PostRef | None = None
    is_admin: bool = False  # decided by the adapter from the platform's roles, as for commands


@dataclass(frozen=True, slots=True)
class HomeOpened:
    """Slack's App Home tab opened: publish the person's stats, boards and course progress."""

    user: UserRef
    at: datetime


@dataclass(frozen=True, slots=True)
class FormSubmitted:
    """A form filled in (a Slack modal, a Discord modal): `form` names it, `fields` are (name, text) pairs as
    typed — untrusted text, checked by the core."""

    user: UserRef
    form: str
    fields: tuple[tuple[str, str], ...]
    at: datetime


Event = (
    AnswerGiven | AnswerWithdrawn | MemberJoined | CommandIssued | ButtonPressed | HomeOpened | FormSubmitted
)
