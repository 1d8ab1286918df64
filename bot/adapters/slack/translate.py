"""Slack payloads → core events, as pure functions over plain dicts (tested on recorded payloads).

Nothing here talks to Slack: whatever needs an API call (a person's name, admin flag, time zone) is looked up
by the adapter and passed in as a `Person`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.events import (
    AnswerGiven,
    AnswerWithdrawn,
    ButtonPressed,
    ChannelRef,
    CommandIssued,
    HomeOpened,
    MemberJoined,
    PostRef,
    UserRef,
)
from bot.core.ports import CollectedAnswer
from content.schema import Party

PLATFORM = "slack"
#: Every action_id on our buttons starts with this, then the core's action, then the button's index
#: (action_ids must be unique within a message, and one card can carry three "answer" buttons).
ACTION_PREFIX = "respbot"
#: The event_type of the message metadata on our posts: how a restart finds a post instead of re-posting.
METADATA_EVENT_TYPE = "respbot_post"

#: Slack's reaction names for the three answers: the only reactions that count. Anything else — `a`
#: (🅰️), a custom emoji called `aws` or `shared` — is ignored, skin tones aside.
REACTION_PARTY: Mapping[str, Party] = {
    "cloud": Party.AWS,
    "technologist": Party.CUSTOMER,
    "handshake": Party.SHARED,
}
PARTY_REACTION: Mapping[Party, str] = {party: name for name, party in REACTION_PARTY.items()}
#: The reactions seeded on a reactions-mode post, one per answer option.
ANSWER_REACTIONS = tuple(REACTION_PARTY)

Payload = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Person:
    """What the adapter knows about a Slack user (from users.info or the payload itself)."""

    user_id: str
    display_name: str = ""
    is_bot: bool = False
    is_admin: bool = False
    timezone: str | None = None


def _obj(value: object) -> Payload:
    """A nested object of a payload, or an empty one when the field is missing or of the wrong type: a
    malformed payload is ignored, never a crash in a listener."""
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def person_from_user(user: Payload) -> Person:
    """A users.info `user` object (also the `user` of team_join) → Person."""
    profile = _obj(user.get("profile"))
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or ""
    )
    return Person(
        user_id=str(user.get("id", "")),
        display_name=str(name),
        is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
        is_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
        timezone=str(user.get("tz")) if user.get("tz") else None,
    )


def user_ref(workspace_id: str, person: Person, bot_user_id: str | None = None) -> UserRef:
    is_bot = person.is_bot or (bot_user_id is not None and person.user_id == bot_user_id)
    return UserRef(PLATFORM, workspace_id, person.user_id, person.display_name, is_bot)


def channel_ref(workspace_id: str, channel_id: str) -> ChannelRef:
    return ChannelRef(PLATFORM, workspace_id, channel_id)


def reaction_name(raw: str) -> str:
    """`technologist::skin-tone-3` → `technologist`: a skin tone doesn't change the answer."""
    return raw.split("::", 1)[0]


def reaction_party(raw: str) -> Party | None:
    """The answer a reaction stands for, or None for every other reaction."""
    return REACTION_PARTY.get(reaction_name(raw))


def workspace_of(body: Payload) -> str:
    """The workspace an incoming request belongs to, whatever its kind."""
    team = body.get("team")
    if isinstance(team, Mapping) and team.get("id"):
        return str(team["id"])
    if body.get("team_id"):
        return str(body["team_id"])
    user = body.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        return str(user["team_id"])
    return ""


# Slash commands ---------------------------------------------------------------------------------------
def command_event(body: Payload, person: Person, at: datetime) -> CommandIssued:
    """A `/responsibility …` slash command. `text` is everything after the command."""
    workspace = workspace_of(body)
    person = person if person.display_name else _named(person, str(body.get("user_name", "")))
    return CommandIssued(
        user=user_ref(workspace, person),
        channel=channel_ref(workspace, str(body.get("channel_id", ""))),
        text=str(body.get("text") or "").strip(),
        is_admin=person.is_admin,
        at=at,
        channel_name=_channel_name(body.get("channel_name")),
    )


def _named(person: Person, name: str) -> Person:
    return Person(person.user_id, name, person.is_bot, person.is_admin, person.timezone)


def _channel_name(raw: object) -> str:
    name = str(raw or "")
    if not name or name in ("directmessage", "privategroup"):
        return ""
    return name if name.startswith("#") else f"#{name}"


