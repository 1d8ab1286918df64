"""`memory`: peak RSS of one bot process serving 1,000 teams and 100,000 members (quick: 100 and 10,000).

The SQLite database is filled before the bot starts: 500 Slack teams (10 team channels in each of 50
OAuth-installed workspaces) and 500 Discord teams, 100 members each, with last week's five revealed rounds
(every member answered: 500,000 answers) and the aggregates the boards read. FakeDiscord has 1,000 guilds —
one per Discord team plus 500 servers where the bot is present but nobody has set a team up yet — and sends a
GUILD_CREATE for each; like Discord for a bot without the presences intent, those carry only the bot's own
member (member_count says 101), so the members live in the database, not in the gateway payloads.

The bot is one process (`bench/memory_worker.py`: the production composition on a manual clock). Baseline:
its peak RSS (VmHWM) once built — settings, database, content, engine, HTTP server, both SDKs imported and
adapters constructed — before any adapter connects. Then it connects (Slack Socket Mode, the Discord gateway
with every GUILD_CREATE) and runs Monday's 09:30 tick (1,000 rounds posted, reactions seeded); one member in
ten of every team then answers on the platform (a Socket Mode reaction event or a gateway reaction dispatch:
10,000 events, each stored and answered with a private receipt), the other nine in ten are written to the
database by this process as the engine would store them; then the 13:31 tick re-reads, scores and reveals
every round; last, one recap chart is drawn as the adapters draw it (in the chart process, so matplotlib
never loads in the bot's). Value: the process's VmHWM at the end, from /proc/<pid>/status. Target: ≤ 120 MB (quick: ≤ 100 MB).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk.oauth.installation_store.models.installation import Installation

from bench.common import Result, Target
from bot.adapters.slack.adapter import SCOPES
from bot.adapters.slack.installation_store import RepositoryInstallationStore
from bot.adapters.slack.translate import PARTY_REACTION
from bot.core.events import ChannelRef
from bot.core.leaderboard import Period, period_key
from bot.core.messages import OPTIONS
from bot.core.model import TeamSettings
from bot.core.schedule_math import post_at
from storage.db import ms
from storage.repository import rebuild_buckets
from storage.sqlite import SqliteRepository
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import FakeSlack

MONDAY = date(2026, 11, 30)
LAST_WEEK = [MONDAY - timedelta(days=7 - d) for d in range(5)]
CHANNELS_PER_WORKSPACE = 10
CHOICES = ("aws", "customer", "shared")
WITHIN = 600.0  # every step is bounded: the benchmark stops by itself
MB = 1024 * 1024
TARGET = Target(full="≤ 120 MB", quick="≤ 100 MB (a tenth of the teams, members and guilds)")
LIVE_SHARE = 10  # one member in ten answers through the platform (events, receipts); the rest are stored
IN_FLIGHT = 16  # reactions per platform under way at once


def status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (bytes) of a process, as the kernel reports them, and VmRSS's two parts: RssAnon (what the
    process allocated) and RssFile (pages of its libraries mapped in — how many depends on the kernel and its
    page cache, so this part can differ between machines running the same code)."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0]) * 1024
    return out


async def populate(repo: SqliteRepository, people: dict[ChannelRef, list[str]], seed: int = 1) -> None:
    """Teams due Monday 09:30 UTC, each with last week's five revealed rounds and its aggregates."""
    settings = TeamSettings()
    due = (MONDAY, post_at(settings, MONDAY))
    created = datetime.combine(LAST_WEEK[0], datetime.min.time(), UTC) - timedelta(days=30)
    channels = list(people)
    team_ids = [
        (await repo.save_team(c, f"team {i}", settings, due, created)).id for i, c in enumerate(channels)
    ]
    rng = random.Random(seed)
    db = repo.db
    async with db.transaction() as tx:
        round_id = 0
        for t, team_id in enumerate(team_ids):
            for day in LAST_WEEK:
                round_id += 1
                start = ms(post_at(settings, day))
                await tx.execute(
                    "INSERT INTO rounds (id, team_id, local_date, scenario_id, topic, state, closes_at, "
                    "claimed_at, message_id, posted_at, revealed_at, reveal_message_id) "
                    "VALUES ($1, $2, $3, $4, 'patching', 'revealed', $5, $6, $7, $6, $5, $8)",
                    round_id, team_id, day.isoformat(), f"old-{round_id % 50}", start + 14_400_000, start,
                    f"m{round_id}", f"r{round_id}",
                )  # fmt: skip
                rows = []
                for m, user_id in enumerate(people[channels[t]]):
                    right = rng.random() < 0.6
                    rows.append((round_id, user_id, f"Member {m}", rng.choice(CHOICES),
                                 start + rng.randint(0, 14_000_000), "live", int(right), 10 if right else 0))  # fmt: skip
                await tx.executemany(
                    "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source, correct, "
                    "points) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    rows,
                )
    periods = [("all", "0000-00-00"), (period_key(Period.WEEK, LAST_WEEK[0]), LAST_WEEK[0].isoformat()),
               (period_key(Period.MONTH, LAST_WEEK[0]), LAST_WEEK[0].replace(day=1).isoformat())]  # fmt: skip
    for period, since in periods:
        await db.execute(
            "INSERT INTO member_scores (team_id, period, user_id, display_name, points, answered, correct, acc_bp, "
            "first_answer_at) SELECT r.team_id, $1, a.user_id, MAX(a.display_name), SUM(a.points), COUNT(*), "
            "SUM(a.correct), SUM(a.correct) * 10000 / COUNT(*), MIN(a.answered_at) FROM answers a "
            "JOIN rounds r ON r.id = a.round_id WHERE r.local_date >= $2 GROUP BY r.team_id, a.user_id",
            period,
            since,
        )
        await db.execute(
            "INSERT INTO team_periods (team_id, period, rounds, answers, points, active_members) "
            "SELECT r.team_id, $1, COUNT(DISTINCT r.id), COUNT(*), SUM(a.points), COUNT(DISTINCT a.user_id) "
            "FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.local_date >= $2 GROUP BY r.team_id",
            period,
            since,
        )
        for team_id in team_ids:
            await rebuild_buckets(db, team_id, period)
    await db.execute(
        "INSERT INTO member_streaks (team_id, user_id, current, best, last_round_id) "
        "SELECT r.team_id, a.user_id, COUNT(*), COUNT(*), MAX(r.id) FROM answers a "
        "JOIN rounds r ON r.id = a.round_id GROUP BY r.team_id, a.user_id"
    )
    await db.execute(
        "INSERT INTO team_topics (team_id, topic, answered, correct) SELECT r.team_id, r.topic, COUNT(*), "
        "SUM(a.correct) FROM answers a JOIN rounds r ON r.id = a.round_id GROUP BY r.team_id, r.topic"
    )


