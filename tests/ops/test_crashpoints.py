"""Crash points kill the process only where and when the harness asks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import FileClock

CODE = (
    "from bot.faults import crashpoint\nfor _ in range(3):\n    crashpoint('after-claim')\nprint('alive')\n"
)
ROOT = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("RESPBOT_CRASH")}
    full.update(PYTHONPATH=str(ROOT), **env)
    return subprocess.run([sys.executable, "-c", CODE], env=full, capture_output=True, text=True, timeout=60)


def test_off_by_default_and_for_other_points() -> None:
    assert _run({}).stdout.strip() == "alive"
    assert _run({"RESPBOT_CRASH_AT": "mid-scoring"}).stdout.strip() == "alive"


def test_kills_on_the_nth_hit() -> None:
    assert _run({"RESPBOT_CRASH_AT": "after-claim", "RESPBOT_CRASH_AFTER": "2"}).returncode == -signal.SIGKILL
    assert _run({"RESPBOT_CRASH_AT": "after-claim", "RESPBOT_CRASH_AFTER": "4"}).stdout.strip() == "alive"


def test_file_clock_reads_the_instant(tmp_path: Path) -> None:
    path = tmp_path / "now"
    path.write_text("2026-11-30T09:30:00+01:00", encoding="utf-8")
    assert FileClock(str(path)).now() == datetime(2026, 11, 30, 8, 30, tzinfo=UTC)
