"""A slash command's answer rides its ack when it is ready in time (Slack's immediate response), else the
request is acknowledged empty at the deadline and the answer follows on the response_url — in both modes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from bot.adapters.slack.ack_reply import AckDeadline
from bot.core.events import Event
from bot.core.messages import Card
from tests.adapters.slack.conftest import CHANNEL, TEAM, SlackWorld


async def test_a_quick_answer_is_the_ack_itself(world: SlackWorld) -> None:
    (reply,) = await world.fake.command(TEAM, "UANN", CHANNEL, "help")
    assert reply.via == "ack" and "Commands" in reply.text
    assert reply.body["response_type"] == "ephemeral"  # only the person who asked sees it
    assert reply.body["blocks"], "the same Block Kit message as on the response_url"
    await world.settle()
    assert [r.via for r in world.fake.responses] == ["ack"]  # nothing posted on the response_url


async def test_a_slow_answer_is_acked_empty_at_the_deadline_and_follows_on_the_response_url(
    world: SlackWorld,
) -> None:
    world.adapter.listeners.in_ack_within = 0.01
    release = asyncio.Event()
    deliver = world.adapter.listeners.deliver

    async def slow(event: Event) -> Sequence[Card]:
        await release.wait()  # the answer is not ready until the test says so
        return await deliver(event)

    world.adapter.listeners.deliver = slow
    payload = world.fake.slash_command(TEAM, "UANN", CHANNEL, "help")
    rid = str(payload["response_url"]).rsplit("/", 1)[-1]
    await asyncio.wait_for(world.fake.deliver("slash_commands", payload), 5)  # acked while still blocked
    assert world.fake.responses_to(rid) == []  # an empty ack: only an acknowledgement
    release.set()
    await world.fake.wait_until(lambda: bool(world.fake.responses_to(rid)))
    (reply,) = world.fake.responses_to(rid)
    assert reply.via == "response_url" and "Commands" in reply.text
    assert world.fake.late_acks == []


async def test_a_failure_inside_the_answer_is_apologised_for_in_the_ack(
    world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(event: Event) -> Sequence[Card]:
        raise RuntimeError("the engine fell over")

    world.adapter.listeners.deliver = broken
    (reply,) = await world.fake.command(TEAM, "UANN", CHANNEL, "leaderboard")
    assert reply.via == "ack" and "went wrong on our side" in reply.text
    assert any("answering a slash command failed" in r.getMessage() for r in caplog.records)


async def test_a_failure_after_the_deadline_is_apologised_for_on_the_response_url(world: SlackWorld) -> None:
    world.adapter.listeners.in_ack_within = 0.01
    release = asyncio.Event()

    async def broken_late(event: Event) -> Sequence[Card]:
        await release.wait()
        raise RuntimeError("the engine fell over after the ack")

    world.adapter.listeners.deliver = broken_late
    payload = world.fake.slash_command(TEAM, "UANN", CHANNEL, "leaderboard")
    rid = str(payload["response_url"]).rsplit("/", 1)[-1]
    await asyncio.wait_for(world.fake.deliver("slash_commands", payload), 5)  # acked empty meanwhile
    release.set()
    await world.fake.wait_until(lambda: bool(world.fake.responses_to(rid)))
    (reply,) = world.fake.responses_to(rid)
    assert reply.via == "response_url" and "went wrong on our side" in reply.text


class RecordingAck:
    """bolt's `ack` as the listener sees it: records what each call carried."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.called = asyncio.Event()

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)
        self.called.set()


async def test_the_deadline_acks_once_and_a_late_message_is_refused() -> None:
    ack = RecordingAck()
    acked = AckDeadline(ack, 0)  # type: ignore[arg-type]
    await asyncio.wait_for(ack.called.wait(), 5)  # the deadline passed: acknowledged empty
    assert not await acked.with_message("too late")  # the caller replies on the response_url instead
    await acked.empty()
    assert ack.calls == [{}]


async def test_a_message_in_time_is_the_only_ack() -> None:
    ack = RecordingAck()
    acked = AckDeadline(ack, 0)  # type: ignore[arg-type]
    assert await acked.with_message("hello", [{"type": "section"}])  # before the loop ran the timer
    await acked.empty()
    assert ack.calls == [{"text": "hello", "blocks": [{"type": "section"}], "response_type": "ephemeral"}]


async def test_an_ack_that_fails_with_the_message_can_still_be_sent() -> None:
    """The message could not be acked (say it would not encode): the request is not left unacknowledged."""
    ack = RecordingAck()
    real = ack.__call__

    async def refuses_messages(**kwargs: Any) -> None:
        if "text" in kwargs and kwargs["text"] == "unencodable":
            raise TypeError("Object of type bytes is not JSON serializable")
        await real(**kwargs)

    acked = AckDeadline(refuses_messages, 60)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await acked.with_message("unencodable")
    assert await acked.with_message("Sorry")  # the listener's apology goes in the ack instead
    await acked.empty()
    assert ack.calls == [{"text": "Sorry", "blocks": None, "response_type": "ephemeral"}]


async def test_none_acks_at_once() -> None:
    ack = RecordingAck()
    acked = AckDeadline(ack, None)  # type: ignore[arg-type]
    assert not await acked.with_message("never in the ack")
    await asyncio.wait_for(ack.called.wait(), 5)
    assert ack.calls == [{}]