async def answer_open_rounds(path: str, people: dict[ChannelRef, list[str]], live: int) -> int:
    """Most of a busy morning's answers, stored as the engine stores a live answer (members after the first
    `live` of each team), written by this process while the bot is idle between ticks."""
    repo = await SqliteRepository.open(path, migrate=False)
    try:
        by_channel = {
            r["channel_id"]: int(r["id"]) for r in await repo.db.fetch("SELECT id, channel_id FROM teams")
        }
        rounds = {int(r["team_id"]): (int(r["id"]), int(r["claimed_at"])) for r in await repo.db.fetch(
            "SELECT id, team_id, claimed_at FROM rounds WHERE local_date = $1 AND state = 'posted'",
            MONDAY.isoformat())}  # fmt: skip
        rng = random.Random(2)
        rows = []
        for channel, members in people.items():
            round_id, posted = rounds[by_channel[channel.channel_id]]
            for m, user_id in enumerate(members[live:], start=live):
                rows.append((round_id, user_id, f"Member {m}", rng.choice(CHOICES),
                             posted + rng.randint(1, 14_000_000), "live"))  # fmt: skip
        async with repo.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO answers (round_id, user_id, display_name, choice, answered_at, source) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                rows,
            )
        return len(rows)
    finally:
        await repo.close()


