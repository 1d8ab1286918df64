"""Issue 12 items 5 and 6: in HTTP mode every request is answered — 401 without a valid signature whatever the
body, 400 for a signed body that is not what Slack sends, never a 500 — and nothing Slack sent is logged."""

from __future__ import annotations

import logging
import time

import aiohttp
import pytest

from bot.adapters.slack.bolt_logs import WithholdRequestBodies
from bot.adapters.slack.http_gate import well_formed
from tests.adapters.slack.conftest import SlackWorld
from tests.fakes.fake_slack import sign

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MALFORMED = [
    ('{"type": "event_callback", "event": {"type": "reac', JSON),  # truncated JSON
    ("payload=%7Bnot-json", FORM),  # payload= that is not JSON
    ("[1, 2, 3]", JSON),  # a JSON list
    ('"just a string"', JSON),
    ("payload=%5B%5D", FORM),  # payload= a JSON list
    ("", FORM),
    ("\xff\xfe", FORM),
]


async def _post(world: SlackWorld, body: str, content_type: str, headers: dict[str, str]) -> tuple[int, str]:
    assert world.fake.events_url is not None
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            world.fake.events_url, data=body.encode(), headers={"Content-Type": content_type, **headers}
        ) as resp,
    ):
        return resp.status, await resp.text()


def _signed(world: SlackWorld, body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(world.fake.signing_secret, ts, body)}


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_malformed_unsigned_bodies_get_401(
    http_world: SlackWorld, body: str, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await _post(http_world, body, content_type, {})
    assert status == 401
    assert http_world.adapter.delivered == 0
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a bad request"


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_malformed_signed_bodies_get_400(
    http_world: SlackWorld, body: str, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await _post(http_world, body, content_type, _signed(http_world, body))
    assert status == 400
    assert http_world.adapter.delivered == 0
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a bad request"


@pytest.mark.parametrize("timestamp", ["soon", "", "12.5", "-1", "1e9", "９９"])
async def test_odd_timestamps_get_401(http_world: SlackWorld, timestamp: str) -> None:
    body = "command=%2Fresponsibility&text=help"
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": sign("x", timestamp, body)}
    status, _ = await _post(http_world, body, FORM, headers)
    assert status == 401


async def test_a_rejected_request_body_is_never_logged(
    http_world: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """The verification token and response_url of a forged request must not reach any log line."""
    caplog.set_level(logging.DEBUG)
    body = (
        "token=VERIFICATION-TOKEN-123&team_id=T1&user_id=UX&command=%2Fresponsibility&text=setup"
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FSECRET-HOOK"
    )
    status, _ = await _post(http_world, body, FORM, {"X-Slack-Request-Timestamp": str(int(time.time()))})
    assert status == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "VERIFICATION-TOKEN-123" not in logged and "SECRET-HOOK" not in logged


def test_bolt_records_that_carry_a_request_are_withheld() -> None:
    record = logging.LogRecord(
        "slack_bolt.AsyncRequestVerification", logging.INFO, __file__, 1,
        "Invalid request signature detected (signature: v0=abc, timestamp: 1, body: token=T0K3N&response_url=x)",
        None, None,
    )  # fmt: skip
    assert WithholdRequestBodies().filter(record)
    assert "T0K3N" not in record.getMessage() and "withheld" in record.getMessage()


@pytest.mark.parametrize(
    ("body", "content_type", "ok"),
    [
        ("command=%2Fresponsibility&text=help", FORM, True),
        ('payload={"type": "block_actions"}', FORM, True),
        ('{"type": "event_callback"}', JSON, True),
        ("ssl_check=1&token=x", FORM, True),  # Slack's SSL check
        ("token=x&team_id=T1&command=", FORM, True),  # the field is there, even if empty
        ("text=help&user_id=U1", FORM, False),  # a form, but no command
        ("payload=%7B%7D&payload=%7B%7D", FORM, False),  # two payloads
        ("commands=%2Fresponsibility", FORM, False),  # a name that only starts like one
        *[(body, content_type, False) for body, content_type in MALFORMED],
    ],
)
def test_well_formed(body: str, content_type: str, ok: bool) -> None:
    assert well_formed(body, content_type) is ok
