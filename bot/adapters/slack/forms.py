"""Forms as Slack modals (views.open): the suggestion form built from the core's field list, its submitted
values read back, and the core's field errors shown next to the fields (`response_action: errors`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.messages import FormField
from bot.core.suggestions import FORM_TITLE, SUGGEST_FIELDS, SUGGEST_FORM

#: Slack's limits on a plain-text input (https://docs.slack.dev/reference/block-kit/block-elements).
INPUT_MAX = 3000


def _input(f: FormField) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": f.name,
        "multiline": f.multiline,
        "max_length": min(f.max_length, INPUT_MAX),
    }
    if f.min_length:
        element["min_length"] = f.min_length
    if f.placeholder:
        element["placeholder"] = {"type": "plain_text", "text": f.placeholder[:150]}
    return {"type": "input", "block_id": f.name, "label": {"type": "plain_text", "text": f.label[:2000]},
            "element": element}  # fmt: skip


def suggest_view(channel_id: str) -> dict[str, Any]:
    """The modal; the channel rides along in private_metadata (where the command was typed)."""
    return {
        "type": "modal",
        "callback_id": SUGGEST_FORM,
        "private_metadata": channel_id,
        "title": {"type": "plain_text", "text": FORM_TITLE[:24]},
        "submit": {"type": "plain_text", "text": "Send for review"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [_input(f) for f in SUGGEST_FIELDS],
    }


def submitted(view: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(field, text) pairs from a view_submission's `view.state.values`."""
    values = (view.get("state") or {}).get("values") or {}
    out = []
    for f in SUGGEST_FIELDS:
        element = (values.get(f.name) or {}).get(f.name) or {}
        out.append((f.name, str(element.get("value") or "")))
    return tuple(out)


def errors(field_errors: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The core's field errors keyed by block id, as `response_action: errors` wants them."""
    known = {f.name for f in SUGGEST_FIELDS}
    return {name if name in known else "prompt": message[:150] for name, message in field_errors}
