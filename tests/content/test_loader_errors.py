"""A broken content file is rejected with the file, the item id and the field named."""

from __future__ import annotations

from pathlib import Path

import pytest

from content import loader
from content.loader import ContentError, load_bundle, load_scenario_file

GOOD = """
pack: test
scenarios:
  - id: ok-one
    service: Amazon EC2
    model: iaas
    topic: patching
    difficulty: 1
    reviewed: 2026-11-30
    prompt: "Who patches the guest operating system on an EC2 instance?"
    answer: customer
    explanation: "On EC2 the customer owns the guest OS, so patching it is the customer's job."
    references: ["https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security.html"]
"""


def _write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_pack_loads(tmp_path: Path) -> None:
    assert load_scenario_file(_write(tmp_path, GOOD)).scenarios[0].id == "ok-one"


@pytest.mark.parametrize(
    ("change", "field", "hint"),
    [
        (("answer: customer", "answer: nobody"), "answer", "aws"),
        (("difficulty: 1", "difficulty: 7"), "difficulty", "less than or equal"),
        (("https://docs.aws.amazon.com/AWSEC2", "https://example.com/AWSEC2"), "references", "not an AWS"),
        (("https://docs.aws.amazon.com/AWSEC2", "http://docs.aws.amazon.com/AWSEC2"), "references", "https"),
        (("    topic: patching\n", "    topic: patching\n    colour: red\n"), "colour", "Extra inputs"),
        (("    model: iaas\n", ""), "model", "required"),
        (("    reviewed: 2026-11-30\n", ""), "reviewed", "required"),
        (("    reviewed: 2026-11-30\n", "    reviewed: 30/11/2026\n"), "reviewed", "date"),
        (
            ("    reviewed: 2026-11-30\n", "    reviewed: 2026-11-30\n    expires: 2026-01-01\n"),
            "(item)",
            "after",
        ),
    ],
)
def test_broken_scenario_names_file_id_and_field(
    tmp_path: Path, change: tuple[str, str], field: str, hint: str
) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    err = info.value
    assert err.path == str(path) and err.item == "scenario 'ok-one'" and err.field == field
    assert hint in err.message
    assert str(path) in str(err) and "ok-one" in str(err) and field in str(err)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "pack: x\nscenarios: [\n  - id: a\n")
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert info.value.item.startswith("line ") and "YAML" in info.value.message


def test_team_pack_ids_must_not_collide_with_the_shipped_bank(tmp_path: Path) -> None:
    shipped = next(iter(load_bundle().scenarios))
    extra = tmp_path / "packs"
    extra.mkdir()
    _write(extra, GOOD.replace("ok-one", shipped))
    with pytest.raises(ContentError) as info:
        load_bundle(extra_scenario_dirs=[extra])
    assert info.value.field == "id" and shipped in str(info.value)


def test_team_pack_adds_scenarios(tmp_path: Path) -> None:
    extra = tmp_path / "packs"
    extra.mkdir()
    _write(extra, GOOD)
    bundle = load_bundle(extra_scenario_dirs=[extra])
    assert "ok-one" in bundle.scenarios and bundle.sources["ok-one"].endswith("pack.yaml")


def test_an_oversized_pack_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_FILE_BYTES", len(GOOD) - 1)
    path = _write(tmp_path, GOOD)
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert str(path) in str(info.value) and "limit" in info.value.message and "\n" not in str(info.value)


def test_a_pack_with_too_many_items_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "MAX_ITEMS", 2)
    item = GOOD.split("scenarios:\n", 1)[1]
    text = GOOD + "".join(item.replace("ok-one", f"ok-{n}") for n in ("two", "three"))
    path = _write(tmp_path, text)
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert str(path) in str(info.value) and "more than 2 items" in info.value.message
    monkeypatch.setattr(loader, "MAX_ITEMS", 3)
    assert len(load_scenario_file(path).scenarios) == 3


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace('references: ["', 'references: &refs ["') + GOOD.split("scenarios:\n", 1)[1].replace(
        "ok-one", "ok-two"
    ).replace(
        'references: ["https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-security.html"]',
        "references: *refs",
    )
    path = _write(tmp_path, text)
    with pytest.raises(ContentError) as info:
        load_scenario_file(path)
    assert "alias" in info.value.message and str(path) in str(info.value)
