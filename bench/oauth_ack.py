"""`oauth_ack`: ack p99 in OAuth mode with 50 installed workspaces, against the single-workspace app in the
same run (see bench/ack.py, which measures it together with `ack` and `reply`)."""

from __future__ import annotations

from bench.ack import run_oauth as run

__all__ = ["run"]
