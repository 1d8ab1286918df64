"""Security on both platforms, end to end through the fakes: admin-only commands are refused to everyone else
and every admin action lands in the audit log admins read; and no secret — tokens, signing and client
secrets, the database password — reaches a log line, an error message, a reply or the CLI's output, whatever
fails."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.adapter import SlackAdapter
from bot.config import Settings
from bot.core.commands import TABLE
from bot.core.events import Event
from bot.core.messages import Card
from bot.core.ports import Repository
from bot.logging_setup import configure_logging, secret_values
from storage import open_repository
from storage.sqlite import SqliteRepository
from tests.adapters.discord.conftest import start_bot
from tests.adapters.discord.helpers import channel_of, command, text_of
from tests.adapters.slack.conftest import CHANNEL, TEAM, build_world, close_world, populate, slack_settings
from tests.fakes.fake_discord import FakeDiscord
from tests.fakes.fake_slack import FakeSlack

#: Admin commands with the arguments that make them do something if they were allowed.
ADMIN_TEXT = {
    "setup": "setup time 09:30 tz UTC",
    "pause": "pause",
    "resume": "resume",
    "post-now": "post-now",
    "export": "export all",
    "onboarding": "onboarding",
    "flags": "flags clear s-001",
    "audit": "audit",
    "dashboard": "dashboard",
    "review": "review approve 1",
}
DISCORD_OPTIONS: dict[str, dict[str, Any]] = {
    "review": {"action": "approve", "number": "1"},
    "setup": {"time": "09:30", "tz": "UTC"},
    "export": {"period": "all"},
    "flags": {"clear": "s-001"},
}
REFUSED = "is for admins"


def test_every_admin_command_is_covered() -> None:
    assert set(ADMIN_TEXT) == {spec.name for spec in TABLE if spec.admin}


async def _counts(repo: Repository) -> dict[str, int]:
    assert isinstance(repo, SqliteRepository)
    tables = [r["name"] for r in await repo.db.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: int(await repo.db.fetchval(f'SELECT COUNT(*) FROM "{t}"')) for t in tables}


@pytest.fixture
def db(sqlite_repo: Repository) -> Repository:
    """The shared SQLite repository fixture (tests/conftest.py) under this suite's name."""
    return sqlite_repo


# Admin-only, and audited ----------------------------------------------------------------------------------
async def test_slack_admin_commands_are_refused_to_members_and_audited_for_admins(db: Repository) -> None:
    fake = await FakeSlack().start()
    ws = populate(fake)
    world = await build_world(fake, db, "http", slack_settings(fake, "http", slack_bot_token=ws.token))
    try:
        (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
        assert reply.text.startswith("✅")
        before = await _counts(db)
        for name, text in ADMIN_TEXT.items():
            (refusal,) = await fake.command(TEAM, "UANN", CHANNEL, text)
            assert REFUSED in refusal.text and f"`{name}`" in refusal.text, (name, refusal.text)
            assert refusal.body["response_type"] == "ephemeral"
        assert await _counts(db) == before  # nothing changed, nothing audited
        assert ws.posts(CHANNEL) == [] and fake.uploads == {}

        (flagged,) = await fake.command(TEAM, "UANN", CHANNEL, "flag s-001 the answer looks wrong")
        assert "flagged" in flagged.text  # an open flag, so that clearing it is a real admin action
        for text in ("pause", "resume", "post-now", "export all", "flags clear s-001"):
            await fake.command(TEAM, "UADMIN", CHANNEL, text)
        (audit,) = await fake.command(TEAM, "UADMIN", CHANNEL, "audit")
        lines = [line for line in audit.text.splitlines() if line.startswith("•")]
        actions = [line.split(" — ")[2].split(":")[0] for line in lines]
        assert actions == ["flags-clear", "export", "post-now", "resume", "pause", "setup"], audit.text
        assert all(" — UADMIN — " in line for line in lines), lines  # who did it
        (refusal,) = await fake.command(TEAM, "UANN", CHANNEL, "audit")
        assert REFUSED in refusal.text and "flags-clear" not in refusal.text
    finally:
        await close_world(world)
        await fake.stop()


async def test_discord_admin_commands_are_refused_to_members_and_audited_for_admins(db: Repository) -> None:
    fake = await FakeDiscord().start()
    guild = fake.add_guild("Acme", channels=("aws-study",), roles=("Respbot Admin",))
    admin = fake.add_member(guild, "alice", admin=True)
    ann = fake.add_member(guild, "ann")
    channel = channel_of(guild)
    bot = await start_bot(fake, db)
    try:
        (reply,) = await command(bot, guild, admin, "setup", channel, time="09:30", tz="UTC")
        assert text_of(reply).startswith("✅")
        before, syncs = await _counts(db), list(fake.command_syncs)
        for name in ADMIN_TEXT:
            (refusal,) = await command(bot, guild, ann, name, channel, **DISCORD_OPTIONS.get(name, {}))
            assert REFUSED in text_of(refusal) and f"`{name}`" in text_of(refusal), name
            assert refusal["flags"] & 64 and not refusal["attachments"]
        assert await _counts(db) == before and fake.command_syncs == syncs
        assert fake.channel_messages(channel) == []

        (flagged,) = await command(bot, guild, ann, "flag", channel, scenario="s-001", reason="looks wrong")
        assert "flagged" in text_of(flagged)  # an open flag, so that clearing it is a real admin action
        for name in ("pause", "resume", "post-now", "export", "flags"):
            await command(bot, guild, admin, name, channel, **DISCORD_OPTIONS.get(name, {}))
        (audit,) = await command(bot, guild, admin, "audit", channel)
        lines = [line for line in text_of(audit).splitlines() if line.startswith("•")]
        actions = [line.split(" — ")[2].split(":")[0] for line in lines]
        assert actions == ["flags-clear", "export", "post-now", "resume", "pause", "setup"], text_of(audit)
        assert all(f" — {admin.id} — " in line for line in lines), lines  # who did it
    finally:
        await bot.adapter.stop()
        await fake.stop()


# Secrets --------------------------------------------------------------------------------------------------
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-9999-SEKRIT-bot-token-4f1c",
    "SLACK_APP_TOKEN": "xapp-1-SEKRIT-app-token-77e2",
    "SLACK_SIGNING_SECRET": "SEKRITsigningsecret0b9a",
    "SLACK_CLIENT_SECRET": "SEKRITclientsecret51d3",
    "DISCORD_TOKEN": "SEKRIT.discord.token.Mz8x",
}
DB_PASSWORD = "SEKRITdbpass-6ab0"


