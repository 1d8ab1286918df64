"""Logging: plain text for people, JSON lines (LOG_FORMAT=json) for machines; secrets are scrubbed.

Two kinds of scrubbing, both applied to the final line (message, traceback and context alike): token shapes
(Slack `xox…-`/`xapp-`, Discord bot tokens) and the exact secret values the settings hold (signing and
client secrets have no recognisable shape, and a database password can be anything). Libraries log what
they like at DEBUG — request parameters, URLs, exception texts — so the scrubbing happens here, once, for
every logger.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING
from urllib.parse import quote, unquote

from storage.urls import url_secrets

if TYPE_CHECKING:
    from bot.config import Settings

# Slack tokens (xoxb-, xoxp-, xapp-…) and Discord bot tokens look like this; never let one reach a log.
_SECRET = re.compile(
    r"\b(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|[A-Za-z0-9_-]{24,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,})"
)
_CONTEXT = ("tenant", "team_id", "round_id", "event", "platform")
REDACTED = "[redacted]"
#: Shorter values are not treated as secrets: redacting "a" or "test" everywhere would wreck every line.
MIN_SECRET = 6

_known: tuple[str, ...] = ()


def register_secrets(values: Iterable[str]) -> None:
    """The exact secret values to scrub, in the forms they travel in (raw and URL-encoded)."""
    global _known
    forms: set[str] = set()
    for value in values:
        if len(value) < MIN_SECRET:
            continue
        forms |= {value, quote(value, safe=""), unquote(value)}
    _known = tuple(sorted((f for f in forms if len(f) >= MIN_SECRET), key=len, reverse=True))


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold: the SecretStr fields and the password inside DATABASE_URL."""
    from pydantic import SecretStr

    values = [
        getattr(settings, name).get_secret_value()
        for name in type(settings).model_fields
        if isinstance(getattr(settings, name), SecretStr)
    ]
    return values + url_secrets(settings.database_url)


def scrub(text: str) -> str:
    for value in _known:
        if value in text:
            text = text.replace(value, REDACTED)
    return _SECRET.sub(REDACTED, text)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        extras = " ".join(
            f"{k}={getattr(record, k)}" for k in _CONTEXT if getattr(record, k, None) is not None
        )
        return scrub(f"{base} {extras}" if extras else base)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for key in _CONTEXT:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        # Scrubbed before encoding (JSON escapes could hide a value) and after (anything left over).
        return scrub(json.dumps(entry, default=str))


#: Loggers of libraries that decide whether to build a debug line from the logger's *own* level
#: (`logger.level <= DEBUG`) rather than its effective one; unset (0), that test always passes, so slack_sdk
#: formatted every Web API call's and every response_url reply's body and headers into a string the handler
#: then dropped, and slack-bolt a line per middleware per request. Pinned to the root's level here.
LEVEL_GUARDED = ("slack_bolt", "slack_sdk.web.async_base_client")
#: The response_url client's debug lines print the URL, which lets anyone post as the app for 30 minutes:
#: kept at INFO even when the bot logs at DEBUG.
NEVER_DEBUG = ("slack_sdk.webhook.async_client",)


def pin_library_levels(level: int) -> None:
    for name in LEVEL_GUARDED:
        logging.getLogger(name).setLevel(level)
    for name in NEVER_DEBUG:
        logging.getLogger(name).setLevel(max(level, logging.INFO))


class RetryChatter(logging.Filter):
    """slack_sdk logs every retry it makes at INFO and discord.py every 429 it waits out at WARNING. A
    retry that works is not an error, and one that doesn't is logged once by the bot with its tenant and
    round — so below DEBUG these per-attempt lines are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.name.startswith("slack_sdk") and message.startswith("A retry handler found"):
            return False
        return not (
            record.name == "discord.http"
            and message.startswith("We are being rate limited.")
            and "Retrying in" in message
        )


def configure_logging(
    level: str = "INFO",
    fmt: str = "text",
    stream: IO[str] | None = None,
    secrets: Iterable[str] = (),
) -> logging.Handler:
    """One handler on the root logger for every logger (ours and the libraries'); returns it."""
    register_secrets(secrets)
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if logging.getLevelName(level.upper()) != logging.DEBUG:
        handler.addFilter(RetryChatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    pin_library_levels(root.level)
    return handler
