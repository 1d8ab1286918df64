"""`respbot content validate` shows the key shares per level; an oversized pack is refused in one line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bot.__main__ import main
from content.loader import MAX_FILE_BYTES, load_bundle


def test_validate_prints_the_key_share_of_every_level(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "validate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    scenarios = list(load_bundle().scenarios.values())
    for level in (1, 2, 3):
        keys = Counter(s.answer.value for s in scenarios if s.difficulty == level)
        total = sum(keys.values())
        expected = " ".join(f"{k} {round(100 * keys[k] / total)}%" for k in ("aws", "customer", "shared"))
        assert f"difficulty {level}: {expected} (n={total})" in lines


def test_an_oversized_pack_is_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "huge.yaml"
    big.write_text("pack: huge\n# " + "x" * MAX_FILE_BYTES + "\n", encoding="utf-8")
    assert main(["content", "validate", str(big)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(big) in err and "limit" in err
