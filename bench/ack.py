"""`ack`: Slack HTTP mode, time from sending a signed `/responsibility leaderboard` to its HTTP 200 ack.

2,000 requests (quick: 500), 50 in flight at a time (a closed loop: each of 50 senders sends its next request
when the previous one is acknowledged), after 100 (quick: 50) unmeasured warm-up requests. They are sent over
loopback, form-encoded and signed (v0 HMAC) as Slack sends them, cycling through the team's 500 members (quick:
125; four requests per member either way). The bot runs in its own process (`bench/ack_worker.py app`): the
production `Application` (single-workspace bot token) with a SQLite file holding the team's five revealed
rounds, every member answering (so the weekly board and its aggregates are real), and FakeSlack, in this
process, as Slack's Web API (`users.info`, cached per member) and as the response_url that receives each
ephemeral leaderboard. Every request must be acknowledged with 200 and answered on its response_url.

Baseline: a bare bolt `AsyncApp` whose handler only acks (`bench/ack_worker.py bare`), same load, same
server stack, same signature check. Both workers run side by side and get their bursts interleaved, three
times (quick: once); the medians are reported: p99 of the bot (target ≤ 300 ms; Slack allows 3,000 ms) and
p50 of the bot ÷ p50 of the baseline (target ≤ 2). For context the note also gives the time until the reply
reaches the response_url and the worker's CPU time per command, which a noisy machine does not distort.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as daytime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bench.common import Result, now, percentile
from bot.core.engine import Engine, EngineConfig
from bot.core.events import AnswerGiven, ChannelRef, PostRef, UserRef
from bot.core.model import TeamSettings
from bot.core.schedule_math import next_post
from content.loader import load_bundle
from content.schema import Party
from storage.sqlite import SqliteRepository
from tests.fakes.clock import FakeClock
from tests.fakes.fake_slack import FakeSlack, sign
from tests.fakes.recording import RecordingAdapter

TEAM, CHANNEL = "T0BENCH", "C0TEAM"
ROUNDS = 5
CONCURRENCY = 50
TOKENS = (Party.AWS, Party.CUSTOMER, Party.SHARED)
WITHIN = 120.0  # every wait is bounded: the benchmark stops by itself


async def populate(path: str, members: int, rounds: int, last_day: date) -> None:
    """The team's last `rounds` days through the real engine: posted, answered by every member, revealed —
    so the weekly board and the aggregates it reads are what production would have."""
    repo = await SqliteRepository.open(path)
    try:
        settings = TeamSettings(post_time=daytime(0, 0), days=frozenset(range(7)), window_minutes=1)
        first = last_day - timedelta(days=rounds - 1)
        clock = FakeClock(datetime.combine(first, daytime(0, 0), UTC) - timedelta(hours=1))
        adapter = RecordingAdapter("slack")
        engine = Engine(repo, load_bundle(), clock, {"slack": adapter}, EngineConfig(seed=1))
        channel = ChannelRef("slack", TEAM, CHANNEL)
        team = await repo.save_team(
            channel, "cloud-team", settings, next_post(settings, clock.now()), clock.now()
        )
        rng = random.Random(1)
        for d in range(rounds):
            day = first + timedelta(days=d)
            clock.set(datetime.combine(day, daytime(0, 0, 30), UTC))
            await engine.tick()
            rnd = await repo.round_on(team.id, day)
            assert rnd is not None and rnd.message_id is not None, "the round was not posted"
            post = PostRef(channel, rnd.message_id)
            for u in range(members):
                user = UserRef("slack", TEAM, f"U{u:05d}", f"Member {u}")
                await engine.handle(AnswerGiven(post, user, rng.choice(TOKENS), clock.now()))
            clock.set(datetime.combine(day, daytime(0, 2), UTC))
            await engine.tick()
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
    """One bot process (app or bare), started with the environment `respbot run` would read."""

    def __init__(self, mode: str, env: dict[str, str], log: Path) -> None:
        self.mode, self.env, self.log = mode, env, log
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
            raise RuntimeError(f"the {self.mode} worker did not start; see {self.log}")
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
    replies: list[float]  # seconds from sending to the reply on response_url (app only)
    cpu: float  # worker CPU seconds for the burst, until its last reply


async def load(
    fake: TimedFakeSlack, url: str, users: list[str], total: int
) -> tuple[list[float], dict[str, float]]:
    """`total` signed slash commands from CONCURRENCY senders; returns ack latencies and send times by rid."""
    latencies: list[float] = []
    sent: dict[str, float] = {}
    statuses: Counter[int] = Counter()
    todo = iter(range(total))
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def sender() -> None:
            for i in todo:
                payload = fake.slash_command(TEAM, users[i % len(users)], CHANNEL, "leaderboard")
                body = urlencode(payload)
                stamp = str(int(time.time()))
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": sign(fake.signing_secret, stamp, body),
                }
                began = now()
                sent[str(payload["response_url"]).rsplit("/", 1)[-1]] = began
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(now() - began)
                statuses[response.status] += 1

        await asyncio.wait_for(asyncio.gather(*(sender() for _ in range(CONCURRENCY))), WITHIN)
    if statuses != Counter({200: total}):
        raise RuntimeError(f"not every request was acknowledged with 200: {dict(statuses)}")
    return latencies, sent


async def burst(fake: TimedFakeSlack, worker: Worker, users: list[str], total: int) -> Burst:
    cpu = worker.cpu_seconds()
    latencies, sent = await load(fake, worker.url, users, total)
    replies: list[float] = []
    if worker.mode == "app":  # every command answered on its response_url before the figure counts
        await fake.wait_until(lambda: all(rid in fake.replied_at for rid in sent), WITHIN)
        replies = [fake.replied_at[rid] - began for rid, began in sent.items()]
    return Burst(latencies, replies, worker.cpu_seconds() - cpu)


def _median(values: list[float]) -> float:
    return statistics.median(values) * 1000


async def run(quick: bool) -> Result:
    total, warmup, reps = (500, 50, 1) if quick else (2_000, 100, 3)
    members = total // 4
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
        db = Path(tmp) / "ack.db"
        await populate(str(db), members, ROUNDS, (datetime.now(UTC) - timedelta(minutes=5)).date())
        fake = TimedFakeSlack()
        await fake.start()
        try:
            ws = fake.add_workspace(TEAM, "acme")
            users = [f"U{u:05d}" for u in range(members)]
            for uid in users:
                fake.add_user(TEAM, uid, f"Member {uid[1:]}")
            fake.add_channel(TEAM, CHANNEL, "cloud-team")
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DATABASE_"))
            }
            env.update(
                DATABASE_URL=f"sqlite:///{db}", SLACK_MODE="http", SLACK_BOT_TOKEN=ws.token,
                SLACK_SIGNING_SECRET=fake.signing_secret, SLACK_API_BASE_URL=fake.api_url,
                HTTP_HOST="127.0.0.1", HTTP_PORT="0", LOG_FORMAT="json", LOG_LEVEL="INFO",
            )  # fmt: skip
            log = Path(tmp) / "worker.log"
            runs: dict[str, list[Burst]] = {"bare": [], "app": []}
            async with Worker("bare", env, log) as bare, Worker("app", env, log) as app:
                for worker in (bare, app):
                    await burst(fake, worker, users, warmup)
                for _ in range(reps):  # interleaved, so both see the same machine noise
                    for worker in (bare, app):
                        runs[worker.mode].append(await burst(fake, worker, users, total))
            users_info = len(fake.calls_of("users.info"))
        finally:
            await fake.stop()
    p50 = _median([percentile(b.latencies, 0.5) for b in runs["app"]])
    p99 = _median([percentile(b.latencies, 0.99) for b in runs["app"]])
    b50 = _median([percentile(b.latencies, 0.5) for b in runs["bare"]])
    b99 = _median([percentile(b.latencies, 0.99) for b in runs["bare"]])
    r50 = _median([percentile(b.replies, 0.5) for b in runs["app"]])
    r99 = _median([percentile(b.replies, 0.99) for b in runs["app"]])
    cpu_app = _median([b.cpu / total for b in runs["app"]])
    cpu_bare = _median([b.cpu / total for b in runs["bare"]])
    ratio = p50 / b50
    return Result(
        "ack", round(p99, 1), "ms p99 to the ack", round(b50, 2), round(ratio, 2),
        "p99 ≤ 300 ms and p50 ≤ 2× baseline", p99 <= 300 and ratio <= 2,
        f"{total} requests, {CONCURRENCY} in flight, median of {reps}; bot ack p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"bare bolt p50 {b50:.1f} ms, p99 {b99:.1f} ms; reply on response_url p50 {r50:.0f} ms, p99 {r99:.0f} ms; "
        f"worker CPU per command {cpu_app:.2f} ms (bare {cpu_bare:.2f} ms); {users_info} users.info calls",
    )  # fmt: skip


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
