"""The storage port is split by aggregate: every method sits in exactly one store, `Repository` is all of them,
and the SQL repository implements each store (so a service can be given just the one it needs)."""

from __future__ import annotations

import inspect

from bot.core import ports
from bot.core.ports import Repository
from storage.repository import SqlRepository

STORES = (
    ports.StorageHandle,
    ports.TeamStore,
    ports.RoundStore,
    ports.AnswerStore,
    ports.ScoreStore,
    ports.CourseStore,
    ports.PracticeStore,
    ports.AdminStore,
    ports.InstallationStore,
)


def members(protocol: type) -> set[str]:
    """What a protocol itself declares: its methods and annotated attributes."""
    declared = {n for n, v in vars(protocol).items() if not n.startswith("_") and callable(v)}
    return declared | set(vars(protocol).get("__annotations__", {}))


def test_each_method_belongs_to_one_store_and_repository_is_all_of_them() -> None:
    seen: dict[str, str] = {}
    for store in STORES:
        for name in members(store):
            assert name not in seen, f"{name} is in both {seen[name]} and {store.__name__}"
            seen[name] = store.__name__
    assert members(Repository) == set()  # it only combines
    assert set(Repository.__mro__) >= set(STORES)
    assert len(seen) == 56  # 53 methods and `engine` from before the split, plus installation_id and ranks_of


def test_the_sql_repository_implements_every_store_with_the_same_signatures() -> None:
    for store in STORES:
        for name in members(store) - {"engine"}:
            ours = getattr(SqlRepository, name)
            assert inspect.iscoroutinefunction(ours), name
            assert inspect.signature(ours) == inspect.signature(getattr(store, name)), name
