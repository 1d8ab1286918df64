"""A slash command's answer in its acknowledgement, when the answer is ready in time.

Slack shows a message sent as the body of a slash command's ack (an "immediate response", ephemeral) just as
it shows one posted to the command's response_url. The ack is sent anyway, so an answer ready within
`IN_ACK_WITHIN` rides it: the person gets the reply one round trip to Slack sooner, and the bot makes one HTTP
exchange per command instead of two (a third of its CPU per command under load; docs/benchmarks.md).

An answer that takes longer must not hold the ack past Slack's 3-second deadline: at `IN_ACK_WITHIN` the
request is acknowledged empty, and the answer goes to the response_url when it is ready.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

#: How long an answer may take and still ride the ack. With the admission gate's patience (gate.py, 1 s) and
#: the network, the ack stays well inside Slack's 3 seconds; most answers take a few milliseconds.
IN_ACK_WITHIN = 0.5


class AckDeadline:
    """One request's ack: sent with the answer if it comes in time, empty at the deadline otherwise."""

    def __init__(self, ack: AsyncAck, within: float | None = IN_ACK_WITHIN) -> None:
        """`within=None`: acknowledge at once, so the answer always goes to the response_url."""
        self._ack = ack
        self.sent = False
        self._late: asyncio.Task[Any] | None = None  # the empty ack sent at the deadline (kept referenced)
        self._timer: asyncio.TimerHandle | None = None
        if within is None:
            self._ack_empty()
        else:
            self._timer = asyncio.get_running_loop().call_later(within, self._ack_empty)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _ack_empty(self) -> None:
        if not self.sent:
            self.sent = True
            self._late = asyncio.ensure_future(self._ack())

    async def with_message(self, text: str, blocks: list[dict[str, Any]] | None = None) -> bool:
        """True when the message went in the ack; False when the deadline had passed (reply elsewhere)."""
        self._stop_timer()
        if self.sent:
            return False
        self.sent = True
        try:
            await self._ack(text=text, blocks=blocks, response_type="ephemeral")
        except BaseException:
            self.sent = False  # not acknowledged: the caller's apology, or `empty()`, still can be
            raise
        return True

    async def empty(self) -> None:
        """Acknowledge without a message, unless that was done already."""
        self._stop_timer()
        if not self.sent:
            self.sent = True
            await self._ack()
