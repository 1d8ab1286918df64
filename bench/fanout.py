"""`fanout`: 1,000 teams (quick: 200) due in the same minute, half on Slack and half on Discord, posted by one tick.

One process runs the real engine, the real SlackAdapter (OAuth installs: 10 team channels per workspace, the
production pacing of one post per second per channel) and the real DiscordAdapter (discord.py, one guild and
channel per team) against FakeSlack and FakeDiscord, both enforcing the platforms' limits: Slack 429s a
second chat.postMessage to a channel within a second (Retry-After), Discord 429s beyond 50 REST requests in
a one-second window (`global: true`, `retry_after`). A FakeClock says "09:30 on a Monday"; one
`engine.tick()` is timed until it returns, i.e. until every round is posted with its reactions seeded.

Baseline: the ideal completion time the enforced limits allow for the requests the adapters need per post,
counted in the fakes' logs — Discord: R accepted requests need ceil(R / 50) windows, so the last one can go
no earlier than (ceil(R / 50) - 1) s after the first; Slack: (posts in the busiest channel - 1) s. The ideal
is the larger of the two (the platforms run in parallel). Reported value: ideal ÷ actual. Duplicates (a
channel with more than one post) and lost posts (a team whose round is not posted, or a post without its
three reactions) are counted from the fakes and the database and must both be 0.
"""

from __future__ import annotations

import asyncio
import logging
import math
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from slack_sdk.oauth.installation_store.models.installation import Installation

from bench.common import Result, Target, now
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.translate import PARTY_EMOJI
from bot.adapters.slack.adapter import SCOPES, SlackAdapter
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.adapters.slack.translate import ANSWER_REACTIONS
from bot.config import Settings
from bot.core.engine import Engine, EngineConfig
from bot.core.events import ChannelRef
from bot.core.model import TeamSettings
from bot.core.rounds import TickReport
from bot.core.schedule_math import post_at
from content.loader import load_bundle
from storage.sqlite import SqliteRepository
from tests.fakes.clock import FakeClock
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import FakeSlack

MONDAY = date(2026, 11, 30)
SLACK_POST_INTERVAL = 1.0  # seconds between posts in one channel
DISCORD_PER_SECOND = 50  # REST requests per second, globally
CHANNELS_PER_WORKSPACE = 10
TARGET = Target(
    full="ideal ÷ actual ≥ 0.9, zero duplicates, zero lost posts",
    quick="ideal ÷ actual ≥ 0.85 (a 9 s ideal, so start-up weighs more), zero duplicates, zero lost posts",
)
WITHIN = 600.0  # the tick is cancelled after this many seconds: a benchmark stops by itself