async def answer_live(
    fs: FakeSlack, fd: FakeDiscord, people: dict[ChannelRef, list[str]], live: int
) -> tuple[int, int]:
    """The first `live` members of every team react to today's post on the platform: in Slack a Socket Mode
    event, in Discord a gateway dispatch. The bot stores each answer and sends the member a private receipt
    (an ephemeral message in Slack, a DM in Discord). A steady stream, not one burst: IN_FLIGHT reactions per
    platform at a time, each done when Slack has its ack / Discord has delivered the receipt."""
    rng = random.Random(3)
    slack: list[tuple[str, str, str, str, str]] = []
    discord: list[tuple[int, int, int, str]] = []
    for channel, members in people.items():
        for user_id in members[:live]:
            option = rng.choice(OPTIONS)
            if channel.platform == "slack":
                ts = fs.workspaces[channel.workspace_id].posts(channel.channel_id)[0].ts
                slack.append(
                    (channel.workspace_id, user_id, channel.channel_id, ts, PARTY_REACTION[option.party])
                )
            else:
                message = int(fd.channel_messages(int(channel.channel_id))[0]["id"])
                discord.append((int(channel.channel_id), message, int(user_id), option.emoji))
    slack_gate, discord_gate = asyncio.Semaphore(IN_FLIGHT), asyncio.Semaphore(IN_FLIGHT)

    def receipts(user_id: int) -> int:
        dm = fd.dm_channels.get(user_id)
        return len(fd.messages.get(dm, [])) if dm is not None else 0

    async def on_slack(event: tuple[str, str, str, str, str]) -> None:
        async with slack_gate:
            await fs.react(*event)

    async def on_discord(event: tuple[int, int, int, str]) -> None:
        async with discord_gate:
            await fd.react(*event)
            await fd.wait_until(lambda: receipts(event[2]) >= 1, WITHIN)

    await asyncio.gather(*(on_slack(e) for e in slack), *(on_discord(e) for e in discord))
    return len(slack), len(discord)


async def settled(path: str, fs: FakeSlack, fd: FakeDiscord, answers: int, slack: int, discord: int) -> None:
    """Wait until the bot has stored every answer and every receipt has arrived. The bot is another process,
    so there is nothing to await: a short bounded poll of its database and of the fakes."""
    repo = await SqliteRepository.open(path, migrate=False)
    try:
        for _ in range(int(WITHIN / 0.25)):
            stored = await repo.db.fetchval(
                "SELECT COUNT(*) FROM answers a JOIN rounds r ON r.id = a.round_id WHERE r.local_date = $1",
                MONDAY.isoformat(),
            )
            ephemerals = sum(len(ws.ephemerals) for ws in fs.workspaces.values())
            dms = sum(len(fd.messages.get(c, [])) for c in fd.dm_channels.values())
            if stored >= answers and ephemerals >= slack and dms >= discord:
                return
            await asyncio.sleep(0.25)
        raise RuntimeError(
            f"the bot stored {stored}/{answers} answers, receipts {ephemerals}/{slack}, {dms}/{discord}"
        )
    finally:
        await repo.close()


