"""Hostile platform payloads: both adapters' translators, fed recorded payloads with fields replaced by random
JSON values, removed, truncated, oversized, unicode-heavy or injection-shaped, never raise — they return an
event or None — and, through the real engine, a bad command gets a clear message and changes nothing."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.discord import translate as dt
from bot.adapters.slack import translate as stt
from bot.core import commands as c
from bot.core.engine import SORRY
from bot.core.events import AnswerGiven, AnswerWithdrawn, CommandIssued
from bot.core.messages import TextReply
from storage.sqlite import SqliteRepository
from tests.fakes.harness import Harness

AT = datetime(2026, 11, 30, 9, 45, tzinfo=UTC)
ROOT = Path(__file__).parent.parent / "adapters"
SLACK = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted((ROOT / "slack/payloads").glob("*.json"))}
DISCORD = {
    p.stem: json.loads(p.read_text("utf-8")) for p in sorted((ROOT / "discord/payloads").glob("*.json"))
}
NASTY = [
    "", " ", "\x00", "\u202e", "\ud7ff", "🤝" * 50, "Ω" * 3000, "a" * 100_000, "'; DROP TABLE teams; --",
    "<!channel>", "<@U123>", "<script>alert(1)</script>", "%s%n", "{0}", "${jndi:ldap://x}", "../../etc/passwd",
    "technologist::skin-tone-3", "respbot:answer:0", "rb@1:answer:1:aws", "rb@x:y", "respbot::", "-1",
    "9" * 40, "1e309", "NaN", "null", "[]", "{}",
]  # fmt: skip
json_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=200)
    | st.sampled_from(NASTY),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key path inside a JSON value (dict keys and list indices)."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from paths(inner, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, recorded: dict[str, Any]) -> Any:
    """A recorded payload with 1-4 mutations: a field replaced by a random JSON value, removed, or
    truncated (strings and lists cut short)."""
    data = copy.deepcopy(recorded)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(list(paths(data))))
        if not where:
            if draw(st.integers(0, 9)) == 0:
                data = draw(json_values)  # the whole payload is junk
            continue
        parent = data
        try:
            for step in where[:-1]:
                parent = parent[step]
            current = parent[where[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation changed this part
        kind = draw(st.sampled_from(["replace", "remove", "truncate"]))
        if kind == "replace":
            parent[where[-1]] = draw(json_values)
        elif kind == "remove" and isinstance(parent, dict):
            del parent[where[-1]]
        elif isinstance(current, str | list):
            parent[where[-1]] = current[: draw(st.integers(0, max(0, len(current) - 1)))]
    return data


def slack_payloads() -> st.SearchStrategy[Any]:
    return st.sampled_from(sorted(SLACK)).flatmap(lambda name: mutated(SLACK[name]))


PERSON = stt.Person("U1", "Ann", is_admin=True, timezone="Europe/Berlin")


@given(body=slack_payloads(), bot_user=st.one_of(st.none(), st.text(max_size=12)))
def test_slack_translators_never_raise(body: Any, bot_user: str | None) -> None:
    if not isinstance(body, dict):
        body = {"junk": body}  # bolt only ever hands a dict to a listener
    assert isinstance(stt.workspace_of(body), str)
    assert isinstance(stt.command_event(body, PERSON, AT), CommandIssued)
    assert stt.reaction_event(body, PERSON, AT, bot_user) is None or isinstance(
        stt.reaction_event(body, PERSON, AT, bot_user), AnswerGiven | AnswerWithdrawn
    )
    stt.member_joined_event(body, PERSON, AT, bot_user)
    stt.member_joined_event(body, None, AT, bot_user)
    stt.home_opened_event(body, PERSON, AT)
    stt.button_event(body, PERSON, AT)
    stt.person_from_user(body.get("user") if isinstance(body.get("user"), dict) else body)
    message = body.get("message")
    answers = stt.collected_answers(message if isinstance(message, dict) else body, "T1", bot_user)
    assert all(a.user.user_id != bot_user for a in answers)
    messages = body.get("messages")
    stt.find_keyed_message(messages if isinstance(messages, list) else [body], "round-1")


@given(raw=st.one_of(st.text(max_size=300), st.sampled_from(NASTY)))
def test_slack_ids_and_reaction_names_never_raise(raw: str) -> None:
    action = stt.parse_action_id(raw)
    assert action is None or raw.startswith(f"{stt.ACTION_PREFIX}:")
    assert "::" not in stt.reaction_name(raw)


# Discord ------------------------------------------------------------------------------------------------
class Parser:
    """A detached discord.py ConnectionState that knows the recorded guild: the real gateway parsers build
    the objects our translators receive. It is built once: parsing neither connects nor sleeps."""

    def __init__(self) -> None:
        self.client = discord.Client(intents=discord.Intents(guilds=True, guild_reactions=True, members=True))
        self.state = self.client._connection
        me = {
            "id": "1290000000000000001",
            "username": "respbot",
            "discriminator": "0",
            "avatar": None,
            "bot": True,
        }
        self.state.user = discord.ClientUser(state=self.state, data=me)  # type: ignore[arg-type]
        self.state._add_guild_from_data(DISCORD["guild_create"]["d"])
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self.state.dispatch = lambda name, *args: self.events.append((name, args))

    def parse(self, event: str, data: Any) -> Any | None:
        """What discord.py hands a handler for this payload, or None when discord.py itself rejects it (it
        never reaches our code then)."""
        self.events.clear()
        try:
            self.state.parsers[event](data)
        except Exception:
            return None
        return self.events[-1][1][0] if self.events else None


@pytest.fixture(scope="module")
def parser() -> Iterator[Parser]:
    p = Parser()
    yield p
    asyncio.run(p.client.close())


def test_the_recorded_discord_payloads_parse(parser: Parser) -> None:
    """The property below is only as good as its parser: unmutated, every recorded payload gets through."""
    for name, recorded in DISCORD.items():
        if name != "guild_create":
            assert parser.parse(str(recorded["t"]), copy.deepcopy(recorded["d"])) is not None, name


def discord_payloads() -> st.SearchStrategy[tuple[str, Any]]:
    names = sorted(n for n in DISCORD if n != "guild_create")
    return st.sampled_from(names).flatmap(
        lambda n: mutated(DISCORD[n]["d"]).map(lambda d: (str(DISCORD[n]["t"]), d))
    )


@given(item=discord_payloads(), admin_role=st.one_of(st.none(), st.text(max_size=20)))
def test_discord_translators_never_raise(
    parser: Parser, item: tuple[str, Any], admin_role: str | None
) -> None:
    event_name, data = item
    parsed = parser.parse(event_name, data)
    if isinstance(parsed, discord.RawReactionActionEvent):
        dt.reaction_event(parsed, 1290000000000000001, AT)
    elif isinstance(parsed, discord.Member):
        dt.member_joined(parsed, AT)
    elif isinstance(parsed, discord.Interaction):
        event = dt.command_event(parsed, admin_role, AT)
        assert event is None or isinstance(event.text, str)
        dt.button_event(parsed, AT)


@given(data=st.one_of(json_values, mutated(DISCORD["interaction_setup_admin"]["d"]["data"])))
def test_discord_command_text_never_raises(data: Any) -> None:
    """`interaction.data` is kept raw by discord.py: the translator sees whatever Discord sent."""
    raw = data if isinstance(data, dict) else {"options": data}
    text = dt.command_text(raw)
    assert isinstance(text, str) and text.strip()
    problem = dt.command_problem(raw)  # the tree's pre-check reads the same raw data
    assert problem is None or problem.strip()


@given(raw=st.one_of(st.text(max_size=300), st.sampled_from(NASTY)), key=st.text(max_size=300))
def test_discord_ids_and_nonces_never_raise(raw: str, key: str) -> None:
    parsed = dt.parse_custom_id(raw)
    assert parsed is None or raw.startswith(dt.PREFIX)
    assert len(dt.nonce_for(raw, key)) == dt.MAX_NONCE


# Through the real engine --------------------------------------------------------------------------------
command_texts = st.one_of(
    st.text(max_size=400),
    st.sampled_from(NASTY),
    st.lists(
        st.sampled_from([*c.NAMES, *NASTY, "week", "confirm", "clear", "time", "25:99"]), max_size=6
    ).map(" ".join),
)


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A workspace with a team already set up on each platform, so commands reach their real code."""
    path = str(tmp_path_factory.mktemp("payloads") / "p.db")

    async def init() -> None:
        repo = await SqliteRepository.open(path)
        try:
            teams = (("slack", "T0001", "C1"), ("discord", "1290000000000000100", "1290000000000000555"))
            for platform, workspace, channel in teams:
                h = Harness.build(repo, AT, platform=platform, workspace=workspace)
                await h.command("setup time 09:30 tz UTC", channel=h.channel(channel))
        finally:
            await repo.close()

    asyncio.run(init())
    return path


