"""The OAuth2 invite URL: exactly the scopes and permissions the bot uses, nothing more.

Permissions, and why each is needed:
- View Channels: see the team channel it posts in.
- Send Messages: the daily scenario and the reveal.
- Embed Links: cards are embeds.
- Add Reactions: seed the three answer reactions.
- Read Message History: read reactions back at reveal, reply to the post, and find its own post after a
  crash (Discord requires it for all three).
Receipts, lessons and exports go by DM or as interaction responses, which need no server permission.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import discord

AUTHORIZE_URL = "https://discord.com/oauth2/authorize"
SCOPES = ("bot", "applications.commands")


def bot_permissions() -> discord.Permissions:
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        add_reactions=True,
        read_message_history=True,
    )


def invite_url(application_id: str) -> str:
    if not application_id.strip().isdigit():
        raise ValueError(
            "DISCORD_APPLICATION_ID must be the numeric Application ID from the Discord developer portal"
        )
    query = urlencode(
        {
            "client_id": application_id.strip(),
            "scope": " ".join(SCOPES),
            "permissions": bot_permissions().value,
        },
        quote_via=quote,
    )
    return f"{AUTHORIZE_URL}?{query}"
