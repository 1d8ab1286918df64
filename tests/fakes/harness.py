"""An engine wired to a RecordingAdapter and a FakeClock, with helpers that read like the day cycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.adapters.console import key_party
from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ButtonPressed, ChannelRef, CommandIssued, PostRef, UserRef
from bot.core.messages import Card, ScenarioCard
from bot.core.ports import Repository
from bot.core.rounds import TickReport
from content.loader import ContentBundle
from content.schema import Party
from tests.fakes.clock import FakeClock
from tests.fakes.content import small_bundle
from tests.fakes.recording import RecordingAdapter


@dataclass
class Harness:
    repo: Repository
    clock: FakeClock
    adapter: RecordingAdapter
    engine: Engine
    platform: str = "console"
    workspace: str = "W1"
    reports: list[TickReport] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        repo: Repository,
        start: datetime,
        content: ContentBundle | None = None,
        platform: str = "console",
        workspace: str = "W1",
        config: EngineConfig | None = None,
        adapter: RecordingAdapter | None = None,
    ) -> Harness:
        clock = FakeClock(start)
        adapter = adapter or RecordingAdapter(platform)
        engine = Engine(
            repo, content or small_bundle(), clock, {platform: adapter}, config or EngineConfig(seed=7)
        )
        return cls(repo, clock, adapter, engine, platform, workspace)

    def user(self, uid: str, name: str | None = None, workspace: str | None = None) -> UserRef:
        return UserRef(self.platform, workspace or self.workspace, uid, name or uid.title())

    def channel(self, cid: str = "C1", workspace: str | None = None) -> ChannelRef:
        return ChannelRef(self.platform, workspace or self.workspace, cid)

    async def command(
        self,
        text: str,
        uid: str = "admin",
        admin: bool = True,
        channel: ChannelRef | None = None,
        name: str = "",
    ) -> list[Card]:
        ch = channel or self.channel()
        user = self.user(uid, workspace=ch.workspace_id)
        event = CommandIssued(user, ch, text, admin, self.clock.now(), name or f"team-{ch.channel_id}")
        return list(await self.engine.handle(event))

    async def answer(
        self, post: PostRef, uid: str, token: str | Party, at: datetime | None = None
    ) -> list[Card]:
        """Answer as an adapter would deliver it: a token that is not one of the answers never reaches the
        core (like a 👍 reaction), so nothing happens."""
        choice = token if isinstance(token, Party) else key_party(token)
        if choice is None:
            return []
        user = self.user(uid, workspace=post.channel.workspace_id)
        return list(await self.engine.handle(AnswerGiven(post, user, choice, at or self.clock.now())))

    async def press(
        self, uid: str, action: str, value: str, post: PostRef | None = None, admin: bool = False
    ) -> list[Card]:
        return list(
            await self.engine.handle(
                ButtonPressed(
                    self.user(uid),
                    post.channel if post else None,
                    action,
                    value,
                    self.clock.now(),
                    post,
                    admin,
                )
            )
        )

    async def tick(self) -> TickReport:
        report = await self.engine.tick()
        self.reports.append(report)
        return report

    async def run_until(self, until: datetime, step: timedelta = timedelta(minutes=5)) -> None:
        """Advance the fake clock in steps, ticking the scheduler after each step."""
        while self.clock.now() < until:
            self.clock.advance(min(step, until - self.clock.now()))
            await self.tick()

    def scenario_posts(self) -> list[tuple[PostRef, ScenarioCard]]:
        out = []
        for call in self.adapter.of_kind("post"):
            if isinstance(call.card, ScenarioCard):
                out.append((self.adapter.by_key[call.key], call.card))
        return out
