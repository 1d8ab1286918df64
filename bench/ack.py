"""`ack`, `reply` and `oauth_ack`: Slack HTTP mode under 50 slash commands in flight, measured once for all three.

2,000 signed `/responsibility leaderboard` requests (quick: 500) per burst, 50 in flight at a time (a closed
loop: each of 50 senders sends its next request when the previous one is acknowledged), after 100 (quick: 125,
every member once, so its single burst is as warm as a full run's median one) unmeasured warm-up requests, form-encoded and signed (v0 HMAC) as Slack sends them. Three bot processes
(`bench/ack_worker.py`) run side by side and get their bursts interleaved, five times (quick: once); medians
of the per-burst figures are reported:

- **app**: the production `Application` with a bot token (one workspace, 500 members; quick: 125), a SQLite
  file holding the team's five revealed rounds with every member answering;
- **oauth**: the same `Application` in OAuth mode: 50 workspaces (quick: 10) installed in its Repository,
  each with a team of 10 members (quick: 12) and the same five rounds; requests cycle through the workspaces,
  so bolt's authorize looks an installation up before every ack;
- **bare**: a bare bolt `AsyncApp` on the same server stack whose listener answers with a fixed text in its ack
  (Slack's immediate response) — the least any app that answers a command must do.

FakeSlack, in this process, is the Web API (`users.info`, `auth.test`) and the response_url. Every request must
be acknowledged with 200 and answered — in its ack, or on its response_url when the answer was not ready within
`bot/adapters/slack/ack_reply.IN_ACK_WITHIN` — or the benchmark fails. The rows: `ack` (p99 to the HTTP 200,
and p50 against bare bolt's), `reply` (request → the reply, in the ack or on response_url, and CPU per command
against bare bolt's, from /proc — robust to a noisy machine), `oauth_ack` (ack p99 in OAuth mode against the
single-workspace app's in the same run).

`BENCH_COMMAND=stats` (or `help`, …) makes the load send that command instead of `leaderboard`, to compare
CPU per command across commands (docs/benchmarks.md); the rows are defined with `leaderboard`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Result, Target, percentile
from bench.slack_load import (
    CHANNEL,
    CONCURRENCY,
    Burst,
    TimedFakeSlack,
    Worker,
    burst,
    install,
    members_of,
    populate,
)

TEAM = "T0BENCH"
ROUNDS = 5

ACK = Target(full="p99 ≤ 60 ms and p50 ≤ 2× bare bolt", quick="p99 ≤ 100 ms and p50 ≤ 2× bare bolt")
REPLY = Target(
    full="p99 ≤ 500 ms and CPU/command ≤ 2× bare bolt", quick="p99 ≤ 500 ms and CPU/command ≤ 2× bare bolt"
)
OAUTH = Target(full="p99 ≤ 1.5× single-workspace", quick="p99 ≤ 1.5× single-workspace")


@dataclass(frozen=True)
class Sizes:
    total: int
    warmup: int
    reps: int
    members: int
    workspaces: int
    oauth_members: int

    @classmethod
    def of(cls, quick: bool) -> Sizes:
        return cls(500, 125, 1, 125, 10, 12) if quick else cls(2_000, 100, 5, 500, 50, 10)


@dataclass
class Measurement:
    sizes: Sizes
    runs: dict[str, list[Burst]]
    users_info: int
    auth_tests: int


_measured: dict[bool, Measurement] = {}


async def measure(quick: bool) -> Measurement:
    """Run the three workers once per process and size; the three rows read the same measurement."""
    if quick not in _measured:
        _measured[quick] = await _measure(Sizes.of(quick))
    return _measured[quick]


async def _measure(sizes: Sizes) -> Measurement:
    last_day = (datetime.now(UTC) - timedelta(minutes=5)).date()
    with tempfile.TemporaryDirectory(prefix="bench-ack-") as tmp:
        single_db, oauth_db = Path(tmp) / "single.db", Path(tmp) / "oauth.db"
        teams = [f"T0W{i:04d}" for i in range(sizes.workspaces)]
        await populate(str(single_db), [TEAM], sizes.members, ROUNDS, last_day)
        await populate(str(oauth_db), teams, sizes.oauth_members, ROUNDS, last_day)
        fake = TimedFakeSlack()
        await fake.start()
        try:
            senders: dict[str, list[tuple[str, str]]] = {"bare": [], "app": [], "oauth": []}
            ws = fake.add_workspace(TEAM, "acme")
            fake.add_channel(TEAM, CHANNEL, "cloud-team")
            for uid in members_of(TEAM, sizes.members):
                fake.add_user(TEAM, uid, f"Member {uid}")
                senders["app"].append((TEAM, uid))
            installed = []
            for team in teams:
                installed.append(fake.add_workspace(team, f"acme-{team.lower()}"))
                fake.add_channel(team, CHANNEL, "cloud-team")
                for uid in members_of(team, sizes.oauth_members):
                    fake.add_user(team, uid, f"Member {uid}")
            senders["bare"] = senders["app"]
            people = {team: members_of(team, sizes.oauth_members) for team in teams}
            # consecutive requests come from different workspaces
            senders["oauth"] = [(team, people[team][u]) for u in range(sizes.oauth_members) for team in teams]
            await install(str(oauth_db), installed)
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DATABASE_"))
            }
            env.update(
                SLACK_MODE="http", SLACK_SIGNING_SECRET=fake.signing_secret, SLACK_API_BASE_URL=fake.api_url,
                HTTP_HOST="127.0.0.1", HTTP_PORT="0", LOG_FORMAT="json", LOG_LEVEL="INFO",
            )  # fmt: skip
            single = dict(env, DATABASE_URL=f"sqlite:///{single_db}", SLACK_BOT_TOKEN=ws.token)
            oauth = dict(
                env, DATABASE_URL=f"sqlite:///{oauth_db}", SLACK_CLIENT_ID=fake.client_id,
                SLACK_CLIENT_SECRET=fake.client_secret, SLACK_STATE_SECRET="bench-state-secret-bench-state",
            )  # fmt: skip
            log = Path(tmp) / "worker.log"
            runs: dict[str, list[Burst]] = {"bare": [], "app": [], "oauth": []}
            async with (
                Worker("bare", "bare", single, log) as bare,
                Worker("app", "app", single, log) as app,
                Worker("oauth", "app", oauth, log) as oauth_app,
            ):
                workers = (bare, app, oauth_app)
                for worker in workers:
                    await burst(fake, worker, senders[worker.label], sizes.warmup, True)
                for _ in range(sizes.reps):  # interleaved, so all three see the same machine noise
                    for worker in workers:
                        runs[worker.label].append(
                            await burst(fake, worker, senders[worker.label], sizes.total, True)
                        )
            users_info = len(fake.calls_of("users.info"))
            auth_tests = len([c for c in fake.calls_of("auth.test") if c.team_id in people])  # OAuth worker's
        finally:
            await fake.stop()
    return Measurement(sizes, runs, users_info, auth_tests)


def _ms(bursts: list[Burst], q: float, replies: bool = False) -> float:
    return statistics.median(percentile(b.replies if replies else b.latencies, q) for b in bursts) * 1000


def _cpu_ms(m: Measurement, label: str) -> float:
    return statistics.median(b.cpu / m.sizes.total for b in m.runs[label]) * 1000


def _cpu_ratio(m: Measurement, label: str) -> float:
    """The median over reps of the worker's CPU over bare bolt's in the same rep: the two bursts run seconds
    apart, so a machine that is busier for a while (other tenants) weighs on both sides of each ratio."""
    return statistics.median(a.cpu / b.cpu for a, b in zip(m.runs[label], m.runs["bare"], strict=True))


def _cold(m: Measurement) -> str:
    """The first burst: most of its people send their first command, so their users.info and rank are read
    before the answer (which rides the ack); the median of the bursts is the warm figure."""
    if m.sizes.reps < 2:
        return ""
    first = percentile(m.runs["app"][0].latencies, 0.99) * 1000
    return (
        f"; first burst (cold: {m.sizes.members - m.sizes.warmup} people's first command) p99 {first:.1f} ms"
    )


def _head(m: Measurement) -> str:
    s = m.sizes
    return f"{s.total} requests, {CONCURRENCY} in flight, median of {s.reps}"


async def run(quick: bool) -> Result:
    m = await measure(quick)
    p50, p99 = _ms(m.runs["app"], 0.5), _ms(m.runs["app"], 0.99)
    b50, b99 = _ms(m.runs["bare"], 0.5), _ms(m.runs["bare"], 0.99)
    limit = 100 if quick else 60
    return Result(
        "ack", round(p99, 1), "ms p99 to the ack", round(b50, 2), round(p50 / b50, 2), ACK.of(quick),
        p99 <= limit and p50 <= 2 * b50,
        f"{_head(m)}; bot ack p50 {p50:.1f} ms, p99 {p99:.1f} ms; bare bolt p50 {b50:.1f} ms, p99 {b99:.1f} ms; "
        f"{m.users_info} users.info calls{_cold(m)}",
    )  # fmt: skip


async def run_reply(quick: bool) -> Result:
    m = await measure(quick)
    r50, r99 = _ms(m.runs["app"], 0.5, True), _ms(m.runs["app"], 0.99, True)
    b50, b99 = _ms(m.runs["bare"], 0.5, True), _ms(m.runs["bare"], 0.99, True)
    cpu, bare_cpu, ratio = _cpu_ms(m, "app"), _cpu_ms(m, "bare"), _cpu_ratio(m, "app")
    return Result(
        "reply", round(r99, 1), "ms p99 request → reply", round(b99, 1), round(ratio, 2), REPLY.of(quick),
        r99 <= 500 and ratio <= 2,
        f"{_head(m)}; reply p50 {r50:.0f} ms, p99 {r99:.0f} ms (bare bolt p50 {b50:.0f} ms, "
        f"p99 {b99:.0f} ms); worker CPU per command {cpu:.2f} ms (bare bolt {bare_cpu:.2f} ms); ratio = CPU "
        f"ratio, the median of each rep's",
    )  # fmt: skip


async def run_oauth(quick: bool) -> Result:
    m = await measure(quick)
    o50, o99 = _ms(m.runs["oauth"], 0.5), _ms(m.runs["oauth"], 0.99)
    s99 = _ms(m.runs["app"], 0.99)
    r99 = _ms(m.runs["oauth"], 0.99, True)
    return Result(
        "oauth_ack", round(o99, 1), "ms p99 to the ack (OAuth)", round(s99, 1), round(o99 / s99, 2),
        OAUTH.of(quick), o99 <= 1.5 * s99,
        f"{_head(m)}; {m.sizes.workspaces} installed workspaces; OAuth ack p50 {o50:.1f} ms, p99 {o99:.1f} ms "
        f"vs single-workspace p99 {s99:.1f} ms; reply p99 {r99:.0f} ms; worker CPU per command "
        f"{_cpu_ms(m, 'oauth'):.2f} ms; {m.auth_tests} auth.test calls for its {m.sizes.workspaces} workspaces",
    )  # fmt: skip


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
