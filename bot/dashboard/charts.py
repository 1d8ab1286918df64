"""Small server-side SVG charts: nothing fetched, nothing run in the browser.

Every bar and point carries its number as text and a <title>, and each chart is followed on the page by a
table of the same figures, so neither colour nor the picture is ever the only way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 220
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 8, 22, 36


def _frame(title: str, body: list[str], ticks: list[tuple[float, str]]) -> Markup:
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    grid = []
    for frac, label in ticks:
        y = PAD_TOP + plot_h * (1 - frac)
        grid.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        grid.append(
            f'<text class="tick" x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(grid)}{"".join(body)}</svg>'
    )
    return Markup(svg)


def _x(i: int, n: int) -> float:
    step = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(1, n)
    return PAD_LEFT + step * i + step / 2


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> Markup:
    """Bars with their value printed above each one."""
    top = max([*values, 1])
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    bar_w = (WIDTH - PAD_LEFT - PAD_RIGHT) / max(1, len(values)) * 0.6
    body = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x, y = _x(i, len(values)), PAD_TOP + plot_h - h
        body.append(
            f'<rect class="bar" x="{x - bar_w / 2:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}">'
            f"<title>{escape(label)}: {value}</title></rect>"
            f'<text class="value" x="{x:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value}</text>'
            f'<text class="label" x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 14}" text-anchor="middle">'
            f"{escape(label[-3:])}</text>"
        )
    return _frame(title, body, [(0.0, "0"), (1.0, str(top))])


def percent_line(title: str, labels: Sequence[str], values: Sequence[float | None]) -> Markup:
    """A 0–100 % line; weeks without data leave a gap and print "–"."""
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    body: list[str] = []
    run: list[str] = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = _x(i, len(values))
        body.append(
            f'<text class="label" x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 14}" text-anchor="middle">'
            f"{escape(label[-3:])}</text>"
        )
        if value is None:
            if len(run) > 1:
                body.insert(0, f'<polyline class="line" points="{" ".join(run)}"/>')
            run = []
            body.append(
                f'<text class="value" x="{x:.1f}" y="{PAD_TOP + plot_h - 4}" text-anchor="middle">–</text>'
            )
            continue
        y = PAD_TOP + plot_h * (1 - value)
        run.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>{escape(label)}: {value:.0%}</title>'
            f'</circle><text class="value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">{value:.0%}</text>'
        )
    if len(run) > 1:
        body.insert(0, f'<polyline class="line" points="{" ".join(run)}"/>')
    return _frame(title, body, [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")])
