"""The suggestion form as a Discord modal, built from the core's field list. Discord cannot mark a field in an
open modal, so the core's field errors come back as a private reply naming each field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.core.messages import FormField
from bot.core.suggestions import FORM_TITLE, SUGGEST_FIELDS, SUGGEST_FORM

#: Discord's limits on a modal (https://discord.com/developers/docs/interactions/message-components).
LABEL = 45
PLACEHOLDER = 100
VALUE = 4000

Submit = Callable[[discord.Interaction[Any], tuple[tuple[str, str], ...]], Awaitable[None]]


def _input(f: FormField) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(
        label=f.label[:LABEL],
        custom_id=f"{SUGGEST_FORM}:{f.name}",
        style=discord.TextStyle.paragraph if f.multiline else discord.TextStyle.short,
        placeholder=f.placeholder[:PLACEHOLDER] or None,
        min_length=f.min_length or None,
        max_length=min(f.max_length, VALUE),
        required=True,
    )


class SuggestModal(discord.ui.Modal):
    """One modal per `/responsibility suggest`; its submission goes to `submit` with (field, text) pairs."""

    def __init__(self, submit: Submit) -> None:
        super().__init__(title=FORM_TITLE[:LABEL], custom_id=SUGGEST_FORM, timeout=900)
        self._submit = submit
        self.inputs = [_input(f) for f in SUGGEST_FIELDS]
        for item in self.inputs:
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        fields = tuple(
            (f.name, item.value or "") for f, item in zip(SUGGEST_FIELDS, self.inputs, strict=True)
        )
        await self._submit(interaction, fields)
