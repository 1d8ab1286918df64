"""Chat replies for `/responsibility lookup`: the answer with its reason and link, and up to three "not what
you meant?" buttons — or an honest "not sure" with the candidates as buttons. Pure: no platform imports."""

from __future__ import annotations

from bot.core.messages import Button, Card, LookupCard, TextReply
from content.lookup import Lookup, LookupResult
from content.schema import MatrixEntry

ACTION = "lookup"
LABEL_MAX = 70  # Slack button text is capped at 75 characters; Discord's at 80
EXAMPLE = "`lookup who patches the database on rds`"


def _button(index: Lookup, entry: MatrixEntry) -> Button:
    label = f"{entry.control} ({index.service_label(entry.service)})"
    if len(label) > LABEL_MAX:
        label = label[: LABEL_MAX - 1].rstrip() + "…"
    return Button(label, ACTION, entry.key)


def _card(index: Lookup, entry: MatrixEntry, result: LookupResult | None = None) -> LookupCard:
    note, see_also, buttons = "", tuple[str, ...](), tuple[Button, ...]()
    if result is not None:
        if result.general_model:
            note = "No service named, so this is the general model: it holds for every AWS service."
        see_also = tuple(f"{s.kind} `{s.id}`: {s.title}" for s in result.see_also)
        buttons = tuple(_button(index, e) for e in result.alternatives)
    return LookupCard(
        index.service_label(entry.service), entry.control, entry.party, entry.reason, entry.reference,
        note, see_also, buttons,
    )  # fmt: skip


def lookup_reply(index: Lookup, question: str) -> Card:
    """The reply to a free question (the two-argument form arrives joined into one question)."""
    result = index.lookup(question)
    if result.answer is not None:
        return _card(index, result.answer, result)
    if not result.closest:
        known = ", ".join(index.service_names())
        return TextReply(
            f"I couldn't match that to a control I know, so I won't guess. Ask in plain words, e.g. {EXAMPLE}."
            f"\nKnown services: {known}.",
            title="Not sure",
        )
    about = f" on {result.service.name}" if result.service else ""
    lines = [f"• {e.control} ({index.service_label(e.service)}) → {e.party.value}" for e in result.closest]
    text = f"I'm not sure which control you mean{about}, so I won't guess. Closest entries:\n" + "\n".join(
        lines
    )
    return TextReply(text, title="Not sure", buttons=tuple(_button(index, e) for e in result.closest[:3]))


def lookup_entry_reply(index: Lookup, entry_key: str) -> Card:
    """The reply to a "lookup" button: that entry's answer."""
    entry = index.entry(entry_key)
    if entry is None:
        return TextReply(f"That entry is no longer in the matrix. Ask again, e.g. {EXAMPLE}.")
    return _card(index, entry)
