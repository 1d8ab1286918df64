"""`reply`: from a slash command's request to its reply on response_url, at 50 in flight (see bench/ack.py,
which measures it together with `ack` and `oauth_ack`)."""

from __future__ import annotations

from bench.ack import run_reply as run

__all__ = ["run"]
