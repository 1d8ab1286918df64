"""The weekly recap's chart as PNG bytes: accuracy by topic (bars) and the 8-week participation trend (line).

matplotlib on its headless Agg backend, with an explicit Figure (no pyplot global state), so charts can be
drawn from several tasks or threads without a display and without leaking figures. matplotlib is imported when
the first chart is drawn, not on import: the bot draws in a helper process (chart_process.py) and never loads
it itself; the console and the tests draw here.
"""

from __future__ import annotations

import io
import threading

from bot.core.messages import RecapCard

#: matplotlib is not documented as thread-safe: one chart at a time in a process.
_DRAWING = threading.Lock()
ORANGE = "#FF9900"  # AWS orange
NAVY = "#232F3E"


def recap_png(card: RecapCard, dpi: int = 100) -> bytes:
    """Two panels side by side, 9×3.6 inches; the same card always draws the same picture."""
    with _DRAWING:
        return _draw(card, dpi)


def _draw(card: RecapCard, dpi: int) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 3.6), dpi=dpi)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    topics = list(card.topics)[:12]
    if topics:
        names = [t.topic for t in topics]
        left.barh(names, [t.accuracy * 100 for t in topics], color=ORANGE)
        left.invert_yaxis()
        for i, t in enumerate(topics):
            left.text(min(t.accuracy * 100 + 2, 92), i, f"{t.correct}/{t.answered}", va="center", fontsize=8)
    else:
        left.text(0.5, 0.5, "no answers this week", ha="center", va="center", transform=left.transAxes)
    left.set_xlim(0, 100)
    left.set_xlabel("accuracy %")
    left.set_title("Accuracy by topic", fontsize=10)
    labels = [label for label, _ in card.trend]
    values = [share * 100 for _, share in card.trend]
    right.plot(labels, values, marker="o", color=NAVY)
    right.fill_between(labels, values, color=ORANGE, alpha=0.25)
    right.set_ylim(0, 105)
    right.set_ylabel("participation %")
    right.set_title("Participation, last 8 weeks", fontsize=10)
    right.tick_params(axis="x", labelsize=7, rotation=45)
    figure.suptitle(f"{card.team_name} — week {card.week}", fontsize=11)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
