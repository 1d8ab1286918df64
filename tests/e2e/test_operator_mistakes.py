"""Issue 12, items 9–13 and 15: an operator's mistakes end in one clear line and an exit code, promptly.

Each test runs the real `respbot` (tests/e2e/operator_cli.py): a hang fails by the subprocess time limit, a
traceback or a leaked secret fails by assertion.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from content.loader import load_bundle
from tests.conftest import PG_URL
from tests.e2e.operator_cli import error_line, read_only_prefix, respbot

PACK = """
pack: team pack
scenarios:
  - id: team-pack-only-scenario
    service: Amazon EC2
    model: iaas
    topic: patching
    difficulty: 1
    prompt: "Who patches the guest operating system on an EC2 instance?"
    answer: customer
    explanation: "On EC2 the customer owns the guest OS, so patching it is the customer's job."
    references: ["https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security.html"]
    reviewed: 2026-11-30
"""
BROKEN_PACK = "pack: broken\nscenarios:\n  - id: broken-one\n    service: EC2\n"
DISCORD = {"DISCORD_TOKEN": "x" * 24 + ".abcdef." + "y" * 27, "DISCORD_API_BASE_URL": "http://127.0.0.1:9"}


def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("these are meeting notes, not a SQLite database\n" * 20, encoding="utf-8")
    return path


# 9 ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["db upgrade", "demo", "run (console)", "run (platform)"])
def test_item09_not_a_sqlite_file_exits_quickly(tmp_path: Path, command: str) -> None:
    path = not_a_database(tmp_path)
    url = f"sqlite:///{path}"
    if command == "db upgrade":
        run = respbot("db", "upgrade", "--url", url)
    elif command == "demo":
        run = respbot("demo", "--db", url, "--script", "-")
    elif command == "run (console)":
        run = respbot("run", env={"DATABASE_URL": url})
    else:
        run = respbot("run", env={"DATABASE_URL": url, **DISCORD})
    line = error_line(run)
    assert str(path) in line and "not a SQLite database" in line


# 10 --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///"])
def test_item10_sqlite_url_without_a_file_is_refused(tmp_path: Path, url: str) -> None:
    for run in (
        respbot("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path),
        respbot("run", env={"DATABASE_URL": url}, cwd=tmp_path),
        respbot("demo", "--db", url, "--script", "-", cwd=tmp_path),
    ):
        line = error_line(run)
        assert "names no file" in line and "sqlite:///data/respbot.db" in line and "four slashes" in line
    assert list(tmp_path.iterdir()) == []  # nothing was created anywhere


@pytest.mark.parametrize("password", ["pa/ss#wo?rd", "s3cr/et99", "abc?defgh", "x#y@zzz", "123/secret"])
def test_item10_a_malformed_url_never_prints_its_password(tmp_path: Path, password: str) -> None:
    url = f"postgresql://bob:{password}@127.0.0.1:1/respbot"
    pieces = [p for p in password.replace("/", " ").replace("#", " ").replace("?", " ").split() if len(p) > 2]
    source = tmp_path / "a.db"
    assert respbot("db", "upgrade", "--url", f"sqlite:///{source}").returncode == 0
    for run in (
        respbot("db", "upgrade", "--url", url),
        respbot("db", "upgrade", env={"DATABASE_URL": url}),
        respbot("run", env={"DATABASE_URL": url, **DISCORD}),
        respbot("demo", "--db", url, "--script", "-"),
        respbot("db", "copy", "--from", f"sqlite:///{source}", "--to", url),
    ):
        line = error_line(run, password, *pieces)
        assert "bob:***@" in line and "percent-encode" in line


# 11 --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["demo", "learn"])
def test_item11_unsupported_url_is_one_line(command: str) -> None:
    line = error_line(respbot(command, "--db", "mysql://x", "--script", "-"))
    assert line.startswith("respbot: unsupported DATABASE_URL 'mysql://x'") and "sqlite:///" in line


@pytest.mark.parametrize("command", ["demo", "learn", "db upgrade", "run"])
def test_item11_read_only_sqlite_path_is_named(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    existing = folder / "bot.db"
    assert respbot("db", "upgrade", "--url", f"sqlite:///{existing}").returncode == 0
    for leftover in folder.glob("bot.db-*"):
        leftover.unlink()
    prefix = read_only_prefix(folder)
    fresh = f"sqlite:///{folder / 'new.db'}"
    if command == "demo":
        run = respbot("demo", "--db", fresh, "--script", "-", prefix=prefix)
    elif command == "learn":
        run = respbot("learn", "--db", fresh, "--script", "-", prefix=prefix)
    elif command == "db upgrade":
        run = respbot("db", "upgrade", "--url", f"sqlite:///{existing}", prefix=prefix)
    else:
        run = respbot("run", env={"DATABASE_URL": f"sqlite:///{existing}", **DISCORD}, prefix=prefix)
    line = error_line(run)
    assert str(folder) in line and "read-only" in line


def _with(url: str, *, user: str | None = None, database: str | None = None) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{user or parts.username}@{host}" if (user or parts.username) else host
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}" if database else parts.path))


@pytest.mark.postgres
@pytest.mark.parametrize("mistake", ["missing database", "unknown role"])
async def test_item11_db_copy_to_a_missing_database_or_role(
    tmp_path: Path, pg_schema: str, mistake: str
) -> None:
    assert PG_URL and pg_schema  # the fixture skips (or fails under REQUIRE_POSTGRES) without PostgreSQL
    source = f"sqlite:///{tmp_path / 'a.db'}"
    assert respbot("db", "upgrade", "--url", source).returncode == 0
    if mistake == "missing database":
        target = _with(PG_URL, database="respbot_no_such_database")
        expected = 'database "respbot_no_such_database" does not exist'
    else:
        target = _with(PG_URL, user="respbot_no_such_role")
        expected = 'role "respbot_no_such_role" does not exist'
    line = error_line(respbot("db", "copy", "--from", source, "--to", target))
    assert expected in line and line.startswith("respbot: cannot open postgresql://")


def test_item11_nul_in_a_setting_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_ADMIN_USERS=U1,U2\x00evil\n", encoding="utf-8")
    line = error_line(respbot("content", "validate", cwd=tmp_path))
    assert "SLACK_ADMIN_USERS" in line and "NUL" in line


# 12 --------------------------------------------------------------------------------------------------------
def test_item12_learn_continues_where_it_stopped(tmp_path: Path) -> None:
    lessons = load_bundle().lessons
    data = tmp_path / "xdg-data"
    env = {"XDG_DATA_HOME": str(data)}
    first = respbot("learn", "--script", "-", stdin=f"{lessons[0].check.correct + 1}\nq\n", env=env)
    assert first.returncode == 0, first.stderr
    where = data / "respbot" / "learn.db"
    assert where.is_file() and f"Your progress is saved in {where}" in first.stdout
    assert f"Lesson 1/{len(lessons)}" in first.stdout
    again = respbot("learn", "--script", "-", stdin="q\n", env=env)
    assert again.returncode == 0, again.stderr
    assert f"Lesson 1/{len(lessons)}" not in again.stdout and f"Lesson 2/{len(lessons)}" in again.stdout
    elsewhere = tmp_path / "mine.db"  # --db still chooses another place
    other = respbot("learn", "--db", f"sqlite:///{elsewhere}", "--script", "-", stdin="q\n", env=env)
    assert other.returncode == 0 and elsewhere.is_file() and f"Lesson 1/{len(lessons)}" in other.stdout


# 13 --------------------------------------------------------------------------------------------------------
def test_item13_run_without_a_token_uses_the_settings(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "team.yaml").write_text(PACK, encoding="utf-8")
    db = tmp_path / "kept.db"
    env = {"DATABASE_URL": f"sqlite:///{db}", "CONTENT_DIR": str(packs), "DEFAULT_TIMEZONE": "Asia/Tokyo"}
    run = respbot("run", env=env, stdin="a\n" * 5)
    assert run.returncode == 0, run.stderr
    assert "09:30 Asia/Tokyo" in run.stdout
    with sqlite3.connect(db) as conn:  # the demo's rounds are in DATABASE_URL
        assert conn.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] == 5
    again = respbot("run", env=env, stdin="a\n" * 5)  # a second run goes on after the kept days
    assert again.returncode == 0 and "(no round today)" not in again.stdout
    assert "Monday 08 June 2026" in again.stdout
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM rounds").fetchone()[0] == 10
    (packs / "broken.yaml").write_text(BROKEN_PACK, encoding="utf-8")
    line = error_line(respbot("run", env=env, stdin="a\n" * 5))
    assert "content error" in line and "broken-one" in line


def test_item13_content_validate_checks_content_dir(tmp_path: Path) -> None:
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "team.yaml").write_text(PACK, encoding="utf-8")
    ok = respbot("content", "validate", env={"CONTENT_DIR": str(packs)})
    assert ok.returncode == 0 and "content_dir_scenarios=1" in ok.stdout
    assert f"scenarios={len(load_bundle().scenarios) + 1}" in ok.stdout
    (packs / "broken.yaml").write_text(BROKEN_PACK, encoding="utf-8")
    bad = respbot("content", "validate", env={"CONTENT_DIR": str(packs)})
    assert bad.returncode == 1 and "broken-one" in bad.stderr and "Traceback" not in bad.stderr


# 15 --------------------------------------------------------------------------------------------------------
def test_item15_a_failed_start_says_why_once(tmp_path: Path) -> None:
    path = not_a_database(tmp_path)
    run = respbot("run", env={"DATABASE_URL": f"sqlite:///{path}", **DISCORD})
    line = error_line(run)
    assert "could not start" in line and str(path) in line
    assert "stopped cleanly" not in run.stderr and "log lines above" not in run.stderr


def test_item15_slack_bot_token_alone_names_both_ways(tmp_path: Path) -> None:
    token = "xoxb-1111-2222-abcdefghijklmnop"
    run = respbot("run", env={"SLACK_BOT_TOKEN": token, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    line = error_line(run, token)
    assert "SLACK_APP_TOKEN" in line and "Socket Mode" in line
    assert "SLACK_SIGNING_SECRET" in line and "HTTP mode" in line
    assert not (tmp_path / "x.db").exists()  # refused before anything was opened
