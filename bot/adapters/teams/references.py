"""Stored conversation references, one JSON record per tenant in the Repository's installation table.

A bot in Teams can only speak first (daily posts, reveals, the course in the personal chat) with what an
earlier activity told it: the tenant's service URL and the bot's own id there, and for Graph look-ups the
team a channel belongs to. Open scenario cards are kept too, so "N answered" can be redrawn after a restart.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

from bot.adapters.teams.translate import PLATFORM, Where
from bot.core.events import Tenant
from bot.core.messages import ScenarioCard
from bot.core.ports import Repository

log = logging.getLogger(__name__)

OPEN_CARDS = 500  # open scenario cards kept per tenant (one per team per day; older ones are closed)


@dataclass
class TeamInfo:
    team_id: str
    aad_group_id: str = ""
    name: str = ""


@dataclass
class TenantReference:
    tenant: str
    service_url: str
    bot_id: str = ""
    teams: dict[str, TeamInfo] = field(default_factory=dict)  # team thread id → team
    channels: dict[str, str] = field(default_factory=dict)  # channel thread id → team thread id
    cards: dict[str, dict[str, object]] = field(default_factory=dict)  # post id → open ScenarioCard

    def team_of(self, channel_id: str) -> TeamInfo | None:
        team = self.channels.get(channel_id)
        return self.teams.get(team) if team else None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TenantReference:
        data = json.loads(text)
        ref = cls(str(data["tenant"]), str(data["service_url"]), str(data.get("bot_id", "")))
        ref.teams = {k: TeamInfo(**v) for k, v in dict(data.get("teams", {})).items()}
        ref.channels = {str(k): str(v) for k, v in dict(data.get("channels", {})).items()}
        ref.cards = dict(data.get("cards", {}))
        return ref


def card_to_dict(card: ScenarioCard) -> dict[str, object]:
    data = asdict(card)
    data["closes_at"] = card.closes_at.isoformat()
    data["buttons"] = []
    return data


def card_from_dict(data: dict[str, object]) -> ScenarioCard | None:
    try:
        return ScenarioCard(
            round_id=int(str(data["round_id"])),
            scenario_id=str(data["scenario_id"]),
            team_name=str(data["team_name"]),
            service=str(data["service"]),
            prompt=str(data["prompt"]),
            closes_at=datetime.fromisoformat(str(data["closes_at"])),
            mode=str(data["mode"]),
            timezone=str(data.get("timezone", "UTC")),
            post_key=str(data.get("post_key", "")),
        )
    except (KeyError, ValueError):
        return None


class References:
    """Per-tenant references, read through a cache and written when something new is learnt."""

    def __init__(self, repo: Repository | None) -> None:
        self._repo = repo
        self._cache: dict[str, TenantReference] = {}
        self._lock = asyncio.Lock()

    async def get(self, tenant: str) -> TenantReference | None:
        if tenant in self._cache:
            return self._cache[tenant]
        if self._repo is None:
            return None
        raw = await self._repo.get_installation(Tenant(PLATFORM, tenant))
        if raw is None:
            return None
        try:
            ref = TenantReference.from_json(raw)
        except (ValueError, KeyError, TypeError):
            log.warning(
                "the stored Teams reference is unreadable; waiting for the next activity",
                extra={"tenant": tenant},
            )
            return None
        self._cache[tenant] = ref
        return ref

    async def learn(self, place: Where, bot_id: str, now: datetime) -> TenantReference:
        """Remember what an inbound activity says about its tenant; store it only when something changed
        (most activities change nothing, and the record holds the open cards too)."""
        async with self._lock:
            ref = await self.get(place.tenant)
            changed = ref is None
            if ref is None:
                ref = TenantReference(place.tenant, place.service_url, bot_id)
            if place.service_url and place.service_url != ref.service_url:
                ref.service_url, changed = place.service_url, True
            if bot_id and bot_id != ref.bot_id:
                ref.bot_id, changed = bot_id, True
            if place.team_id:
                team = ref.teams.get(place.team_id)
                if team is None:
                    team = ref.teams[place.team_id] = TeamInfo(place.team_id)
                    changed = True
                if place.team_aad_group_id and place.team_aad_group_id != team.aad_group_id:
                    team.aad_group_id, changed = place.team_aad_group_id, True
                if place.team_name and place.team_name != team.name:
                    team.name, changed = place.team_name, True
                if not place.personal and ref.channels.get(place.channel_id) != place.team_id:
                    ref.channels[place.channel_id], changed = place.team_id, True
            self._cache[place.tenant] = ref
            if changed:
                await self._save(ref, now)
            return ref

    async def keep_card(self, tenant: str, post_id: str, card: ScenarioCard | None, now: datetime) -> None:
        """Remember an open scenario card (or forget it, with None) for redrawing its answer count."""
        async with self._lock:
            ref = await self.get(tenant)
            if ref is None:
                return
            if card is None:
                if ref.cards.pop(post_id, None) is None:
                    return
            else:
                ref.cards[post_id] = card_to_dict(card)
                while len(ref.cards) > OPEN_CARDS:
                    ref.cards.pop(next(iter(ref.cards)))
            await self._save(ref, now)

    async def _save(self, ref: TenantReference, now: datetime) -> None:
        if self._repo is not None:
            await self._repo.save_installation(Tenant(PLATFORM, ref.tenant), ref.to_json(), now)