class Bot:
    """The worker process and its line protocol."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> dict[str, Any]:
        err = self.log.open("ab")  # the child inherits the descriptor; ours is closed at once
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.memory_worker", f"{MONDAY.isoformat()}T09:00:00+00:00",
                env=self.env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=err,
            )  # fmt: skip
        finally:
            err.close()
        return await self.reply()

    async def reply(self) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), WITHIN)
        if not line:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the bot process ended early: {tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def ask(self, command: str) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self.reply()

    def memory(self) -> dict[str, int]:
        assert self.proc is not None
        return status(self.proc.pid)

    async def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 60)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def _teams(
    path: str, fs: FakeSlack, fd: FakeDiscord, n_slack: int, n_discord: int, guilds: int, members: int
) -> dict[ChannelRef, list[str]]:
    """The Slack workspaces (installed in the bot's database), channels and people; the Discord guilds and
    members; and every team's history (`populate`). Returns each team channel's people."""
    repo = await SqliteRepository.open(path)
    try:
        store = RepositoryInstallationStore(repo)
        people: dict[ChannelRef, list[str]] = {}
        for i in range(n_slack):
            team_id, channel_id = f"T{i // CHANNELS_PER_WORKSPACE:04d}", f"C{i:05d}"
            if team_id not in fs.workspaces:
                ws = fs.add_workspace(team_id, f"acme-{team_id.lower()}")
                await store.async_save(Installation(
                    app_id="A0FAKEAPP", team_id=team_id, team_name=ws.name, bot_token=ws.token,
                    bot_id=ws.bot_id, bot_user_id=ws.bot_user_id, bot_scopes=list(SCOPES), user_id="UADMIN"))  # fmt: skip
            fs.add_channel(team_id, channel_id, f"cloud-team-{i}")
            uids = [f"U{i:05d}{m:03d}" for m in range(members)]
            for m, uid in enumerate(uids):
                fs.add_user(team_id, uid, f"Member {m}")
            people[ChannelRef("slack", team_id, channel_id)] = uids
        for i in range(guilds):
            guild = fd.add_guild(f"server {i}", channels=("aws-study", "general", "random"))
            if i < n_discord:
                channel = ChannelRef("discord", str(guild.id), str(next(iter(guild.channels))))
                people[channel] = [str(fd.add_member(guild, f"member{m}").id) for m in range(members)]
        await populate(repo, people)
    finally:
        await repo.close()
    return people


async def run(quick: bool) -> Result:
    teams, members = (100, 100) if quick else (1_000, 100)
    live = members // LIVE_SHARE
    n_slack = teams // 2
    n_discord = teams - n_slack
    guilds = teams  # one per Discord team, and as many again without a team
    fs = await FakeSlack().start()
    fd = await FakeDiscord().start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            path = str(Path(tmp) / "memory.db")
            people = await _teams(path, fs, fd, n_slack, n_discord, guilds, members)
            env = {
                k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "DATABASE_"))
            }
            env.update(
                DATABASE_URL=f"sqlite:///{path}", SLACK_APP_TOKEN=fs.app_token, SLACK_CLIENT_ID=fs.client_id,
                SLACK_CLIENT_SECRET=fs.client_secret, SLACK_STATE_SECRET="bench-state-secret-0123456789",
                SLACK_API_BASE_URL=fs.api_url, DISCORD_TOKEN=fd.token, DISCORD_API_BASE_URL=fd.rest_url,
                DISCORD_GATEWAY_URL=fd.gateway_url, HTTP_HOST="127.0.0.1", HTTP_PORT="0", LOG_FORMAT="json",
            )  # fmt: skip
            bot = Bot(env, Path(tmp) / "bot.log")
            try:
                built = await bot.start()
                baseline = bot.memory()
                connected = await bot.ask("connect")
                after_connect = bot.memory()
                posted = await bot.ask(f"tick {MONDAY.isoformat()}T09:30:00+00:00")
                after_post = bot.memory()
                stored = await answer_open_rounds(path, people, live)
                slack_live, discord_live = await answer_live(fs, fd, people, live)
                await settled(path, fs, fd, teams * members, slack_live, discord_live)
                after_answers = bot.memory()
                revealed = await bot.ask(f"tick {MONDAY.isoformat()}T13:31:00+00:00")
                after_reveal = bot.memory()
                charted = await bot.ask("chart")  # a recap chart: drawn in the chart process, not here
                final = bot.memory()
                await bot.ask("lookup")  # after the peak is read: shown beside the row, not in it
                looked_up = bot.memory()
            finally:
                await bot.stop()
    finally:
        await fs.stop()
        await fd.stop()
    if built.get("adapters") != ["slack", "discord"] or connected.get("guilds") != guilds:
        raise RuntimeError(f"the bot did not connect as expected: {built} {connected}")
    if posted.get("posted") != teams or revealed.get("revealed") != teams:
        raise RuntimeError(f"not every round was served: {posted} {revealed}")
    peak = final["VmHWM"] / MB
    base = baseline["VmHWM"] / MB
    return Result(
        "memory", round(peak, 1), "MB peak RSS (VmHWM)", round(base, 1), round(peak / base, 2), TARGET.of(quick),
        peak <= (100 if quick else 120),
        f"{teams} teams, {teams * members} members, {guilds} guilds; RSS built {baseline['VmRSS'] / MB:.0f} MB, "
        f"connected {after_connect['VmRSS'] / MB:.0f} MB, after posting {after_post['VmRSS'] / MB:.0f} MB, "
        f"after {slack_live + discord_live} live answers with receipts ({stored} more stored directly) "
        f"{after_answers['VmRSS'] / MB:.0f} MB, after revealing {after_reveal['VmRSS'] / MB:.0f} MB, after a "
        f"recap chart ({charted.get('bytes', 0) // 1024} KB PNG, drawn out of process) {final['VmRSS'] / MB:.0f} MB "
        f"(anonymous {final['RssAnon'] / MB:.0f} MB, libraries' file pages {final['RssFile'] / MB:.0f} MB); "
        f"the first lookup (its index) adds {(looked_up['VmRSS'] - final['VmRSS']) / MB:.1f} MB",
    )  # fmt: skip


if __name__ == "__main__":
    print(asyncio.run(run(quick=True)))
