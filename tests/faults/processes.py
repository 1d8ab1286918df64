"""The harness's view of the other processes: the fakes, the bot, the clock file and the database file.

Waits are on events and pipes, never on sleeps (see BotProcess).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from tests.faults.plan import ROOT, STEP_TIMEOUT, HarnessError

#: Straight to 127.0.0.1: never through a proxy that the environment may name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _post(url: str, body: dict[str, Any], timeout: float = 20.0) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with _OPENER.open(request, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
    return result


def _get(url: str, timeout: float = 20.0) -> dict[str, Any]:
    with _OPENER.open(url, timeout=timeout) as response:
        result: dict[str, Any] = json.loads(response.read())
    return result


class Fakes:
    """The fakes process (FakeSlack + FakeDiscord + control API), one per test."""

    def __init__(self, teams: int, people: int) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.faults.fakes_process",
                "--teams",
                str(teams),
                "--people",
                str(people),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # waits on the process's output: its one JSON line
        if not line:
            raise HarnessError(f"the fakes process exited before it started (code {self.proc.wait()})")
        self.info: dict[str, Any] = json.loads(line)
        self.url = str(self.info["control"])

    def react(self, platform: str, channel: str, message: str, user: str, option: str, deliver: bool) -> bool:
        body = {
            "platform": platform,
            "channel": channel,
            "message": message,
            "user": user,
            "option": option,
            "deliver": deliver,
        }
        return bool(_post(self.url + "/react", body)["sent"])

    def snapshot(self, platform: str) -> dict[str, Any]:
        return _get(f"{self.url}/snapshot?platform={platform}")

    def arm_kill(self, platform: str, pid: int, kind: str) -> None:
        _post(self.url + "/arm-kill", {"platform": platform, "pid": pid, "kind": kind})

    def disarm(self) -> None:
        _post(self.url + "/arm-kill", {"pid": 0})

    def command(self, platform: str, channel: str, text: str, options: dict[str, str]) -> str:
        body = {"platform": platform, "channel": channel, "text": text, "options": options}
        return str(_post(self.url + "/command", body)["reply"])

    def forget_nonces(self) -> None:
        _post(self.url + "/forget-nonces", {})

    def teams_bot(self, url: str) -> None:
        _post(self.url + "/teams-bot", {"url": url})

    def plant_duplicate(self, platform: str, channel: str, key: str, parent: str | None) -> None:
        _post(
            self.url + "/plant-duplicate",
            {"platform": platform, "channel": channel, "key": key, "parent": parent},
        )

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the fakes process stops when its input closes
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class BotProcess:
    """One run of `python -m bot run`. Its output goes to a log file; a reader thread signals readiness
    (the app's "running with" line) and exit (end of output), so waits are on events, not on sleeps."""

    READY = "running with"

    def __init__(self, env: dict[str, str], workdir: Path, log_path: Path) -> None:
        self.log_path = log_path
        self.ready = threading.Event()
        self.exited = threading.Event()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=workdir,  # no .env there: the settings are exactly `env`
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        with open(self.log_path, "w", encoding="utf-8") as log:
            for line in stream:
                log.write(line)
                log.flush()
                if self.READY in line:
                    self.ready.set()
        self.exited.set()
        self.ready.set()  # wake a start() waiting for readiness

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60.0) -> float:
        if not self.ready.wait(timeout) or self.exited.is_set():
            self.kill()
            raise HarnessError(f"the bot did not start:\n{self.tail()}")
        return time.monotonic() - self.started

    def alive(self) -> bool:
        return not self.exited.is_set() and self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float = STEP_TIMEOUT) -> int:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout)
        return code

    def stop(self) -> int:
        """Graceful stop (SIGTERM), as an orchestrator does; SIGKILL if it does not finish in time."""
        if self.proc.poll() is not None:
            return self.wait()
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            return -signal.SIGKILL

    def tail(self, lines: int = 40) -> str:
        try:
            return "".join(self.log_path.read_text(encoding="utf-8").splitlines(True)[-lines:])
        except OSError:
            return "(no log)"


class Clock:
    """The bot's FileClock: an ISO instant in a file, written atomically; only ever moves forward."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self.now = start
        self._write()

    def _write(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(self.now.isoformat(), encoding="utf-8")
        os.replace(tmp, self.path)

    def at_least(self, when: datetime) -> None:
        if when > self.now:
            self.now = when
            self._write()

    def advance(self, delta: timedelta) -> None:
        self.now += delta
        self._write()


class Db:
    """Read-only questions to the bot's SQLite file, from outside the bot."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, *args: object) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql, args))
        finally:
            conn.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
