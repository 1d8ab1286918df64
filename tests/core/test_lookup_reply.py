"""Chat replies for lookups: answer + reason + link + up to three "not what you meant?" buttons, or an honest
"not sure" with the candidates as buttons; a "lookup" button answers in place through the engine."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.lookup_reply import lookup_entry_reply, lookup_reply
from bot.core.messages import LookupCard, TextReply
from bot.core.ports import Repository
from content.loader import load_bundle
from content.lookup import index_for
from content.schema import Party
from tests.fakes.harness import Harness

INDEX = index_for(load_bundle())
MONDAY = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_an_answer_carries_reason_link_and_alternative_buttons() -> None:
    card = lookup_reply(INDEX, "who patches the database on rds")
    assert isinstance(card, LookupCard) and card.party is Party.AWS
    assert card.reference.startswith("https://docs.aws.amazon.com/") and card.reason
    assert 1 <= len(card.buttons) <= 3
    assert all(b.action == "lookup" and INDEX.entry(b.value) is not None for b in card.buttons)
    assert all(len(b.label) <= 70 for b in card.buttons)
    assert card.see_also and card.see_also[0].startswith("scenario `")


def test_no_service_named_says_it_is_the_general_model() -> None:
    card = lookup_reply(INDEX, "who guards the data center")
    assert isinstance(card, LookupCard) and card.party is Party.AWS and "general model" in card.note
    named = lookup_reply(INDEX, "who patches the guest os on ec2")
    assert isinstance(named, LookupCard) and named.note == ""


def test_not_sure_lists_candidates_as_buttons() -> None:
    card = lookup_reply(INDEX, "kms key rotation")
    assert isinstance(card, TextReply) and card.title == "Not sure" and "won't guess" in card.text
    keys = {b.value for b in card.buttons}
    assert {"kms:key-rotation-aws-managed-keys", "kms:key-rotation-customer-managed-keys"} <= keys
    nothing = lookup_reply(INDEX, "saturn rings")
    assert isinstance(nothing, TextReply) and "Known services" in nothing.text and not nothing.buttons


def test_a_button_answers_with_that_entry() -> None:
    card = lookup_entry_reply(INDEX, "kms:key-rotation-customer-managed-keys")
    assert isinstance(card, LookupCard) and card.party is Party.CUSTOMER and card.buttons == ()
    gone = lookup_entry_reply(INDEX, "kms:no-such-entry")
    assert isinstance(gone, TextReply) and "no longer" in gone.text


async def test_engine_answers_lookup_commands_and_buttons(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    (card,) = await h.command("lookup who patches the database engine on rds", admin=False)
    assert isinstance(card, LookupCard) and card.party is Party.AWS
    (pressed,) = await h.press("ann", "lookup", "rds:database-engine-patching")
    assert isinstance(pressed, LookupCard) and pressed.control == "Database engine patching"
