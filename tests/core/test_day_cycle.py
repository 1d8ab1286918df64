"""The whole daily cycle through the engine, on every storage backend, with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.events import UserRef
from bot.core.messages import LeaderboardCard, RevealCard, TextReply
from bot.core.model import RoundState
from bot.core.ports import CollectedAnswer, Repository
from bot.core.scoring import CORRECT_POINTS
from content.schema import Party
from tests.fakes.harness import Harness

MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
#: The core receives answers as Party values: mapping reactions is the adapters' job.
TOKEN = {party: party for party in Party}
WRONG = {Party.AWS: Party.CUSTOMER, Party.CUSTOMER: Party.SHARED, Party.SHARED: Party.AWS}


async def setup_team(h: Harness, text: str = "setup time 09:30 tz UTC window 4h") -> None:
    replies = await h.command(text)
    assert isinstance(replies[0], TextReply) and replies[0].text.startswith("✅"), replies


async def test_full_day_cycle(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    posts = h.scenario_posts()
    assert len(posts) == 1
    post, card = posts[0]
    answer = h.engine.content.scenarios[card.scenario_id].answer
    assert card.closes_at == MONDAY.replace(hour=13, minute=30)

    await h.answer(post, "ann", TOKEN[answer])
    await h.answer(post, "bob", TOKEN[WRONG[answer]])
    await h.answer(post, "cid", TOKEN[answer])
    receipts = h.adapter.of_kind("ephemeral")
    assert [r.target for r in receipts] == ["ann", "bob", "cid"]

    await h.run_until(MONDAY.replace(hour=13, minute=30))
    reveals = h.adapter.cards("thread", RevealCard)
    assert len(reveals) == 1
    reveal = reveals[0]
    assert isinstance(reveal, RevealCard)
    assert reveal.answer is answer and reveal.total == 3 and reveal.correct_count == 2
    assert dict(reveal.votes)[answer] == 2
    rnd = await repo.get_round(card.round_id)
    assert rnd is not None and rnd.state is RoundState.REVEALED and rnd.reveal_message_id

    (board,) = await h.command("leaderboard week", uid="ann", admin=False)
    assert isinstance(board, LeaderboardCard)
    assert [(r.user_id, r.points) for r in board.rows] == [("ann", 10), ("cid", 10), ("bob", 0)]
    assert board.me is not None and board.me.rank == 1


async def test_first_answer_locks_and_unknown_emoji_is_ignored(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    answer = h.engine.content.scenarios[card.scenario_id].answer
    await h.answer(post, "ann", TOKEN[WRONG[answer]])  # first: wrong
    await h.answer(post, "ann", TOKEN[answer])  # second: ignored
    await h.answer(post, "bob", "thumbsup")  # not an option
    await h.answer(post, "bob", "🍕")
    stored = await sqlite_repo.answers_for_round(card.round_id, "console", "W1")
    assert [(a.user.user_id, a.choice) for a in stored] == [("ann", WRONG[answer])]
    # the second reaction got a reminder that the first answer counts
    texts = [c.card.text for c in h.adapter.of_kind("ephemeral") if isinstance(c.card, TextReply)]
    assert any("first answer" in t for t in texts)
    await h.run_until(MONDAY.replace(hour=13, minute=30))
    totals = await sqlite_repo.person_totals(h.user("ann").tenant, "ann")
    assert totals.points == 0 and totals.answered == 1


async def test_bot_reactions_are_ignored(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    bot = UserRef("console", "W1", "B0T", "respbot", is_bot=True)
    from bot.core.events import AnswerGiven

    for token in TOKEN.values():
        await h.engine.handle(AnswerGiven(post, bot, token, h.clock.now()))
    # the seeded reactions are also what collect_answers sees at reveal
    h.adapter.reactions[post.message_id] = [CollectedAnswer(bot, t) for t in TOKEN.values()]
    await h.run_until(MONDAY.replace(hour=13, minute=30))
    assert await sqlite_repo.answers_for_round(card.round_id, "console", "W1") == []
    reveal = h.adapter.cards("thread", RevealCard)[0]
    assert isinstance(reveal, RevealCard) and reveal.total == 0


async def test_answers_given_while_down_count_at_reveal(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await setup_team(h)
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    answer = h.engine.content.scenarios[card.scenario_id].answer
    await h.answer(post, "ann", TOKEN[answer])
    # While the bot was down: dan reacted once (counts), eve hedged with two options (cannot be ordered,
    # not counted), and ann's reaction is there too (already stored, counted once).
    h.adapter.reactions[post.message_id] = [
        CollectedAnswer(h.user("ann"), TOKEN[answer]),
        CollectedAnswer(h.user("dan"), TOKEN[answer]),
        CollectedAnswer(h.user("eve"), TOKEN[answer]),
        CollectedAnswer(h.user("eve"), TOKEN[WRONG[answer]]),
    ]
    h.clock.set(MONDAY.replace(hour=15))  # the bot comes back after the window
    await h.tick()
    stored = {a.user.user_id for a in await repo.answers_for_round(card.round_id, "console", "W1")}
    assert stored == {"ann", "dan"}
    board = await repo.top_scores((await repo.get_team(h.channel())).id, "all", 10)  # type: ignore[union-attr]
    assert {(r.user_id, r.points) for r in board} == {("ann", CORRECT_POINTS), ("dan", CORRECT_POINTS)}


async def test_answers_after_the_window_are_refused(sqlite_repo: Repository) -> None:
    h = Harness.build(sqlite_repo, MONDAY)
    await setup_team(h, "setup time 09:30 tz UTC window 1h mode buttons")
    await h.run_until(MONDAY.replace(hour=9, minute=30))
    post, card = h.scenario_posts()[0]
    assert len(card.buttons) == 3  # buttons mode: blind answers
    late = MONDAY.replace(hour=10, minute=31)
    replies = await h.answer(post, "ann", "aws", at=late)
    assert replies == []
    assert await sqlite_repo.answers_for_round(card.round_id, "console", "W1") == []
    # a button press during the window gets its receipt as the direct reply, not an ephemeral
    replies = await h.press("bob", "answer", card.buttons[0].value, post)
    assert isinstance(replies[0], TextReply) and "locked in" in replies[0].text
    assert h.adapter.of_kind("ephemeral") == []


async def test_streaks_and_weekly_board_over_a_week(repo: Repository) -> None:
    h = Harness.build(repo, MONDAY)
    await setup_team(h)
    for day in range(5):
        start = MONDAY + timedelta(days=day)
        await h.run_until(start.replace(hour=9, minute=30))
        post, card = h.scenario_posts()[-1]
        answer = h.engine.content.scenarios[card.scenario_id].answer
        await h.answer(post, "ann", TOKEN[answer])  # every day, right
        if day != 2:
            await h.answer(post, "bob", TOKEN[answer])  # misses Wednesday
        await h.run_until(start.replace(hour=13, minute=30))
    # ann: streak 1..5 → 10 + 12 + 14 + 16 + 18; bob: 10 + 12, miss, 10 + 12
    team = await repo.get_team(h.channel())
    assert team is not None
    rows = {r.user_id: r.points for r in await repo.top_scores(team.id, "w:2026-W49", 10)}
    assert rows == {"ann": 70, "bob": 44}
    totals = await repo.person_totals(h.user("ann").tenant, "ann")
    assert (totals.current_streak, totals.best_streak) == (5, 5)
    bob = await repo.person_totals(h.user("bob").tenant, "bob")
    assert (bob.current_streak, bob.best_streak) == (2, 2)
    assert len(h.scenario_posts()) == 5  # Mon–Fri; nothing at the weekend
    await h.run_until(MONDAY + timedelta(days=6, hours=23))
    assert len(h.scenario_posts()) == 5
