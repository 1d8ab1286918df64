"""Teams activities (Bot Framework JSON, as Teams sends it) → core events. Pure functions on plain dicts: no
SDK client, no I/O, so they are tested on documented payloads and hostile variants alike.

Ids: the tenant is the Entra (Azure AD) tenant id (`conversation.tenantId` / `channelData.tenant.id`); a
channel is its Teams thread id (`19:…@thread.tacv2`); a post is the activity id Teams gave our message; a
person is their Bot Framework id (`29:…`), which is what proactive messages are addressed to.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.events import ButtonPressed, ChannelRef, CommandIssued, MemberJoined, PostRef, UserRef

PLATFORM = "teams"
INVOKE_ACTION = "adaptiveCard/action"
#: Our Action.Execute verbs are the core's button actions; the answer buttons use this one.
ANSWER_VERB = "answer"

#: The three answer buttons on a scenario card (button key → title). The keys are Teams' own; the core's
#: tokens come only from `answer_token`.
ANSWER_BUTTONS: tuple[tuple[str, str], ...] = (
    ("AWS", "☁️ AWS"),
    ("Customer", "🧑‍💻 Customer"),
    ("Shared", "🤝 Shared"),
)
_ANSWER_TOKENS: Mapping[str, str] = {"aws": "aws", "customer": "customer", "shared": "shared"}

_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"\s+")
_MESSAGE_ID = re.compile(r";messageid=\d+$")


def answer_token(button_key: object) -> str | None:
    """The one place Teams maps its answer buttons to the core's answer tokens ("aws"/"customer"/"shared")."""
    if not isinstance(button_key, str):
        return None
    return _ANSWER_TOKENS.get(button_key.strip().lower())


@dataclass(frozen=True, slots=True)
class Where:
    """Where an activity happened: tenant, service URL, the channel (or personal chat) and the Teams team."""

    tenant: str
    service_url: str
    conversation_id: str
    conversation_type: str  # channel | personal | groupChat
    channel_id: str  # the team channel's thread id; the conversation id in a personal chat
    team_id: str = ""
    team_aad_group_id: str = ""
    team_name: str = ""
    channel_name: str = ""

    @property
    def personal(self) -> bool:
        return self.conversation_type == "personal"

    @property
    def channel(self) -> ChannelRef:
        return ChannelRef(PLATFORM, self.tenant, self.channel_id)


def _obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def where(activity: Mapping[str, Any]) -> Where | None:
    """The tenant and place of an activity, or None when Teams' required fields are missing."""
    conversation = _obj(activity.get("conversation"))
    data = _obj(activity.get("channelData"))
    tenant = _str(conversation.get("tenantId")) or _str(_obj(data.get("tenant")).get("id"))
    conversation_id = _str(conversation.get("id"))
    service_url = _str(activity.get("serviceUrl"))
    if not tenant or not conversation_id or not service_url:
        return None
    kind = _str(conversation.get("conversationType")) or "personal"
    team = _obj(data.get("team"))
    channel = _obj(data.get("channel"))
    channel_id = _str(channel.get("id")) or _MESSAGE_ID.sub("", conversation_id)
    return Where(
        tenant=tenant,
        service_url=service_url,
        conversation_id=conversation_id,
        conversation_type=kind,
        channel_id=channel_id if kind == "channel" else conversation_id,
        team_id=_str(team.get("id")),
        team_aad_group_id=_str(team.get("aadGroupId")),
        team_name=_str(team.get("name")),
        channel_name=_str(channel.get("name")),
    )


def sender(activity: Mapping[str, Any], tenant: str) -> UserRef | None:
    who = _obj(activity.get("from"))
    user_id = _str(who.get("id"))
    if not user_id:
        return None
    return UserRef(PLATFORM, tenant, user_id, _str(who.get("name")), user_id.startswith("28:"))


def aad_object_id(activity: Mapping[str, Any]) -> str:
    return _str(_obj(activity.get("from")).get("aadObjectId"))


def mentions_bot(activity: Mapping[str, Any]) -> bool:
    """Whether a message @mentions the bot. With the ChannelMessage.Read.Group permission Teams sends every
    channel message, and only those addressed to the bot are commands."""
    bot_id = _str(_obj(activity.get("recipient")).get("id"))
    entities = activity.get("entities")
    return bool(bot_id) and any(
        _obj(e).get("type") == "mention" and _str(_obj(_obj(e).get("mentioned")).get("id")) == bot_id
        for e in (entities if isinstance(entities, list) else [])
    )