def leaks(text: str) -> list[str]:
    """Which secrets (or recognisable parts of them) appear in `text`."""
    return [s for s in [*SECRETS.values(), DB_PASSWORD, "SEKRIT"] if s in text]


@pytest.fixture
def every_log_line() -> Iterator[io.StringIO]:
    """The production handler at DEBUG on the root logger — every logger's records, ours and slack_bolt's,
    slack_sdk's, discord.py's and aiohttp's — with the secrets registered as the app does at start."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    values = [*SECRETS.values(), DB_PASSWORD]
    configure_logging("DEBUG", "json", stream=buffer, secrets=values)
    try:
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        configure_logging_reset()


def configure_logging_reset() -> None:
    from bot.logging_setup import LEVEL_GUARDED, NEVER_DEBUG, register_secrets

    register_secrets(())
    for name in (*LEVEL_GUARDED, *NEVER_DEBUG):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_secret_values_come_from_every_secret_setting_and_the_database_url() -> None:
    values: dict[str, Any] = {
        "slack_bot_token": SECRETS["SLACK_BOT_TOKEN"],
        "slack_app_token": SECRETS["SLACK_APP_TOKEN"],
        "slack_signing_secret": SECRETS["SLACK_SIGNING_SECRET"],
        "slack_client_id": "1111.2222",
        "slack_client_secret": SECRETS["SLACK_CLIENT_SECRET"],
        "discord_token": SECRETS["DISCORD_TOKEN"],
        "database_url": f"postgresql://bot:{DB_PASSWORD}@127.0.0.1:1/respbot",
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert set(secret_values(settings)) == {*SECRETS.values(), DB_PASSWORD}


async def _no_events(event: Event) -> Sequence[Card]:
    return []


async def test_slack_failures_leak_no_secret(db: Repository, every_log_line: io.StringIO) -> None:
    """A bot token Slack refuses, an app token it refuses, requests signed with a wrong secret, 401s and
    5xx from the Web API, and an exception inside a handler (the database failing with its URL in the
    message): nothing the bot logs, raises or answers contains a secret."""
    fake = await FakeSlack(
        signing_secret=SECRETS["SLACK_SIGNING_SECRET"], app_token="xapp-1-the-right-one"
    ).start()
    errors: list[str] = []
    try:
        ws = populate(fake)
        base = {"slack_client_secret": SECRETS["SLACK_CLIENT_SECRET"]}
        refused = SlackAdapter.from_settings(
            slack_settings(fake, "http", slack_bot_token=SECRETS["SLACK_BOT_TOKEN"], **base),
            db,
            retry_pause=0,
        )
        with pytest.raises(RuntimeError) as bad_bot:
            await refused.start(_no_events)
        errors.append(str(bad_bot.value))
        assert "SLACK_BOT_TOKEN" in errors[-1]
        bad_app = SlackAdapter.from_settings(
            slack_settings(
                fake, "socket", slack_bot_token=ws.token, slack_app_token=SECRETS["SLACK_APP_TOKEN"], **base
            ),
            db,
            retry_pause=0,
        )
        with pytest.raises(RuntimeError, match="SLACK_APP_TOKEN") as bad_app_token:
            await asyncio.wait_for(bad_app.start(_no_events), 5)  # refused at once, not retried forever
        errors.append(str(bad_app_token.value))
        await bad_app.stop()

        world = await build_world(
            fake, db, "http", slack_settings(fake, "http", slack_bot_token=ws.token, **base)
        )
        try:
            status, body = await fake.post_http(
                "slash_commands",
                fake.slash_command(TEAM, "UADMIN", CHANNEL, "help"),
                secret="not-the-signing-secret",
            )
            assert status == 401
            errors.append(body)
            (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC")
            fake.fail("users.info", 3, status=503)
            fake.fail("chat.postMessage", 4, status=500)
            (posted,) = await fake.command(TEAM, "UADMIN", CHANNEL, "post-now")

            async def broken(*args: object) -> None:
                raise RuntimeError(
                    f"connection to postgresql://bot:{DB_PASSWORD}@db:5432/respbot failed "
                    f"(token {SECRETS['SLACK_BOT_TOKEN']})"
                )

            world.repo.get_team = broken  # type: ignore[method-assign, assignment]
            (sorry,) = await fake.command(TEAM, "UANN", CHANNEL, "leaderboard week")
            seen = [reply.text, posted.text, sorry.text, *(m.text for m in ws.posts(CHANNEL))]
            seen += [e.text for e in ws.ephemerals] + [r.text for r in fake.responses]
            assert "went wrong" in sorry.text.lower()
            assert leaks("\n".join(seen)) == []
        finally:
            await close_world(world)
    finally:
        await fake.stop()
    log = every_log_line.getvalue()
    assert "failed" in log and "invalid_auth" in log  # the failures were logged …
    assert leaks(log) == [], [line for line in log.splitlines() if leaks(line)][:3]  # … without a secret
    assert leaks("\n".join(errors)) == [], errors


def test_library_debug_lines_are_not_built_when_the_bot_logs_at_info() -> None:
    """slack_sdk and slack-bolt build a debug line (a whole request body, for slack_sdk) whenever
    `logger.level <= DEBUG` on their own logger, which an unset level passes."""
    from bot.logging_setup import LEVEL_GUARDED, NEVER_DEBUG

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO", stream=io.StringIO())
        for name in (*LEVEL_GUARDED, *NEVER_DEBUG):
            assert not logging.getLogger(name).level <= logging.DEBUG, name  # the libraries' own test
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        configure_logging_reset()


async def test_response_urls_are_not_logged_even_at_debug(
    db: Repository, every_log_line: io.StringIO
) -> None:
    """A response_url lets whoever holds it post as the app for 30 minutes, and slack_sdk's webhook client
    prints it (and the reply) in its debug lines: that logger stays at INFO when the bot logs at DEBUG."""
    fake = await FakeSlack().start()
    try:
        ws = populate(fake)
        world = await build_world(fake, db, "http", slack_settings(fake, "http", slack_bot_token=ws.token))
        world.adapter.listeners.in_ack_within = None  # the answer goes on the response_url, not in the ack
        try:
            payload = fake.slash_command(TEAM, "UANN", CHANNEL, "help")
            rid = str(payload["response_url"]).rsplit("/", 1)[-1]
            await fake.deliver("slash_commands", payload)
            await fake.wait_until(lambda: bool(fake.responses_to(rid)))
        finally:
            await close_world(world)
    finally:
        await fake.stop()
    assert [r.via for r in fake.responses_to(rid)] == ["response_url"]
    log = every_log_line.getvalue()
    assert "slack_sdk.web" in log  # slack_sdk's other debug lines do reach the log at DEBUG …
    assert rid not in log  # … but not the response_url


async def test_discord_failures_leak_no_secret(db: Repository, every_log_line: io.StringIO) -> None:
    """A token Discord refuses at start, a token revoked while running (401 on every call), a 5xx, and an
    exception inside a handler: no secret in the logs, the errors or what people see."""
    fake = await FakeDiscord(token=SECRETS["DISCORD_TOKEN"]).start()
    errors: list[str] = []
    try:
        guild = fake.add_guild("Acme", channels=("aws-study",))
        admin = fake.add_member(guild, "alice", admin=True)
        channel = channel_of(guild)
        with pytest.raises(RuntimeError) as refused:
            await start_bot(fake, db, token=SECRETS["DISCORD_TOKEN"] + "x")
        errors.append(str(refused.value))

        bot = await start_bot(fake, db, token=SECRETS["DISCORD_TOKEN"])
        try:
            seen = [text_of(m) for m in await command(bot, guild, admin, "setup", channel, time="09:30")]
            fake.fail("POST", r"^/channels/\d+/messages$", 1, 503)
            seen += [text_of(m) for m in await command(bot, guild, admin, "post-now", channel)]

            async def broken(*args: object) -> None:
                raise RuntimeError(
                    f"db at postgresql://bot:{DB_PASSWORD}@db/respbot; {SECRETS['DISCORD_TOKEN']}"
                )

            bot.repo.get_team = broken  # type: ignore[method-assign, assignment]
            seen += [
                text_of(m) for m in await command(bot, guild, admin, "leaderboard", channel, period="week")
            ]
            fake.token = "revoked"  # every authenticated call now gets a 401
            with pytest.raises(Exception) as unauthorized:
                await bot.adapter.client.http.get_message(channel, 1)
            errors.append(f"{type(unauthorized.value).__name__}: {unauthorized.value}")
            seen += [text_of(m) for ms in fake.messages.values() for m in ms]
            seen += [text_of(m) for ms in fake.followups.values() for m in ms]
            assert any("went wrong" in s.lower() for s in seen)
            assert leaks("\n".join(seen)) == []
        finally:
            await bot.adapter.stop()
    finally:
        await fake.stop()
    log = every_log_line.getvalue()
    assert "401" in "\n".join(errors) and "failed" in log
    assert leaks(log) == [], [line for line in log.splitlines() if leaks(line)][:3]
    assert leaks("\n".join(errors)) == [], errors


async def test_a_bad_database_url_does_not_echo_its_password() -> None:
    url = f"postgresql://bot:{DB_PASSWORD}@127.0.0.1:1/respbot"
    with pytest.raises(Exception) as failed:
        await asyncio.wait_for(open_repository(url), 10)
    assert leaks(f"{type(failed.value).__name__}: {failed.value}") == []
    with pytest.raises(ValueError) as unsupported:
        await open_repository(f"mysql://bot:{DB_PASSWORD}@127.0.0.1/respbot")
    assert leaks(str(unsupported.value)) == [] and "mysql://bot:***@" in str(unsupported.value)


# The real process ---------------------------------------------------------------------------------------
async def _respbot_run(env: dict[str, str], within: float = 8.0) -> str:
    """`respbot run` as a real process; its output once it exits, or after `within` seconds (then killed)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))} | env,
        cwd=str(Path(__file__).parent.parent.parent),
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        output, _ = await process.communicate()
    return output.decode("utf-8", "replace")


