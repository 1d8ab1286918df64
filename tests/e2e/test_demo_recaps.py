"""`respbot demo --days 10 --seed 1 --images DIR`: two weekly recaps with their charts saved as PNGs, and at
least one achievement announced — the console's view of the engagement features."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import respbot


def test_ten_days_show_two_recaps_with_pngs_and_an_achievement(tmp_path: Path) -> None:
    script = tmp_path / "answers.txt"
    script.write_text("a\nc\ns\nc\na\ns\nc\na\ns\nc\n", encoding="utf-8")
    images = tmp_path / "images"
    run = respbot("demo", "--days", "10", "--seed", "1", "--script", str(script), "--images", str(images))
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert out.count("recap — cloud-team") == 2, out[-3000:]
    saved = sorted(images.glob("*.png"))
    assert [p.name for p in saved] == ["cloud-team-recap-2026-W23.png", "cloud-team-recap-2026-W24.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in saved)
    assert out.count("chart saved:") == 2 and str(saved[0]) in out
    assert "-round streak" in out  # an achievement, announced in a reveal and in the recap
