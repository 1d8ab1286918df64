"""Questions from the team: schema-checked field by field, rate-limited, reviewed by an admin, in that
workspace's rotation only, credited in the reveal, and never able to ping anyone."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.core.messages import FileCard, RevealCard, ScenarioCard, TextReply
from bot.core.ports import Repository
from bot.core.suggestions import PREFIX, Draft, check, neutralise
from content.schema import Party
from tests.fakes.content import REF, small_bundle
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
QUESTION = "Our team left an S3 bucket policy open to everyone. Who is responsible for fixing it?"
WHY = "Bucket policies are configuration you write and own; AWS only enforces what you set."


def text(cards: Sequence[object]) -> str:
    (card,) = cards
    assert isinstance(card, TextReply), card
    return card.text


async def suggest(h: Harness, uid: str, body: str = f"{QUESTION} | {WHY}", workspace: str = "W1") -> str:
    return text(await h.command(f"suggest customer {REF} {body}", uid=uid, admin=False,
                                channel=h.channel(workspace=workspace)))  # fmt: skip


def test_the_content_schema_checks_each_field() -> None:
    errors = check(Draft("too short", Party.AWS, "short", "https://example.com/x"), MONDAY)
    assert set(errors) == {"prompt", "explanation", "link"}
    assert "AWS documentation" in errors["link"]
    assert check(Draft(QUESTION, Party.CUSTOMER, WHY, REF), MONDAY) == {}


def test_untrusted_text_loses_every_mention() -> None:
    for raw in ("<!channel> look", "<!here|here>", "<@U123>", "<@&42> role", "@everyone now", "hi @HERE"):
        cleaned = neutralise(raw)
        for bad in ("<!", "<@", "@everyone", "@here", "@HERE"):
            assert bad not in cleaned, (raw, cleaned)


async def test_field_errors_store_nothing_and_rate_limit_per_person(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    reply = text(await h.command("suggest aws https://example.com/x short | short", uid="ann", admin=False))
    assert reply.startswith("⚠️") and "link" in reply and "prompt" in reply
    assert await sqlite_repo.suggestions(h.user("ann").tenant, "pending", 10) == []
    for _ in range(3):
        assert "waiting for an admin" in await suggest(h, "ann")
    assert "Try again tomorrow" in await suggest(h, "ann")
    assert "waiting for an admin" in await suggest(h, "bob")  # the limit is per person
    h.clock.advance(timedelta(days=1, minutes=1))
    assert "waiting for an admin" in await suggest(h, "ann")


async def test_review_is_for_admins_and_rejection_tells_the_author_why(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await suggest(h, "ann")
    assert "for admins" in text(await h.command("review", uid="bob", admin=False))
    (listing,) = await h.command("review")
    assert isinstance(listing, TextReply) and QUESTION in listing.text
    assert [b.action for b in listing.buttons] == ["review-approve", "review-edit", "review-reject"]
    number = int(listing.buttons[0].value)
    assert "for admins" in text(await h.press("bob", "review-approve", str(number)))  # a forged press
    assert "reason" in text(await h.press("admin", "review-reject", str(number), admin=True))
    assert "Say why" in text(await h.command(f"review reject {number}"))
    assert "rejected" in text(await h.command(f"review reject {number} the answer is Shared here"))
    dm = [c.card for c in h.adapter.of_kind("dm") if c.target == "ann"]
    assert len(dm) == 1 and isinstance(dm[0], TextReply) and "the answer is Shared here" in dm[0].text
    assert "no question" in text(await h.command(f"review approve {number}"))  # decided once


async def test_an_approved_question_joins_only_its_workspaces_rotation(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY, content=small_bundle(count=1))
    other = h.channel("C9", workspace="W2")
    for channel in (h.channel(), other):
        (ok,) = await h.command("setup time 09:30 tz UTC window 4h", channel=channel)
        assert isinstance(ok, TextReply) and ok.text.startswith("✅")
    await suggest(h, "ann", f"<!channel> {QUESTION} @everyone | {WHY}")
    (listing,) = await h.command("review")
    assert isinstance(listing, TextReply)
    number = int(listing.buttons[0].value)
    # the other workspace's admin cannot see or approve it
    assert "No questions" in text(await h.command("review", channel=other))
    assert "no question" in text(await h.command(f"review approve {number}", channel=other))
    assert "approved" in text(await h.press("admin", "review-approve", str(number), admin=True))
    await h.run_until(MONDAY.replace(hour=14), step=timedelta(minutes=30))  # day 1: the shipped question
    await h.run_until(MONDAY.replace(hour=14) + timedelta(days=1), step=timedelta(minutes=30))
    posted = {(call.target, call.card.scenario_id) for call in h.adapter.calls
              if isinstance(call.card, ScenarioCard)}  # fmt: skip
    assert ("C1", f"{PREFIX}{number}") in posted
    assert all(sid.startswith("s-") for channel, sid in posted if channel == "C9")
    mine = next(
        c.card
        for c in h.adapter.calls
        if isinstance(c.card, ScenarioCard) and c.card.scenario_id.startswith(PREFIX)
    )
    assert (
        isinstance(mine, ScenarioCard) and "<!channel>" not in mine.prompt and "@everyone" not in mine.prompt
    )
    reveal = next(
        c.card
        for c in h.adapter.calls
        if isinstance(c.card, RevealCard) and c.card.scenario_id == mine.scenario_id
    )
    assert isinstance(reveal, RevealCard) and reveal.credit == "Question suggested by Ann"
    (export,) = await h.command("export all")
    assert isinstance(export, FileCard)
    rows = {r[1]: r for r in csv.reader(io.StringIO(export.content))}
    assert rows["person_id"][9] == "questions_approved" and rows["ann"][9] == "1"
