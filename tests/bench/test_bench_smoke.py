"""`python -m bench --quick --json` prints the one JSON object the issue specifies, with every benchmark
measured (none failed) and the fan-out neither duplicating nor losing a post. Shape only: benchmarks are not
tests, so no timing is asserted. Marked slow: the quick run takes about half a minute."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"value", "unit", "baseline", "ratio", "target", "ok", "note"}


@pytest.mark.slow
def test_quick_json_has_every_benchmark_and_fanout_is_exact() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    results = json.loads(done.stdout)
    assert list(results) == BENCHMARKS
    for name, result in results.items():
        assert set(result) == FIELDS, name
        assert not str(result["note"]).startswith("failed"), (name, result["note"])
        assert isinstance(result["ok"], bool), name
        assert isinstance(result["value"], int | float) and result["value"] > 0, name
    found = re.search(r"duplicates (\d+), lost (\d+), without reactions (\d+)", results["fanout"]["note"])
    assert found is not None, results["fanout"]["note"]
    assert found.groups() == ("0", "0", "0")
