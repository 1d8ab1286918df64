"""Two workspaces of known data written through the Repository (as the bot writes it), for either backend.

Workspace A has two teams, course progress, flags and audit entries; workspace B has one team whose name and
people must never appear on A's pages.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.core.events import ChannelRef, Tenant, UserRef
from bot.core.leaderboard import period_keys
from bot.core.model import Award, CourseProgress, RoundResult, RoundState, TeamSettings
from bot.core.ports import Repository
from content.schema import Party

A = Tenant("slack", "TAAAA")
B = Tenant("slack", "TBBBB")
START = date(2026, 6, 1)  # a Monday
NOW = datetime(2026, 6, 26, 17, 0, tzinfo=UTC)  # a Friday evening after the last round
QUESTIONS = (  # (scenario id, topic) from the shipped content, so the pages show their prompts
    ("ec2-guest-os-patching", "patching"),
    ("ebs-encryption-by-default-off", "encryption"),
    ("ec2-private-key-in-git", "identity-access"),
    ("ec2-ssh-open-world", "network-security"),
    ("rds-automated-backups", "backup-recovery"),
    ("ec2-patch-manager-never-scheduled", "patching"),
    ("eks-rbac-everyone-admin", "identity-access"),
)
NAMES = {
    "platform": ("Aisha", "Bruno", "Chen", "Dara", "Elif", "Femi"),
    "data": ("Greta", "Hiro", "Ines", "Jonas"),
}


@dataclass(frozen=True, slots=True)
class Seeded:
    teams: dict[str, int]  # team name → id


def _days(count: int) -> list[date]:
    days: list[date] = []
    d = START
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


async def _play(
    repo: Repository, team_id: int, people: list[UserRef], days: list[date], rng: random.Random
) -> None:
    streaks: dict[str, int] = {}
    for i, day in enumerate(days):
        scenario, topic = QUESTIONS[i % len(QUESTIONS)]
        post = datetime.combine(day, time(9, 30), UTC)
        rnd = await repo.claim_round(team_id, day, scenario, topic, post + timedelta(hours=4), post, post)
        assert rnd is not None
        await repo.mark_posted(rnd.id, f"m{team_id}-{i}", post)
        awards = []
        for n, person in enumerate(people):
            if rng.random() < 0.25:
                streaks[person.user_id] = 0
                continue
            at = post + timedelta(minutes=5 + n)
            right = rng.random() < 0.4 + 0.1 * (n % 5)
            choice = Party.CUSTOMER if right else Party.AWS
            assert await repo.record_answer(rnd.id, person, choice, at)
            streaks[person.user_id] = streaks.get(person.user_id, 0) + 1
            awards.append(Award(person, choice, at, right, 10 if right else 0, streaks[person.user_id]))
        assert await repo.set_round_state(rnd.id, RoundState.POSTED, RoundState.CLOSING, None)
        result = RoundResult(
            rnd.id, team_id, topic, period_keys(day), tuple(awards), (), post + timedelta(hours=4)
        )
        assert await repo.finish_round(result)


async def seed(repo: Repository) -> Seeded:
    rng = random.Random(7)
    days = _days(20)
    teams: dict[str, int] = {}
    plan = [(A, "Platform team", 6), (A, "Data team", 4), (B, "Other company", 3)]
    for n, (tenant, name, size) in enumerate(plan):
        channel = ChannelRef(tenant.platform, tenant.workspace_id, f"C{n}")
        team = await repo.save_team(channel, name, TeamSettings(timezone="UTC"), None, NOW)
        teams[name] = team.id
        prefix = "other" if tenant == B else name.split()[0].lower()
        names = NAMES.get(prefix, ())
        people = [
            UserRef(
                tenant.platform, tenant.workspace_id, f"U{prefix}{k}", names[k] if names else f"Other {k}"
            )
            for k in range(size)
        ]
        await _play(repo, team.id, people, days, rng)
    await _course(repo)
    for k, reason in enumerate(("wrong answer", "unclear", "outdated")):
        await repo.add_flag(
            UserRef(A.platform, A.workspace_id, f"Uplatform{k}"), "ec2-private-key-in-git", reason, NOW
        )
    await repo.add_flag(UserRef(A.platform, A.workspace_id, "Udata0"), "ec2-ssh-open-world", "typo", NOW)
    await repo.add_flag(
        UserRef(B.platform, B.workspace_id, "Uother0"), "rds-automated-backups", "secret-b", NOW
    )
    admin = UserRef(A.platform, A.workspace_id, "Uadmin", "Admin")
    await repo.add_audit(admin, "setup", "Platform team: posts at 09:30", NOW - timedelta(days=25))
    await repo.add_audit(admin, "export", "month", NOW - timedelta(hours=2))
    await repo.add_audit(UserRef(B.platform, B.workspace_id, "Uother0"), "export", "secret-b-audit", NOW)
    return Seeded(teams)


async def _course(repo: Repository) -> None:
    """Course progress in A: finished, stuck for weeks, and just started; one person in B."""
    rows = [
        ("Uplatform0", "Ada", 6, True, NOW - timedelta(days=20), NOW - timedelta(days=12)),
        ("Uplatform1", "Ben", 2, True, NOW - timedelta(days=18), None),
        ("Udata0", "Cleo", 0, False, NOW - timedelta(days=9), None),
        ("Udata1", "=Dan", 4, False, NOW - timedelta(days=1), None),  # a formula-looking name for the CSV
    ]
    for user_id, name, index, answered, started, completed in rows:
        user = UserRef(A.platform, A.workspace_id, user_id, name)
        await repo.save_course_progress(
            CourseProgress(user, index, answered, completed, None, "UTC", index), started
        )
    other = UserRef(B.platform, B.workspace_id, "Uother0", "Other Person")
    await repo.save_course_progress(
        CourseProgress(other, 1, False, None, None, "UTC", 1), NOW - timedelta(days=30)
    )
