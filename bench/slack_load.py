"""What the Slack HTTP-mode benchmarks (`ack`, `reply`, `oauth_ack`) share: a team's history stored through
the real engine, FakeSlack noting when each response_url reply lands, a bot worker process, and a closed-loop
load generator that signs slash commands as Slack does."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as daytime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.oauth.installation_store.models.installation import Installation

from bench.common import collector_paused, now
from bot.adapters.slack.adapter import SCOPES
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ChannelRef, PostRef, UserRef
from bot.core.model import TeamSettings
from bot.core.schedule_math import next_post
from content.loader import load_bundle
from content.schema import Party
from storage.sqlite import SqliteRepository
from tests.fakes.clock import FakeClock
from tests.fakes.fake_slack import FakeSlack, Workspace, sign
from tests.fakes.recording import RecordingAdapter

CHANNEL = "C0TEAM"
CONCURRENCY = 50
TOKENS = (Party.AWS, Party.CUSTOMER, Party.SHARED)
WITHIN = 120.0  # every wait is bounded: the benchmark stops by itself


def members_of(team: str, members: int) -> list[str]:
    return [f"U{team[-4:]}{u:05d}" for u in range(members)]


async def populate(path: str, teams: Sequence[str], members: int, rounds: int, last_day: date) -> None:
    """Each team's last `rounds` days through the real engine: posted, answered by every member, revealed —
    so the weekly board and the aggregates it reads are what production would have."""
    repo = await SqliteRepository.open(path)
    try:
        settings = TeamSettings(post_time=daytime(0, 0), days=frozenset(range(7)), window_minutes=1)
        first = last_day - timedelta(days=rounds - 1)
        clock = FakeClock(datetime.combine(first, daytime(0, 0), UTC) - timedelta(hours=1))
        adapter = RecordingAdapter("slack")
        engine = Engine(repo, load_bundle(), clock, {"slack": adapter}, EngineConfig(seed=1))
        ids = {}
        for team_id in teams:
            channel = ChannelRef("slack", team_id, CHANNEL)
            team = await repo.save_team(
                channel, "cloud-team", settings, next_post(settings, clock.now()), clock.now()
            )
            ids[team_id] = team.id
        rng = random.Random(1)
        for d in range(rounds):
            day = first + timedelta(days=d)
            clock.set(datetime.combine(day, daytime(0, 0, 30), UTC))
            await engine.tick()
            for team_id in teams:
                rnd = await repo.round_on(ids[team_id], day)
                assert rnd is not None and rnd.message_id is not None, "the round was not posted"
                post = PostRef(ChannelRef("slack", team_id, CHANNEL), rnd.message_id)
                for uid in members_of(team_id, members):
                    user = UserRef("slack", team_id, uid, f"Member {uid}")
                    await engine.handle(AnswerGiven(post, user, rng.choice(TOKENS), clock.now()))
            clock.set(datetime.combine(day, daytime(0, 2), UTC))
            await engine.tick()
    finally:
        await repo.close()


async def install(path: str, workspaces: Sequence[Workspace]) -> None:
    """OAuth installations as bolt's flow would have saved them, into the bot's Repository."""
    repo = await SqliteRepository.open(path)
    try:
        store = RepositoryInstallationStore(repo)
        for ws in workspaces:
            await store.async_save(Installation(
                app_id="A0FAKEAPP", team_id=ws.team_id, team_name=ws.name, bot_token=ws.token, bot_id=ws.bot_id,
                bot_user_id=ws.bot_user_id, bot_scopes=list(SCOPES), user_id="UADMIN",
            ))  # fmt: skip
    finally:
        await repo.close()


class TimedFakeSlack(FakeSlack):
    """FakeSlack that notes when each response_url reply arrives, for the end-to-end figure."""

    def __init__(self) -> None:
        super().__init__()
        self.replied_at: dict[str, float] = {}

    async def _respond(self, request: web.Request) -> web.Response:
        self.replied_at.setdefault(request.match_info["rid"], now())
        return await super()._respond(request)


class Worker:
    """One bot process (`bench/ack_worker.py` app or bare), started with the environment `respbot run` reads."""

    def __init__(self, label: str, mode: str, env: dict[str, str], log: Path) -> None:
        self.label, self.mode, self.env, self.log = label, mode, env, log
        self.proc: asyncio.subprocess.Process | None = None
        self.port = 0

    async def __aenter__(self) -> Worker:
        err = self.log.open("ab")  # the child inherits the descriptor; ours is closed at once
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.ack_worker", self.mode, env=self.env,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=err,
            )  # fmt: skip
        finally:
            err.close()
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        if not line.startswith(b"PORT "):
            raise RuntimeError(f"the {self.label} worker did not start; see {self.log}")
        self.port = int(line.split()[1])
        return self

    async def __aexit__(self, *exc: object) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker so far (/proc/<pid>/stat), robust to a noisy machine."""
        assert self.proc is not None
        with open(f"/proc/{self.proc.pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Burst:
    latencies: list[float]  # seconds from sending to the complete ack
    replies: list[
        float
    ]  # seconds from sending to the reply, in the ack or on response_url (empty if not awaited)
    cpu: float  # worker CPU seconds for the burst, until its last reply


async def load(
    fake: TimedFakeSlack, url: str, senders: Sequence[tuple[str, str]], total: int
) -> tuple[list[float], dict[str, float]]:
    """`total` signed slash commands (cycling through (team, user) `senders`) from CONCURRENCY senders at a
    time; returns ack latencies and send times by response_url id."""
    latencies: list[float] = []
    sent: dict[str, float] = {}
    statuses: Counter[int] = Counter()
    todo = iter(range(total))
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def sender() -> None:
            for i in todo:
                team, user = senders[i % len(senders)]
                payload = fake.slash_command(
                    team, user, CHANNEL, os.environ.get("BENCH_COMMAND", "leaderboard")
                )
                body = urlencode(payload)
                stamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": sign(fake.signing_secret, stamp, body),
                }
                began = now()
                rid = str(payload["response_url"]).rsplit("/", 1)[-1]
                sent[rid] = began
                async with session.post(url, data=body, headers=headers) as response:
                    acked = await response.read()
                latencies.append(now() - began)
                statuses[response.status] += 1
                if acked:  # the answer came in the ack (Slack shows a non-empty ack body as the reply)
                    fake.replied_at.setdefault(rid, now())

        await asyncio.wait_for(asyncio.gather(*(sender() for _ in range(CONCURRENCY))), WITHIN)
    if statuses != Counter({200: total}):
        raise RuntimeError(f"not every request was acknowledged with 200: {dict(statuses)}")
    return latencies, sent


async def burst(
    fake: TimedFakeSlack, worker: Worker, senders: Sequence[tuple[str, str]], total: int, replies: bool
) -> Burst:
    with collector_paused():  # our own GC pauses are not the worker's latency
        cpu = worker.cpu_seconds()
        latencies, sent = await load(fake, worker.url, senders, total)
        if replies:  # every command answered (in its ack or on its response_url) before the figure counts
            await fake.wait_until(lambda: all(rid in fake.replied_at for rid in sent), WITHIN)
        cpu = worker.cpu_seconds() - cpu
    waited = [fake.replied_at[rid] - began for rid, began in sent.items()] if replies else []
    return Burst(latencies, waited, cpu)
