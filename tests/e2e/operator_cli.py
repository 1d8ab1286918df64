"""Running the real `respbot` as an operator would: a subprocess, its own environment, a time limit.

Every failing command must end in one line on stderr and a non-zero exit code — no traceback, no secret —
and must end at all: `timeout` turns a hang (a database thread keeping the process alive) into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: A command that should fail within seconds gets this long before the test calls it a hang.
HANG = 30


def respbot(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str = "",
    cwd: Path | None = None,
    prefix: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """`respbot ARGS` with only the settings given here (none of the caller's SLACK_/DISCORD_/DB settings)."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    full = {**keep, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [*prefix, sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=HANG,
        env=full,
        cwd=cwd or ROOT,
    )


def error_line(run: subprocess.CompletedProcess[str], *secrets: str) -> str:
    """The command failed the way an operator should see it; returns its one error line."""
    assert run.returncode not in (0, None), (run.returncode, run.stdout[-500:], run.stderr)
    everything = run.stdout + run.stderr
    assert "Traceback" not in everything, run.stderr
    for secret in secrets:
        assert secret not in everything, f"{secret!r} leaked: {everything}"
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    return lines[0]


def read_only_prefix(folder: Path) -> list[str]:
    """A command prefix under which `folder` is read-only, for root too: a private mount namespace with the
    folder bind-mounted read-only over itself. Skips where user namespaces are not available."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    unshare = shutil.which("unshare")
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    prefix = [unshare or "unshare", "-rm", "sh", "-c", script, str(folder)]
    probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=HANG) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip("cannot make a read-only folder as root here (no user namespaces)")
    return prefix
