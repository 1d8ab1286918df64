"""`/responsibility suggest` opens a modal (views.open); the core's field errors come back next to the
fields (response_action: errors); a valid suggestion is stored for this workspace only, and the review list
never lets untrusted text form a mention."""

from __future__ import annotations

from bot.adapters.slack import blocks as b
from bot.core.events import Tenant
from tests.adapters.slack.conftest import CHANNEL, TEAM, SlackWorld
from tests.fakes.content import REF

QUESTION = "<!channel> Our team left an S3 bucket open to everyone @here. Who is responsible for fixing it?"
WHY = "Bucket policies are configuration you write and own; AWS only enforces what you set."


async def test_the_suggestion_form_with_field_errors_then_stored(world: SlackWorld) -> None:
    fake = world.fake
    await fake.command(TEAM, "UANN", CHANNEL, "suggest", count=0)
    await fake.wait_until(lambda: len(fake.modals) == 1)
    (view,) = fake.modals.values()
    assert view["callback_id"] == "suggest" and [blk["block_id"] for blk in view["blocks"]] == [
        "prompt", "answer", "explanation", "link"]  # fmt: skip

    bad = await fake.submit_view(TEAM, "UANN", view, {"prompt": QUESTION, "answer": "nobody", "explanation": WHY,
                                                       "link": REF})  # fmt: skip
    assert bad["response_action"] == "errors" and set(bad["errors"]) == {"answer"}
    bad = await fake.submit_view(TEAM, "UANN", view, {"prompt": "short", "answer": "customer", "explanation": "x",
                                                       "link": "https://example.com/x"})  # fmt: skip
    assert set(bad["errors"]) == {"prompt", "explanation", "link"}
    assert await world.repo.suggestions(Tenant("slack", TEAM), "pending", 10) == []

    ok = await fake.submit_view(TEAM, "UANN", view, {"prompt": QUESTION, "answer": "Customer", "explanation": WHY,
                                                      "link": REF})  # fmt: skip
    assert not ok.get("response_action")
    ws = world.ws()

    def dm_texts() -> list[str]:
        dm = ws.dm_of("UANN")
        return [m.text for m in ws.posts(dm.id)] if dm else []

    await fake.wait_until(lambda: any("waiting for an admin" in text for text in dm_texts()))
    (stored,) = await world.repo.suggestions(Tenant("slack", TEAM), "pending", 10)
    assert (
        stored.author.user_id == "UANN" and "<!channel>" not in stored.prompt and "@here" not in stored.prompt
    )
    assert await world.repo.suggestions(Tenant("slack", "T2"), "pending", 10) == []

    (listing,) = await fake.command(TEAM, "UADMIN", CHANNEL, "review")
    rendered = str(listing.body["blocks"]) + listing.text
    assert (
        "Our team left an S3 bucket" in rendered and "<!channel>" not in rendered and "<!here" not in rendered
    )
    assert b.esc("<!channel>") == "&lt;!channel&gt;"