def command_text(activity: Mapping[str, Any]) -> str:
    """The text after `@Who's Responsible`: mentions of the bot removed, markup and entities undone, so the
    core sees the same grammar as `/responsibility …` elsewhere."""
    text = _str(activity.get("text"))
    bot_id = _str(_obj(activity.get("recipient")).get("id"))
    entities = activity.get("entities")
    for entity in entities if isinstance(entities, list) else []:
        entity = _obj(entity)
        if entity.get("type") == "mention" and _str(_obj(entity.get("mentioned")).get("id")) == bot_id:
            mention = _str(entity.get("text"))
            if mention:
                text = text.replace(mention, " ")
    text = html.unescape(_TAG.sub(" ", text)).replace("\u00a0", " ")
    text = _SPACE.sub(" ", text).strip()
    if text.lower().startswith("/responsibility"):
        text = text[len("/responsibility") :].strip()
    return text


def command_event(
    activity: Mapping[str, Any], place: Where, is_admin: bool, at: datetime
) -> CommandIssued | None:
    """A message to the bot (an @mention in a channel, anything in the personal chat) → CommandIssued."""
    user = sender(activity, place.tenant)
    if user is None or user.is_bot or not (place.personal or mentions_bot(activity)):
        return None
    return CommandIssued(
        user=user,
        channel=place.channel,
        text=command_text(activity) or "help",
        is_admin=is_admin,
        at=at,
        channel_name=place.channel_name,
    )


def card_action(activity: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(verb, data) of an Action.Execute press (`invoke` named adaptiveCard/action)."""
    if activity.get("type") != "invoke" or activity.get("name") != INVOKE_ACTION:
        return None
    action = _obj(_obj(activity.get("value")).get("action"))
    verb = _str(action.get("verb"))
    if not verb:
        return None
    return verb, _obj(action.get("data"))


def button_event(activity: Mapping[str, Any], place: Where, at: datetime) -> ButtonPressed | None:
    """A press on one of our cards → ButtonPressed. Answer buttons carry the round and a button key, which
    `answer_token` turns into the core's token; other buttons carry the core's own value in `v`."""
    action = card_action(activity)
    user = sender(activity, place.tenant)
    if action is None or user is None:
        return None
    verb, data = action
    post: PostRef | None = None
    reply_to = _str(activity.get("replyToId"))
    channel = None if place.personal else place.channel
    if channel is not None and reply_to:
        post = PostRef(channel, reply_to)
    if verb == ANSWER_VERB:
        round_id = data.get("round")
        token = answer_token(data.get("choice"))
        if not isinstance(round_id, int) or isinstance(round_id, bool) or token is None or post is None:
            return None
        return ButtonPressed(user, channel, ANSWER_VERB, f"{round_id}:{token}", at, post)
    value = data.get("v")
    if not isinstance(value, str):
        return None
    return ButtonPressed(user, channel, verb, value, at, post)


def members_added(activity: Mapping[str, Any], place: Where, at: datetime) -> list[MemberJoined]:
    """`conversationUpdate` with membersAdded in a team → one MemberJoined per person (never the bot)."""
    if activity.get("type") != "conversationUpdate":
        return []
    bot_id = _str(_obj(activity.get("recipient")).get("id"))
    added = activity.get("membersAdded")
    out: list[MemberJoined] = []
    for member in added if isinstance(added, list) else []:
        member_id = _str(_obj(member).get("id"))
        if not member_id or member_id == bot_id or member_id.startswith("28:"):
            continue
        user = UserRef(PLATFORM, place.tenant, member_id, _str(_obj(member).get("name")))
        out.append(MemberJoined(user, None, at))
    return out


def bot_added(activity: Mapping[str, Any]) -> bool:
    """The app was installed in a team, a chat or someone's personal scope."""
    bot_id = _str(_obj(activity.get("recipient")).get("id"))
    added = activity.get("membersAdded")
    if activity.get("type") == "installationUpdate":
        return _str(activity.get("action")) == "add"
    return any(_str(_obj(m).get("id")) == bot_id for m in (added if isinstance(added, list) else []))
