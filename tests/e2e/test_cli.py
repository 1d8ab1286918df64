"""The `respbot` command line, run as a person would run it (a real process, real files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from content.loader import load_bundle

ROOT = Path(__file__).resolve().parents[2]


def respbot(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd or ROOT,
    )


def test_demo_with_a_script_ends_with_the_boards(tmp_path: Path) -> None:
    script = tmp_path / "answers.txt"
    script.write_text("# one answer per working day\na\nc\ns\n\nc\nq\n", encoding="utf-8")
    run = respbot("demo", "--days", "10", "--seed", "1", "--script", str(script))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.count("❓ Who's responsible?") == 6  # day 6 is posted and revealed, then the script quits
    assert out.count("✅ Answer:") == 6
    tail = out[out.index("===== Leaderboards =====") :]
    assert "cloud-team — This week" in tail and "cloud-team — All time" in tail
    assert "Traceback" not in out + run.stderr
    again = respbot("demo", "--days", "10", "--seed", "1", "--script", str(script))
    assert again.stdout == out  # --seed repeats a run exactly


def test_demo_full_ten_days_from_stdin() -> None:
    run = respbot("demo", "--days", "10", "--seed", "2", "--script", "-", stdin="c\n" * 10)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("✅ Answer:") == 10
    assert "Monday 08 June 2026" in run.stdout  # two working weeks: the weekend was skipped


def test_lookup_json_answers_from_the_matrix() -> None:
    run = respbot("lookup", "ec2", "patch the guest operating system", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["party"] == "customer"
    run = respbot("lookup", "Amazon RDS", "database engine patching", "--json")
    payload = json.loads(run.stdout)
    assert payload["party"] == "aws" and set(payload) == {
        "question",
        "service",
        "control",
        "party",
        "confidence",
        "reason",
        "reference",
        "alternatives",
    }
    run = respbot("lookup", "who", "encrypts", "data", "in", "s3", "--json")
    assert run.returncode == 0 and json.loads(run.stdout)["service"] == "s3"


def test_lookup_unknown_service_and_unmatched_control_exit_1() -> None:
    run = respbot("lookup", "saturn", "rings")
    assert run.returncode == 1 and "Known services" in run.stderr and "ec2" in run.stderr
    run = respbot("lookup", "ec2", "banana smoothie", "--json")
    assert run.returncode == 1
    payload = json.loads(run.stdout)
    assert payload["party"] is None and payload["service"] == "ec2" and payload["alternatives"]


def test_lookup_eval_prints_the_figures(tmp_path: Path) -> None:
    run = respbot("lookup", "--eval", "tests/content/lookup_questions.tsv")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "holdout" in run.stdout and run.stdout.strip().splitlines()[-1].startswith("OK: right")
    bad = tmp_path / "bad.tsv"
    bad.write_text("question\tparty\tentries\tsplit\nwho patches rds\tmaybe\t\ttune\n", encoding="utf-8")
    run = respbot("lookup", "--eval", str(bad))
    assert run.returncode == 1 and "bad.tsv:2" in run.stderr


def test_content_validate_reports_counts_and_rejects_a_broken_pack(tmp_path: Path) -> None:
    run = respbot("content", "validate")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("OK ") and f"scenarios={len(load_bundle().scenarios)}" in run.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: bad\nscenarios:\n  - id: bad-one\n    service: EC2\n", encoding="utf-8")
    run = respbot("content", "validate", str(bad))
    assert run.returncode == 1
    assert str(bad) in run.stderr and "bad-one" in run.stderr and "field" in run.stderr


def test_learn_takes_a_person_through_the_course() -> None:
    lessons = load_bundle().lessons
    answers = "".join(f"{lesson.check.correct + 1}\n" for lesson in lessons)
    run = respbot("learn", "--script", "-", stdin=answers)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("📘 Lesson") == len(lessons)
    assert "Course complete" in run.stdout and f"{len(lessons)} of {len(lessons)}" in run.stdout


def test_db_upgrade_on_a_new_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.db"
    run = respbot("db", "upgrade", "--url", url)
    assert run.returncode == 0 and "applied 0001_initial.sql" in run.stdout
    run = respbot("db", "upgrade", "--url", url)
    assert run.returncode == 0 and "already up to date" in run.stdout


def test_discord_invite_url() -> None:
    run = respbot("discord", "invite-url", "--application-id", "123456789012345678")
    assert run.returncode == 0, run.stderr
    url = run.stdout.strip()
    assert url.startswith("https://discord.com/oauth2/authorize?") and "client_id=123456789012345678" in url
    assert "applications.commands" in url
    run = respbot("discord", "invite-url")
    assert run.returncode == 1 and "DISCORD_APPLICATION_ID" in run.stderr


def test_db_copy_between_two_sqlite_files(tmp_path: Path) -> None:
    source, target = f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db"
    demo = respbot("demo", "--days", "2", "--seed", "3", "--script", "-", "--db", source, stdin="a\nc\n")
    assert demo.returncode == 0, demo.stderr
    run = respbot("db", "copy", "--from", source, "--to", target)
    assert run.returncode == 0, run.stderr
    assert "answers" in run.stdout and "member_scores" in run.stdout
    again = respbot("db", "copy", "--from", source, "--to", target)
    assert again.returncode == 1 and "refused" in again.stderr  # the target is no longer empty


def test_run_without_a_platform_in_a_container_says_what_to_set() -> None:
    run = respbot("run", "--require-platform")
    assert run.returncode == 2 and "SLACK_BOT_TOKEN" in run.stderr and "DISCORD_TOKEN" in run.stderr