async def _table_counts(repo: SqliteRepository) -> dict[str, int]:
    tables = [r["name"] for r in await repo.db.fetch("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: int(await repo.db.fetchval(f'SELECT COUNT(*) FROM "{t}"')) for t in tables}


def _through_engine(db_path: str, platform: str, event_of: Callable[[], CommandIssued | None]) -> None:
    async def check() -> None:
        repo = await SqliteRepository.open(db_path)
        try:
            event = event_of()
            if event is None:
                return
            rejected = False
            try:
                c.parse(event.text)
            except c.UsageError:
                rejected = True
            h = Harness.build(repo, AT, platform=platform, workspace=event.user.workspace_id)
            before = await _table_counts(repo)
            replies = list(await h.engine.handle(event))
            assert replies and SORRY not in replies, replies  # never an internal error
            if rejected:
                assert isinstance(replies[0], TextReply) and replies[0].text.startswith("⚠️")
                assert "Usage" in replies[0].text or len(replies[0].text) < 400
                assert await _table_counts(repo) == before
        finally:
            await repo.close()

    asyncio.run(check())


@given(text=command_texts, admin=st.booleans())
def test_slack_slash_commands_through_the_engine(db_path: str, text: str, admin: bool) -> None:
    body = copy.deepcopy(SLACK["slash_command"])
    body.update(text=text, channel_id="C1")
    person = stt.Person("U2147483697", "Steve", is_admin=admin)
    _through_engine(db_path, "slack", lambda: stt.command_event(body, person, AT))


@given(words=st.lists(st.one_of(st.text(max_size=60), st.sampled_from(NASTY)), min_size=1, max_size=3))
def test_discord_app_commands_through_the_engine(parser: Parser, db_path: str, words: list[str]) -> None:
    payload = copy.deepcopy(DISCORD["interaction_leaderboard"]["d"])
    sub = payload["data"]["options"][0]
    sub["name"] = words[0] if len(words) > 1 else sub["name"]
    sub["options"] = [{"name": "period", "type": 3, "value": w} for w in words[1:] or words]

    def event() -> CommandIssued | None:
        interaction = parser.parse("INTERACTION_CREATE", payload)
        assert isinstance(interaction, discord.Interaction)
        return dt.command_event(interaction, None, AT)

    _through_engine(db_path, "discord", event)