# Events API -------------------------------------------------------------------------------------------
def reaction_event(
    body: Payload, person: Person, at: datetime, bot_user_id: str | None
) -> AnswerGiven | AnswerWithdrawn | None:
    """reaction_added / reaction_removed on a message → an answer (None for reactions on files etc.)."""
    event = _obj(body.get("event"))
    item = _obj(event.get("item"))
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return None
    workspace = workspace_of(body)
    post = PostRef(channel_ref(workspace, str(item["channel"])), str(item["ts"]))
    user = user_ref(workspace, person, bot_user_id)
    choice = reaction_party(str(event.get("reaction", "")))
    if choice is None:
        return None  # not one of the three answers
    if event.get("type") == "reaction_added":
        return AnswerGiven(post, user, choice, at)
    if event.get("type") == "reaction_removed":
        return AnswerWithdrawn(post, user, choice, at)
    return None


def member_joined_event(
    body: Payload, person: Person | None, at: datetime, bot_user_id: str | None
) -> MemberJoined | None:
    """team_join (a new workspace member) or member_joined_channel (a new member of a channel)."""
    event = _obj(body.get("event"))
    workspace = workspace_of(body)
    kind = event.get("type")
    if kind == "team_join":
        raw = event.get("user")
        if not isinstance(raw, Mapping):
            return None
        joined = person_from_user(raw)
        if person is not None:
            joined = Person(
                joined.user_id,
                joined.display_name or person.display_name,
                joined.is_bot or person.is_bot,
                joined.is_admin,
                joined.timezone or person.timezone,
            )
        return MemberJoined(user_ref(workspace, joined, bot_user_id), None, at, joined.timezone)
    if kind == "member_joined_channel":
        user_id = str(event.get("user") or "")
        channel_id = str(event.get("channel") or "")
        if not user_id or not channel_id:
            return None
        who = person if person is not None and person.user_id == user_id else Person(user_id)
        return MemberJoined(
            user_ref(workspace, who, bot_user_id), channel_ref(workspace, channel_id), at, who.timezone
        )
    return None


def home_opened_event(body: Payload, person: Person, at: datetime) -> HomeOpened | None:
    """app_home_opened on the Home tab (the Messages tab opens the same event; we ignore it)."""
    event = _obj(body.get("event"))
    if event.get("tab", "home") != "home" or not event.get("user"):
        return None
    return HomeOpened(user_ref(workspace_of(body), person), at)


# Interactivity ----------------------------------------------------------------------------------------
def action_id(action: str, index: int) -> str:
    return f"{ACTION_PREFIX}:{action}:{index}"


def parse_action_id(raw: str) -> str | None:
    """`respbot:answer:2` → `answer`; None for an action that is not one of our buttons."""
    prefix, _, rest = raw.partition(":")
    if prefix != ACTION_PREFIX:
        return None
    action, _, _ = rest.rpartition(":")
    return action or None


def button_event(body: Payload, person: Person, at: datetime) -> ButtonPressed | None:
    """block_actions from one of our buttons, in a channel message, a DM, an ephemeral or the App Home."""
    actions = _list(body.get("actions"))
    if not actions:
        return None
    first = _obj(actions[0])
    action = parse_action_id(str(first.get("action_id", "")))
    if action is None:
        return None
    workspace = workspace_of(body)
    container = _obj(body.get("container"))
    channel_id = _obj(body.get("channel")).get("id") or container.get("channel_id")
    channel = channel_ref(workspace, str(channel_id)) if channel_id else None
    message_ts = container.get("message_ts") or _obj(body.get("message")).get("ts")
    post = None
    if channel is not None and message_ts and not container.get("is_ephemeral"):
        post = PostRef(channel, str(message_ts))
    raw_user = _obj(body.get("user"))
    if not person.display_name:
        person = _named(person, str(raw_user.get("name") or raw_user.get("username") or ""))
    return ButtonPressed(
        user=user_ref(workspace, person),
        channel=channel,
        action=action,
        value=str(first.get("value") or ""),
        at=at,
        post=post,
        is_admin=person.is_admin,
    )


# Reading back -----------------------------------------------------------------------------------------
def collected_answers(message: Payload, workspace_id: str, bot_user_id: str | None) -> list[CollectedAnswer]:
    """reactions.get's `message` → every (person, reaction) on it except the bot's own seeded ones."""
    out: list[CollectedAnswer] = []
    for reaction in map(_obj, _list(message.get("reactions"))):
        choice = reaction_party(str(reaction.get("name", "")))
        if choice is None:
            continue
        for user_id in _list(reaction.get("users")):
            if user_id == bot_user_id:
                continue
            out.append(CollectedAnswer(user_ref(workspace_id, Person(str(user_id))), choice))
    return out


def metadata_for(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_EVENT_TYPE, "event_payload": {"key": key}}


def find_keyed_message(messages: Iterable[Payload], key: str) -> str | None:
    """The ts of the message we posted under an idempotency key, from history or thread replies."""
    for message in map(_obj, messages):
        metadata = _obj(message.get("metadata"))
        if metadata.get("event_type") != METADATA_EVENT_TYPE:
            continue
        if _obj(metadata.get("event_payload")).get("key") == key and message.get("ts"):
            return str(message["ts"])
    return None