@pytest.mark.parametrize(
    "case",
    ["slack-bad-tokens", "slack-bad-app-token", "discord-bad-token", "bad-database-url", "bad-setting"],
)
async def test_respbot_run_prints_no_secret(case: str, tmp_path: Path) -> None:
    slack = await FakeSlack().start()
    discord_fake = await FakeDiscord().start()
    try:
        ws = populate(slack)
        env = {
            "LOG_LEVEL": "DEBUG",
            "HTTP_PORT": "0",
            "HTTP_HOST": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
            "SLACK_API_BASE_URL": slack.api_url,
            "DISCORD_API_BASE_URL": discord_fake.rest_url,
            "DISCORD_GATEWAY_URL": discord_fake.gateway_url,
            **{k: v for k, v in SECRETS.items() if k != "SLACK_CLIENT_SECRET"},
        }
        if case == "discord-bad-token":
            env = {k: v for k, v in env.items() if not k.startswith("SLACK_")}
        elif case == "slack-bad-tokens":
            env = {k: v for k, v in env.items() if k != "DISCORD_TOKEN"}
        elif case == "slack-bad-app-token":  # the bot token is good: the app token is the one refused
            env = {k: v for k, v in env.items() if k != "DISCORD_TOKEN"} | {"SLACK_BOT_TOKEN": ws.token}
        elif case == "bad-database-url":
            env["DATABASE_URL"] = f"postgresql://bot:{DB_PASSWORD}@127.0.0.1:1/respbot"
        else:
            env["SLACK_MODE"] = "carrier-pigeon"
        output = await _respbot_run(env)
        assert output.strip(), "the process said nothing about its failure"
        assert leaks(output) == [], [line for line in output.splitlines() if leaks(line)][:3]
        if case == "slack-bad-tokens":
            assert "SLACK_BOT_TOKEN" in output  # it says which setting is wrong …
        if case == "slack-bad-app-token":
            assert "Slack refused SLACK_APP_TOKEN" in output  # … at once, instead of retrying forever
        if case == "discord-bad-token":
            assert "DISCORD_TOKEN" in output
        if case == "bad-setting":
            assert "SLACK_MODE" in output
    finally:
        await slack.stop()
        await discord_fake.stop()
