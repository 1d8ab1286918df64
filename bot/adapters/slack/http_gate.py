"""The front door of Slack's HTTP mode: every request is answered, and nothing it carries reaches a log.

Order matters: the signature is checked on the raw bytes first (401 without a valid one, whatever the body
is), then the body's shape (400 for a signed body that is not the form or JSON Slack sends), and only then
does slack-bolt see it. Bolt would otherwise parse before verifying (a 500 on a truncated body, signed or not)
and log a rejected request's whole body — verification token and response_url included — at INFO.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

#: Slack's bodies are small (a slash command, an event, a block action); more is not from Slack.
MAX_BODY = 1 << 20


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _field_names(form: str) -> set[str]:
    """A form's field names as sent. Slack's are plain words, so nothing needs decoding to find `command`;
    the values are decoded once, by bolt (a full `parse_qs` here cost as much again per slash command)."""
    return {pair.partition("=")[0] for pair in form.split("&")}


def well_formed(body: str, content_type: str) -> bool:
    """A slash-command form, `payload=<JSON object>` (interactivity) or a JSON object (Events API)."""
    if content_type.startswith("application/json") or body.lstrip().startswith("{"):
        return _is_json_object(body)
    names = _field_names(body)
    if "payload" in names:  # interactivity: the JSON inside must be an object, so it is decoded here
        payloads = parse_qs(body, keep_blank_values=True).get("payload", [])
        return len(payloads) == 1 and _is_json_object(payloads[0])
    return "command" in names or "ssl_check" in names  # a slash command, or Slack's SSL check


class SlackRequestGate:
    def __init__(self, signing_secret: str) -> None:
        self.verifier = SignatureVerifier(signing_secret)

    def signed(self, raw: bytes, timestamp: str | None, signature: str | None) -> bool:
        """A valid v0 signature over exactly these bytes, made within five minutes."""
        if not timestamp or not timestamp.isdigit() or not signature:
            return False
        return self.verifier.is_valid(raw, timestamp, signature)

    async def check(self, request: web.Request) -> web.Response | None:
        """None when the request may go on to slack-bolt; otherwise the answer to send (401/400/413)."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        raw = await request.read()
        if len(raw) > MAX_BODY:
            return web.Response(status=413, text="too large")
        headers = request.headers
        if not self.signed(raw, headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature")):
            log.info("refused a Slack request without a valid signature (%d bytes)", len(raw))
            return web.Response(status=401, text="invalid signature")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            body = ""
        if not well_formed(body, headers.get("Content-Type", "")):
            log.warning("refused a signed Slack request whose body is not a form or a JSON object")
            return web.Response(status=400, text="malformed body")
        return None
