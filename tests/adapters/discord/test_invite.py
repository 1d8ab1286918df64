"""The invite URL asks for exactly the scopes and permissions the bot uses."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import discord
import pytest

from bot.adapters.discord.invite import invite_url


def test_invite_url_has_exactly_the_scopes_and_permissions() -> None:
    url = urlparse(invite_url("1290000000000000001"))
    assert (url.scheme, url.netloc, url.path) == ("https", "discord.com", "/oauth2/authorize")
    query = parse_qs(url.query)
    assert set(query) == {"client_id", "scope", "permissions"}
    assert query["client_id"] == ["1290000000000000001"]
    assert query["scope"] == ["bot applications.commands"]
    perms = discord.Permissions(int(query["permissions"][0]))
    expected = discord.Permissions(
        view_channel=True, send_messages=True, embed_links=True, add_reactions=True, read_message_history=True
    )
    assert perms == expected
    assert not (perms.administrator or perms.manage_messages or perms.mention_everyone or perms.attach_files)
    assert int(query["permissions"][0]) == 85056


def test_invite_url_refuses_a_non_numeric_id() -> None:
    with pytest.raises(ValueError, match="DISCORD_APPLICATION_ID"):
        invite_url("my-bot")
