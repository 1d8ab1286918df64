"""Named places where the fault-injection harness can kill the process (tests/faults).

Off unless RESPBOT_CRASH_AT names a point: then the process SIGKILLs itself the N-th time it reaches it
(RESPBOT_CRASH_AFTER, default 1) — no cleanup, no flush, exactly like a power cut. Never set in production;
the harness sets it for one run and restarts the bot without it.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "after-claim",  # the round is claimed, nothing posted
    "mid-seeding",  # the platform has the post, its answer reactions are not seeded (in the adapters)
    "after-post",  # the platform has the post, we don't know its id yet
    "after-answer",  # an answer was stored
    "after-close",  # the round stopped taking answers, not scored
    "mid-scoring",  # inside the reveal transaction, before commit
    "after-scoring",  # scored, reveal message not posted
)

_TARGET = os.environ.get("RESPBOT_CRASH_AT", "")
_remaining = int(os.environ.get("RESPBOT_CRASH_AFTER", "1") or 1)


def crashpoint(name: str) -> None:
    global _remaining
    if name != _TARGET:
        return
    _remaining -= 1
    if _remaining <= 0:
        os.kill(os.getpid(), signal.SIGKILL)
