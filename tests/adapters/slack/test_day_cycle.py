"""The whole day through the real slack-bolt app, in Socket Mode and in HTTP mode:
setup → post → five people react → reveal → leaderboard → App Home."""

from __future__ import annotations

from bot.adapters.slack.translate import ANSWER_REACTIONS, METADATA_EVENT_TYPE, PARTY_REACTION
from bot.core.messages import option_for
from bot.core.model import RoundState
from content.schema import Party
from tests.adapters.slack.conftest import CHANNEL, MONDAY, PEOPLE, TEAM, SlackWorld

WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}


async def test_full_day_cycle(world: SlackWorld) -> None:
    fake, ws = world.fake, world.ws()

    # An admin makes the channel a team; the reply is private (response_url, ephemeral).
    (reply,) = await fake.command(TEAM, "UADMIN", CHANNEL, "setup time 09:30 tz UTC window 4h")
    assert reply.body["response_type"] == "ephemeral" and reply.text.startswith("✅"), reply.body
    team = await world.repo.get_team(world.channel())
    assert team is not None and team.name == "#cloud-team"

    # 09:30: the scenario is posted once, with our metadata and the three answer reactions seeded.
    await world.tick_at(MONDAY.replace(hour=9, minute=30))
    (post,) = world.posts()
    assert post.metadata is not None and post.metadata["event_type"] == METADATA_EVENT_TYPE
    assert {name: users for name, users in post.reactions.items()} == {
        name: [ws.bot_user_id] for name in ANSWER_REACTIONS
    }
    rnd = await world.round_of(post)
    installation = await world.repo.installation_id()
    key = f"round-{rnd.id}.{installation}.{rnd.local_date:%Y%m%d}.{rnd.scenario_id}"
    assert rnd.state is RoundState.POSTED and post.metadata["event_payload"]["key"] == key
    answer = world.engine.content.scenarios[rnd.scenario_id].answer

    # Five people react: three right, two wrong. Each gets an ephemeral receipt.
    choices = {uid: answer if i < 3 else WRONG[answer] for i, uid in enumerate(PEOPLE)}
    for uid, party in choices.items():
        await fake.react(TEAM, uid, CHANNEL, post.ts, PARTY_REACTION[party])
    await fake.wait_until(lambda: len(ws.ephemerals) == 5)
    assert sorted(e.user for e in ws.ephemerals) == sorted(PEOPLE)
    assert all("locked in" in e.text and e.channel == CHANNEL for e in ws.ephemerals)

    # 13:30: the reveal goes in the thread; five answers are scored.
    await world.tick_at(MONDAY.replace(hour=13, minute=30))
    (reveal,) = ws.replies(CHANNEL, post.ts)
    assert reveal.text.startswith(f"The answer: {option_for(answer).label}")
    assert reveal.metadata == {
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": {"key": key.replace("round-", "reveal-", 1)},
    }
    assert not reveal.reply_broadcast
    stored = await world.repo.answers_for_round(rnd.id, "slack", TEAM)
    assert {a.user.user_id: a.choice for a in stored} == choices
    assert {a.user.display_name for a in stored} == {"Ann", "Bob", "Cid", "Dan", "Eve"}
    assert len(world.posts()) == 1  # nothing else went to the channel

    # The leaderboard, privately.
    (board,) = await fake.command(TEAM, "UANN", CHANNEL, "leaderboard week")
    assert board.body["response_type"] == "ephemeral"
    text = "\n".join(b["text"]["text"] for b in board.body["blocks"] if b["type"] == "section")
    for name in ("Ann", "Bob", "Cid"):
        assert name in text
    assert "*10* pts" in text and "*0* pts" in text

    # App Home: the person's stats and the team's boards.
    await fake.send_event(
        TEAM, {"type": "app_home_opened", "user": "UANN", "channel": "DUANN", "tab": "home"}
    )
    await fake.wait_until(lambda: "UANN" in ws.views)
    (view,) = ws.views["UANN"]
    stats = next(b for b in view["blocks"] if b.get("fields"))
    assert "*Points*\n10" in [f["text"] for f in stats["fields"]]
    assert any(b["type"] == "header" and "This week" in b["text"]["text"] for b in view["blocks"])

    # Socket Mode: every envelope was acknowledged, well inside the deadline.
    assert all(e.acked_at is not None for e in fake.envelopes)
    if world.mode == "http":
        assert fake.envelopes == [] and all(status == 200 for _, status, _ in fake.http_deliveries)
