"""Load and validate content: a bad file stops start-up with the file, the item id and the field named."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from content.freshness import Dated, current
from content.schema import Lesson, Matrix, MatrixPart, Scenario, ScenarioPack

M = TypeVar("M", bound=BaseModel)

SHIPPED = Path(__file__).resolve().parent

#: Limits on one content file, checked before the YAML is parsed, so a team pack cannot make start-up slow or
#: exhaust memory: the file size, and the number of items (mapping keys named `id` or `control`).
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ITEMS = 5_000
_ITEM_KEYS = frozenset({"id", "control"})


class ContentError(ValueError):
    """One problem in one content file, phrased for the person who wrote it."""

    def __init__(self, path: Path | str, item: str, field_name: str, message: str) -> None:
        self.path = str(path)
        self.item = item
        self.field = field_name
        self.message = message
        super().__init__(f"{self.path}: {item}: field '{field_name}': {message}")


@dataclass(frozen=True)
class ContentBundle:
    scenarios: dict[str, Scenario]
    matrix: Matrix
    lessons: tuple[Lesson, ...]
    sources: dict[str, str] = field(default_factory=dict)  # scenario id → file it came from

    @property
    def topics(self) -> list[str]:
        return sorted({s.topic for s in self.scenarios.values()})

    def playable(self, day: date) -> dict[str, Scenario]:
        """The scenarios rounds and practice may choose from on `day`: expired ones are withheld."""
        return current(self.scenarios, day)

    def dated_items(self) -> list[tuple[str, Dated]]:
        """Every item with review dates, labelled for a person: scenarios, and matrix entries that have them."""
        items: list[tuple[str, Dated]] = [(f"scenario {sid}", s) for sid, s in sorted(self.scenarios.items())]
        for e in self.matrix.entries:
            if hasattr(e, "reviewed"):
                items.append((f"matrix {e.service}: {e.control}", e))  # type: ignore[arg-type,unused-ignore]
        return items


def _check_limits(path: Path, text: str) -> None:
    """Refuse an oversized pack, or one using aliases, using the YAML tokenizer only (nothing is built)."""
    items = 0
    expect_key = False
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken):
                raise ContentError(path, "(file)", "(yaml)", "uses a YAML alias (*name); write the value out")
            if expect_key and isinstance(token, yaml.ScalarToken) and token.value in _ITEM_KEYS:
                items += 1
                if items > MAX_ITEMS:
                    raise ContentError(
                        path, "(file)", "(file)", f"has more than {MAX_ITEMS:,} items; split it into packs"
                    )
            expect_key = isinstance(token, yaml.KeyToken)
    except yaml.YAMLError:
        return  # the parser reports it with a line number


def _read_yaml(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(
                path, "(file)", "(file)", f"is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} per file"
            )
        text = path.read_text(encoding="utf-8")
        _check_limits(path, text)
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise ContentError(path, where, "(yaml)", f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(path, "(file)", "(file)", f"cannot be read: {exc}") from None


def _item_name(data: Any, loc: Sequence[int | str], list_key: str | None) -> tuple[str, str]:
    """From a pydantic error location, the item's id (if it has one) and the dotted field path."""
    if list_key and len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
        items = data.get(list_key) if isinstance(data, dict) else None
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        ident = item.get("id") or item.get("control") if isinstance(item, dict) else None
        label = f"{list_key[:-1]} {ident!r}" if ident else f"{list_key[:-1]} #{loc[1] + 1}"
        return label, ".".join(str(p) for p in loc[2:]) or "(item)"
    ident = data.get("id") if isinstance(data, dict) else None
    return (f"id {ident!r}" if ident else "(file)"), ".".join(str(p) for p in loc) or "(file)"


def _validate(model: type[M], data: Any, path: Path, list_key: str | None) -> M:
    if not isinstance(data, dict):
        raise ContentError(path, "(file)", "(file)", "expected a mapping at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        item, field_name = _item_name(data, first["loc"], list_key)
        raise ContentError(path, item, field_name, first["msg"]) from None


def load_scenario_file(path: Path) -> ScenarioPack:
    return _validate(ScenarioPack, _read_yaml(path), path, "scenarios")


def load_matrix(path: Path) -> Matrix:
    """`matrix.yaml` plus every file in the `matrix/` folder beside it (more services and entries)."""
    parts = [(path, _validate(MatrixPart, _read_yaml(path), path, "entries"))]
    parts += [
        (p, _validate(MatrixPart, _read_yaml(p), p, "entries")) for p in _yaml_files(path.with_suffix(""))
    ]
    services: dict[str, Path] = {}
    keys: dict[str, Path] = {}
    for file, part in parts:
        for service in part.services:
            if service.id in services:
                raise ContentError(
                    file, f"service {service.id!r}", "id", f"also defined in {services[service.id]}"
                )
            services[service.id] = file
    for file, part in parts:
        for entry in part.entries:
            if entry.service not in services:
                raise ContentError(
                    file, f"entry {entry.control!r}", "service", f"unknown service {entry.service!r}"
                )
            if entry.key in keys:
                raise ContentError(
                    file, f"entry {entry.control!r}", "control", f"repeats {entry.key} ({keys[entry.key]})"
                )
            keys[entry.key] = file
    return _validate(
        Matrix,
        {
            "services": [s for _, part in parts for s in part.services],
            "entries": [e for _, part in parts for e in part.entries],
        },
        path,
        "entries",
    )


def load_lesson(path: Path) -> Lesson:
    return _validate(Lesson, _read_yaml(path), path, None)


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")) if folder.is_dir() else []


def load_scenarios(folders: Iterable[Path]) -> tuple[dict[str, Scenario], dict[str, str]]:
    scenarios: dict[str, Scenario] = {}
    sources: dict[str, str] = {}
    for folder in folders:
        for path in _yaml_files(folder):
            for scenario in load_scenario_file(path).scenarios:
                if scenario.id in scenarios:
                    raise ContentError(
                        path,
                        f"scenario {scenario.id!r}",
                        "id",
                        f"collides with the same id in {sources[scenario.id]}",
                    )
                scenarios[scenario.id] = scenario
                sources[scenario.id] = str(path)
    return scenarios, sources


def load_bundle(root: Path = SHIPPED, extra_scenario_dirs: Sequence[Path] = ()) -> ContentBundle:
    """The shipped content plus any team packs. Raises ContentError on the first problem."""
    for folder in extra_scenario_dirs:
        if not folder.is_dir():
            raise ContentError(folder, "(folder)", "CONTENT_DIR", "is not a directory")
    scenarios, sources = load_scenarios([root / "scenarios", *extra_scenario_dirs])
    if not scenarios:
        raise ContentError(root / "scenarios", "(folder)", "scenarios", "no scenarios found")
    lessons = tuple(sorted((load_lesson(p) for p in _yaml_files(root / "course")), key=lambda x: x.order))
    orders = [lesson.order for lesson in lessons]
    if len(set(orders)) != len(orders):
        raise ContentError(root / "course", "(folder)", "order", "two lessons share an order number")
    ids = [lesson.id for lesson in lessons]
    if len(set(ids)) != len(ids):
        raise ContentError(
            root / "course", "(folder)", "id", "two lessons share an id (progress is kept by id)"
        )
    return ContentBundle(scenarios, load_matrix(root / "matrix.yaml"), lessons, sources)
