"""What of slack-bolt's own logging reaches ours: never a request's contents, and not the notes about how
the app was wired that bolt prints at every start of a correctly configured bot."""

from __future__ import annotations

import logging

#: Bolt's notes when SLACK_BOT_TOKEN is set and the app is given its client and authorize (adapter.py): they
#: say the variable is "unused"/"ignored", which alarms an operator who set it as the README says — the token
#: is used, through that client and authorize.
WIRING_NOTES = (
    "As you gave `client` as well, `token` will be unused.",
    "As `installation_store` or `authorize` has been used, `token` (or SLACK_BOT_TOKEN env variable) will be ignored.",
)


class WithholdRequestBodies(logging.Filter):
    """On slack-bolt's loggers: a record that would print a request (its body, token, response_url) or, in
    Socket Mode at DEBUG, an ack carrying a person's answer keeps only its first words, so nothing the platform
    sent or a person was told is logged verbatim."""

    MARKERS = ("body:", "token=", "response_url", "payload=", '"token"', '"payload"')

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(marker in message for marker in self.MARKERS):
            head = message.split("(", 1)[0].split(":", 1)[0].strip()[:80]
            record.msg = f"{head} (request details withheld)"
            record.args = None
        return True


class DropWiringNotes(logging.Filter):
    """On slack-bolt's loggers: drops `WIRING_NOTES` (and nothing else)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in WIRING_NOTES


def quiet_bolt_logger() -> logging.Logger:
    """slack-bolt's base logger with both filters on (once, however many adapters are built)."""
    bolt_log = logging.getLogger("slack_bolt")
    for kind in (WithholdRequestBodies, DropWiringNotes):
        if not any(isinstance(f, kind) for f in bolt_log.filters):
            bolt_log.addFilter(kind())
    return bolt_log