class _Count(logging.Handler):
    """Counts what our own code logs at WARNING or above (failed posts, retries) during the tick."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[record.getMessage()[:60]] += 1


async def _slack_world(fake: FakeSlack, repo: SqliteRepository, teams: int) -> list[ChannelRef]:
    store = RepositoryInstallationStore(repo)
    channels = []
    for i in range(teams):
        team_id, channel_id = f"T{i // CHANNELS_PER_WORKSPACE:04d}", f"C{i:05d}"
        if team_id not in fake.workspaces:
            ws = fake.add_workspace(team_id, f"acme-{team_id.lower()}")
            await store.async_save(
                Installation(
                    app_id="A0FAKEAPP", team_id=team_id, team_name=ws.name, bot_token=ws.token,
                    bot_id=ws.bot_id, bot_user_id=ws.bot_user_id, bot_scopes=list(SCOPES), user_id="UADMIN",
                )
            )  # fmt: skip
        fake.add_channel(team_id, channel_id, f"cloud-team-{i}")
        channels.append(ChannelRef("slack", team_id, channel_id))
    return channels


def _discord_world(fake: FakeDiscord, teams: int) -> list[ChannelRef]:
    channels = []
    for i in range(teams):
        guild = fake.add_guild(f"server {i}", channels=("aws-study",))
        channels.append(ChannelRef("discord", str(guild.id), str(next(iter(guild.channels)))))
    return channels


def _windows(times: list[float], start: float) -> tuple[int, int]:
    """(full windows, windows used) of the enforced one-second windows, from the accepted requests."""
    per = Counter(int((t - start) // 1.0) for t in times)
    return sum(1 for n in per.values() if n >= DISCORD_PER_SECOND), len(per)


@dataclass
class _Tick:
    """What one fan-out tick left behind, for the figures."""

    fs: FakeSlack
    fd: FakeDiscord
    slack_channels: list[ChannelRef]
    discord_channels: list[ChannelRef]
    teams: int
    report: TickReport
    started: float
    actual: float
    posted_rounds: int
    warnings: dict[str, int]


def _adapters(
    fs: FakeSlack, fd: FakeDiscord, repo: SqliteRepository, clock: FakeClock
) -> tuple[SlackAdapter, DiscordAdapter]:
    slack = SlackAdapter.from_settings(
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            slack_api_base_url=fs.api_url,
            slack_mode="http",
            slack_signing_secret=SecretStr(fs.signing_secret),
            slack_client_id=fs.client_id,
            slack_client_secret=SecretStr(fs.client_secret),
            slack_state_secret=SecretStr("bench-state-secret-0123456789"),
        ),
        repo,
        clock=clock,
    )  # fmt: skip  (production pacing: one post per second per channel, 1 s jitter on a 429)
    discord_adapter = DiscordAdapter(
        SecretStr(fd.token), api_base_url=fd.rest_url, gateway_url=fd.gateway_url, clock=clock
    )
    return slack, discord_adapter


async def _tick(quick: bool, tmp: str) -> _Tick:
    teams = 200 if quick else 1000
    n_slack = teams // 2
    clock = FakeClock(datetime(2026, 11, 30, 9, 30, tzinfo=UTC))
    settings = TeamSettings()
    due = (MONDAY, post_at(settings, MONDAY))
    fs = await FakeSlack().start()
    fd = await FakeDiscord().start()
    repo = await SqliteRepository.open(str(Path(tmp) / "fanout.db"))
    slack: SlackAdapter | None = None
    discord_adapter: DiscordAdapter | None = None
    counter = _Count()
    quiet = logging.getLogger("discord")
    old_level = quiet.level
    try:
        slack_channels = await _slack_world(fs, repo, n_slack)
        discord_channels = _discord_world(fd, teams - n_slack)
        created = clock.now() - timedelta(days=7)
        for i in range(teams):  # interleaved, as teams set up over time would be
            pool = slack_channels if i % 2 == 0 else discord_channels
            channel = pool[i // 2] if i // 2 < len(pool) else None
            if channel is not None:
                await repo.save_team(channel, f"team {i}", settings, due, created)
        slack, discord_adapter = _adapters(fs, fd, repo, clock)
        engine = Engine(
            repo, load_bundle(), clock, {"slack": slack, "discord": discord_adapter}, EngineConfig(seed=1)
        )
        await slack.start(engine.handle)
        await discord_adapter.start(engine.handle)
        quiet.setLevel(logging.ERROR)  # discord.py warns on every 429; the fake counts them instead
        logging.getLogger("bot").addHandler(counter)
        fs.enforce_post_rate(SLACK_POST_INTERVAL)
        fd.enforce_global_limit(DISCORD_PER_SECOND)
        started = now()
        report = await asyncio.wait_for(engine.tick(), WITHIN)
        actual = now() - started
        posted_rounds = int(await repo.db.fetchval("SELECT COUNT(*) FROM rounds WHERE state = 'posted'"))
    finally:
        logging.getLogger("bot").removeHandler(counter)
        if discord_adapter is not None:
            await discord_adapter.stop()
        if slack is not None:
            await slack.stop()
        quiet.setLevel(old_level)
        await repo.close()
        await fs.stop()
        await fd.stop()
    return _Tick(fs, fd, slack_channels, discord_channels, teams, report, started, actual, posted_rounds,
                 dict(counter.seen))  # fmt: skip


async def run(quick: bool) -> Result:
    with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
        return _result(await _tick(quick, tmp))


def _result(t: _Tick) -> Result:
    fs, fd, teams, actual = t.fs, t.fd, t.teams, t.actual
    n_slack, n_discord = len(t.slack_channels), len(t.discord_channels)
    # Posts and reactions, as the platforms saw them.
    slack_posts = [fs.workspaces[c.workspace_id].posts(c.channel_id) for c in t.slack_channels]
    discord_posts = [fd.channel_messages(int(c.channel_id)) for c in t.discord_channels]
    emoji = set(PARTY_EMOJI.values())
    slack_names = set(ANSWER_REACTIONS)
    duplicates = sum(max(0, len(p) - 1) for p in slack_posts + discord_posts)
    unseeded = sum(
        1 for ps in slack_posts for m in ps if not all(m.reactions.get(n) for n in slack_names)
    ) + sum(
        1 for ps in discord_posts for m in ps
        if not all(fd.bot.id in fd.reactions.get(int(m["id"]), {}).get(e, []) for e in emoji)
    )  # fmt: skip
    missing = sum(1 for p in slack_posts + discord_posts if not p)
    lost = max(missing, teams - t.posted_rounds)

    # The ideal, from the requests the adapters needed (the fakes' logs).
    first = fd.accepted[0][0] if fd.accepted else t.started
    discord_requests = len(fd.accepted)
    discord_ideal = max(0, math.ceil(discord_requests / DISCORD_PER_SECOND) - 1)
    discord_done = (fd.accepted[-1][0] - first) if fd.accepted else 0.0
    full, used = _windows([at for at, _, _ in fd.accepted], first)
    busiest = max((len(p) for p in slack_posts), default=0)
    slack_ideal = max(0, busiest - 1) * SLACK_POST_INTERVAL
    slack_calls = Counter(c.method for c in fs.calls if c.status != 429 and c.team_id is not None)
    slack_requests = sum(slack_calls[m] for m in
                         ("conversations.history", "chat.postMessage", "reactions.add"))  # fmt: skip
    ideal = max(discord_ideal, slack_ideal)
    ratio = ideal / actual if actual > 0 else 0.0
    kinds = Counter(_route_kind(m, p) for _, m, p in fd.accepted)
    per_post = ", ".join(f"{k} {v / max(1, n_discord):g}" for k, v in sorted(kinds.items()))
    quick = teams < 1000  # the --quick size
    ok = ratio >= (0.85 if quick else 0.9) and duplicates == 0 and lost == 0 and unseeded == 0
    problems = f"; warnings: {t.warnings}" if t.warnings else ""
    return Result(
        "fanout", round(ratio, 3), "ideal ÷ actual", round(ideal, 2), round(ratio, 3),
        TARGET.of(quick), ok,
        f"{teams} teams ({n_slack} Slack in {math.ceil(n_slack / CHANNELS_PER_WORKSPACE)} workspaces, "
        f"{n_discord} Discord); tick {actual:.2f} s (posted {t.report.posted}), ideal {ideal:.0f} s; "
        f"Discord {discord_requests} requests ({discord_requests / max(1, n_discord):g}/post: {per_post}), "
        f"last at {discord_done:.2f} s, {fd.global_429s} global 429s, {full}/{used} windows full; "
        f"Slack {slack_requests / max(1, n_slack):g} requests/post, {len(fs.post_rate_429s)} 429s; "
        f"duplicates {duplicates}, lost {lost}, without reactions {unseeded}{problems}",
    )  # fmt: skip


def _route_kind(method: str, path: str) -> str:
    if "/reactions/" in path:
        return "reaction"
    if method == "GET" and path.endswith("/messages"):
        return "history"
    if method == "POST" and path.endswith("/messages"):
        return "post"
    return f"{method} other"


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
