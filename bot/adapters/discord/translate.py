"""Discord payloads → core events. Pure functions: no I/O, no client, so they are tested on recorded payloads.

The inputs are discord.py's own parsed objects (a raw reaction event, a member, an interaction), which are
built straight from the gateway payload and work for uncached messages.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import discord

from bot.core.command_spec import Kind
from bot.core.commands import spec_for
from bot.core.events import (
    AnswerGiven,
    AnswerWithdrawn,
    ButtonPressed,
    ChannelRef,
    CommandIssued,
    MemberJoined,
    PostRef,
    UserRef,
)
from content.schema import Party

PLATFORM = "discord"
#: Every component we render has a custom_id starting with this, so a restart loses no button.
PREFIX = "rb"
MAX_CUSTOM_ID = 100
#: Discord's limit on a message nonce.
MAX_NONCE = 25

# Application command option types (Discord API).
_SUB_COMMAND = 1
_SUB_COMMAND_GROUP = 2
_BOOLEAN = 5
_USER = 6


def channel_ref(guild_id: int, channel_id: int) -> ChannelRef:
    return ChannelRef(PLATFORM, str(guild_id), str(channel_id))


def user_ref(guild_id: int, user: discord.abc.User) -> UserRef:
    return UserRef(PLATFORM, str(guild_id), str(user.id), user.display_name, user.bot)


#: The three answer emoji, as Discord sends standard emoji: the unicode characters (with or without the
#: emoji presentation selector). Custom server emoji never count, whatever they are called.
EMOJI_PARTY: Mapping[str, Party] = {
    "☁️": Party.AWS,
    "☁": Party.AWS,
    "🧑‍💻": Party.CUSTOMER,
    "🤝": Party.SHARED,
}
PARTY_EMOJI: Mapping[Party, str] = {Party.AWS: "☁️", Party.CUSTOMER: "🧑‍💻", Party.SHARED: "🤝"}
_SKIN_TONES = re.compile("[\U0001f3fb-\U0001f3ff]")


def emoji_party(emoji: discord.PartialEmoji) -> Party | None:
    """The answer a reaction stands for (skin tones aside), or None for any other emoji."""
    if emoji.id is not None:
        return None  # a custom emoji, even one named `cloud`
    name = emoji.name if isinstance(emoji.name, str) else ""  # a malformed payload may carry anything
    return EMOJI_PARTY.get(_SKIN_TONES.sub("", name))


def reaction_event(
    payload: discord.RawReactionActionEvent, bot_user_id: int | None, at: datetime
) -> AnswerGiven | AnswerWithdrawn | None:
    """A reaction added/removed in a server channel → an answer event; DMs and our own seeds → None."""
    if payload.guild_id is None or payload.user_id == bot_user_id:
        return None
    member = payload.member  # present on adds in servers; never on removes
    user = UserRef(
        PLATFORM,
        str(payload.guild_id),
        str(payload.user_id),
        member.display_name if member is not None else "",
        member.bot if member is not None else False,
    )
    post = PostRef(channel_ref(payload.guild_id, payload.channel_id), str(payload.message_id))
    choice = emoji_party(payload.emoji)
    if choice is None:
        return None  # not one of the three answers
    if payload.event_type == "REACTION_ADD":
        return AnswerGiven(post, user, choice, at)
    return AnswerWithdrawn(post, user, choice, at)


def member_joined(member: discord.Member, at: datetime) -> MemberJoined | None:
    """A new server member gets the course; bots joining get nothing."""
    if member.bot:
        return None
    return MemberJoined(user_ref(member.guild.id, member), None, at)


def is_admin(permissions: discord.Permissions, role_names: Iterable[str], admin_role: str | None) -> bool:
    """Manage Server (or Administrator) in this channel, or the configured admin role."""
    if permissions.administrator or permissions.manage_guild:
        return True
    if admin_role:
        wanted = admin_role.strip().lower()
        return any(name.lower() == wanted for name in role_names)
    return False


def _word(value: object, option_type: int) -> str:
    if option_type == _USER:
        return f"<@{value}>"
    text = str(value).strip()
    return f'"{text}"' if text and any(ch.isspace() for ch in text) and '"' not in text else text


def _options(raw: object) -> list[Mapping[str, Any]]:
    """`interaction.data` is kept raw by discord.py: anything that is not a list of objects is no options."""
    return [o for o in raw if isinstance(o, Mapping)] if isinstance(raw, list) else []


def _type(option: Mapping[str, Any]) -> int:
    value = option.get("type", 3)
    return value if isinstance(value, int) else 3


def _subcommand(data: Mapping[str, Any]) -> tuple[str, Sequence[Mapping[str, Any]]]:
    options = _options(data.get("options"))
    name = ""
    while options and options[0].get("type") in (_SUB_COMMAND, _SUB_COMMAND_GROUP):
        name = str(options[0].get("name") or "")
        options = _options(options[0].get("options"))
    return name, options


def command_text(data: Mapping[str, Any]) -> str:
    """The app command's typed options → the core's text grammar (`leaderboard period:week` → "leaderboard
    week"), read by the same CommandSpec the group was built from, so the core has one parser."""
    name, options = _subcommand(data)
    if not name:
        return "help"
    spec = spec_for(name)
    if spec is None:
        return name  # the core answers an unknown command with its usage line
    given = {str(o.get("name")): o for o in options if o.get("value") is not None}
    words = [spec.name]
    for option in spec.options:
        raw = given.get(option.name)
        if raw is None:
            continue
        value = raw["value"]
        if option.kind is Kind.FLAG:
            if value is True:
                words.append(option.name)
            continue
        if spec.keyed:
            words.append(option.name)
        if option.kind is Kind.TEXT or option.kind is Kind.WINDOW:
            words.append(str(value).strip())  # free text / `until 13:00`: the grammar reads several words
        else:
            words.append(_word(value, _type(raw)))
    return " ".join(w for w in words if w)


def command_problem(data: Mapping[str, Any]) -> str | None:
    """Why an app-command interaction cannot be read by the command table (with the usage line), or None.
    discord.py would drop such an interaction unanswered; the adapter answers with this instead."""
    name, options = _subcommand(data)
    if not name:
        return f"Pick one of the subcommands, e.g. `/{data.get('name') or 'responsibility'} help`."
    spec = spec_for(name)
    if spec is None:
        return f"`{name}` is not a command any more. See `/responsibility help`."
    usage = f"\nUsage: `/responsibility {spec.usage()}`"
    given = {str(o.get("name")): o.get("value") for o in options}
    for key, value in given.items():
        option = spec.option(key)
        if option is None:
            return f"`{spec.name}` has no option `{key}`.{usage}"
        if option.allowed and str(value).lower() not in option.allowed:
            return f"`{key}` must be one of {', '.join(option.allowed)}.{usage}"
    missing = [o.name for o in spec.options if o.required and given.get(o.name) in (None, "")]
    if missing:
        return f"`{spec.name}` needs `{missing[0]}`.{usage}"
    return None


def _role_names(user: discord.abc.User) -> list[str]:
    roles = getattr(user, "roles", None) or []
    return [r.name for r in roles]


def command_event(
    interaction: discord.Interaction[Any], admin_role: str | None, at: datetime
) -> CommandIssued | None:
    """A `/responsibility …` interaction in a server → CommandIssued; in a DM there is no tenant → None."""
    if interaction.guild_id is None or interaction.channel_id is None or interaction.data is None:
        return None
    if not isinstance(interaction.data, Mapping) or not _has_user(interaction):
        return None  # malformed: Discord always sends the data object and who did it
    channel = interaction.channel
    channel_name = getattr(channel, "name", None) or ""
    return CommandIssued(
        user=user_ref(interaction.guild_id, interaction.user),
        channel=channel_ref(interaction.guild_id, interaction.channel_id),
        text=command_text(interaction.data),
        is_admin=is_admin(interaction.permissions, _role_names(interaction.user), admin_role),
        at=at,
        channel_name=f"#{channel_name}" if channel_name else "",
    )


def _has_user(interaction: discord.Interaction[Any]) -> bool:
    """discord.py leaves `user` unset (a sentinel) when a payload has neither `member` nor `user`."""
    return isinstance(getattr(interaction.user, "id", None), int)


def custom_id(action: str, value: str, guild_id: int | None = None) -> str:
    """`rb:{action}:{value}`; `rb@{guild}:{action}:{value}` on cards sent by DM, where a press carries no
    server and the tenant must travel with the button."""
    head = PREFIX if guild_id is None else f"{PREFIX}@{guild_id}"
    return f"{head}:{action}:{value}"


def parse_custom_id(raw: str) -> tuple[int | None, str, str] | None:
    head, sep, rest = raw.partition(":")
    if not sep or not (head == PREFIX or head.startswith(PREFIX + "@")):
        return None
    guild: int | None = None
    if head != PREFIX:
        digits = head[len(PREFIX) + 1 :]
        if not digits.isdigit():
            return None
        guild = int(digits)
    action, _, value = rest.partition(":")
    return (guild, action, value) if action else None


def button_event(
    interaction: discord.Interaction[Any], at: datetime, admin_role: str | None = None
) -> ButtonPressed | None:
    """A press on one of our buttons → ButtonPressed with the post it sits on (for answer buttons)."""
    data: Mapping[str, Any] = interaction.data if isinstance(interaction.data, Mapping) else {}
    raw = data.get("custom_id")
    parsed = parse_custom_id(raw) if isinstance(raw, str) else None
    if parsed is None:
        return None
    guild_from_id, action, value = parsed
    guild_id = interaction.guild_id or guild_from_id
    if guild_id is None or not _has_user(interaction):
        return None
    channel: ChannelRef | None = None
    post: PostRef | None = None
    if interaction.guild_id is not None and interaction.channel_id is not None:
        channel = channel_ref(interaction.guild_id, interaction.channel_id)
        if interaction.message is not None:
            post = PostRef(channel, str(interaction.message.id))
    admin = interaction.guild_id is not None and is_admin(
        interaction.permissions, _role_names(interaction.user), admin_role
    )
    return ButtonPressed(user_ref(guild_id, interaction.user), channel, action, value, at, post, admin)


def nonce_for(channel_id: str, idempotency_key: str) -> str:
    """A message nonce derived from (channel, key): the same post always carries the same nonce, and two
    channels never share one (Discord deduplicates per author, and the bot is one author everywhere)."""
    digest = hashlib.sha256(f"{channel_id}:{idempotency_key}".encode()).hexdigest()
    return digest[:MAX_NONCE]
