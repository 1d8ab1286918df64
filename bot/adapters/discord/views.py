"""Button rows → a discord.py View. Presses are handled by custom_id in `on_interaction`, not by the view,
so the view is stopped before sending: nothing is kept in memory per message and buttons survive restarts."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.adapters.discord.render import ButtonSpec


def build_view(rows: Sequence[Sequence[ButtonSpec]]) -> discord.ui.View | None:
    """Needs a running event loop (discord.py's View does)."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        for spec in row:
            view.add_item(
                discord.ui.Button(label=spec.label, custom_id=spec.custom_id, style=spec.style, row=index)
            )
    view.stop()
    return view
