"""The console adapter: a simulated team channel in the terminal (rich on a terminal, plain text when piped).

It shows what one person — the viewer — would see: the channel, their own private messages and DMs.
Messages meant privately for simulated teammates are not shown. Reactions on posts are kept in memory so
`collect_answers` works as on a real platform.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.panel import Panel

from bot.adapters.recap_chart import recap_png
from bot.adapters.text_render import render_text
from bot.core.events import ChannelRef, PostRef, UserRef
from bot.core.messages import Card, FileCard, RecapCard, RevealCard, ScenarioCard
from bot.core.ports import AdapterHealth, CollectedAnswer, EventSink
from content.schema import Party

PLATFORM = "console"
WORKSPACE = "local"


class ConsoleAdapter:
    def __init__(
        self,
        viewer: str = "you",
        out: TextIO | None = None,
        rich: bool | None = None,
        images: Path | None = None,
    ) -> None:
        self.viewer = viewer
        self.images = images  # where recap charts are saved (None: not drawn)
        self.saved: list[Path] = []
        stream = out or sys.stdout
        use_rich = stream.isatty() if rich is None else rich
        self.console = Console(file=stream, no_color=not use_rich, highlight=False, soft_wrap=not use_rich)
        self.rich = use_rich
        self.sink: EventSink | None = None
        self._posts: dict[str, PostRef] = {}
        self._reactions: dict[str, list[CollectedAnswer]] = {}
        self._counter = 0
        self._run = uuid.uuid4().hex[:8]  # message ids must not repeat across runs that share a --db
        self.files: list[FileCard] = []

    @property
    def platform(self) -> str:
        return PLATFORM

    async def start(self, sink: EventSink) -> None:
        self.sink = sink

    async def stop(self) -> None:
        self.sink = None

    async def health(self) -> AdapterHealth:
        """The terminal is always there once started."""
        return AdapterHealth(self.sink is not None, "console" if self.sink else "not started")

    def show(self, card: Card, heading: str = "") -> None:
        text = render_text(card)
        if isinstance(card, FileCard):
            self.files.append(card)
        if self.rich:
            style = (
                "cyan"
                if isinstance(card, ScenarioCard)
                else "green"
                if isinstance(card, RevealCard)
                else "white"
            )
            self.console.print(
                Panel(text, title=heading or None, border_style=style, expand=False), markup=False
            )
        else:
            if heading:
                self.console.print(f"--- {heading} ---", markup=False)
            self.console.print(text, markup=False)
            self.console.print("", markup=False)

    def say(self, text: str) -> None:
        self.console.print(text, markup=False)

    def _new_id(self) -> str:
        self._counter += 1
        return f"c{self._run}-{self._counter}"

    async def post_card(self, channel: ChannelRef, card: Card, idempotency_key: str) -> PostRef:
        if idempotency_key in self._posts:
            return self._posts[idempotency_key]
        post = PostRef(channel, self._new_id())
        self._posts[idempotency_key] = post
        self.show(card, f"#{channel.channel_id}")
        if isinstance(card, RecapCard) and self.images is not None:
            self.save_chart(card, channel)
        return post

    def save_chart(self, card: RecapCard, channel: ChannelRef) -> Path:
        """The console's way of "uploading" the recap chart: a PNG in the images folder, path printed."""
        assert self.images is not None
        self.images.mkdir(parents=True, exist_ok=True)
        path = self.images / f"{channel.channel_id}-{card.chart_name}"
        path.write_bytes(recap_png(card))
        self.saved.append(path)
        self.say(f"🖼  chart saved: {path}")
        return path

    async def reply_thread(self, post: PostRef, card: Card, idempotency_key: str) -> PostRef:
        if idempotency_key in self._posts:
            return self._posts[idempotency_key]
        reply = PostRef(post.channel, self._new_id())
        self._posts[idempotency_key] = reply
        self.show(card, f"#{post.channel.channel_id} › thread")
        return reply

    async def send_dm(self, user: UserRef, card: Card) -> None:
        if user.user_id == self.viewer:
            self.show(card, "direct message")

    async def send_ephemeral(self, channel: ChannelRef, user: UserRef, card: Card) -> None:
        if user.user_id == self.viewer:
            self.show(card, "only visible to you")

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return None  # the terminal always takes a post

    async def collect_answers(self, post: PostRef) -> Sequence[CollectedAnswer]:
        return list(self._reactions.get(post.message_id, []))

    async def publish_home(self, user: UserRef, card: Card) -> None:
        if user.user_id == self.viewer:
            self.show(card, "home")

    def react(self, post: PostRef, user: UserRef, choice: Party) -> None:
        """Keep a reaction on the post, as a platform would (read back at reveal)."""
        self._reactions.setdefault(post.message_id, []).append(CollectedAnswer(user, choice))


#: The console's answer keys: a letter or the answer's name.
KEYS: dict[str, Party] = {"a": Party.AWS, "c": Party.CUSTOMER, "s": Party.SHARED} | {
    p.value: p for p in Party
}


def key_party(line: str) -> Party | None:
    """What a typed key means (`a`, `C`, `shared`…), or None."""
    return KEYS.get(line.strip().lower())
