"""Text plots of training curves (plotext), for `seqtui show` and Markdown reports."""

from __future__ import annotations

import re
from collections.abc import Sequence

import plotext

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # plotext colours even the 'clear' theme


def line_plot(series: dict[str, Sequence[float | None]], title: str = "", width: int = 70,
              height: int = 16, best_x: int | None = None, xlabel: str = "epoch",
              markers: Sequence[str] | None = None) -> str:
    """Curves over epochs 1..N as plain text; the best epoch marked with a vertical line.

    `markers` (one per series, e.g. "braille", "•", "x") tell curves apart where there is no
    colour, as in a Markdown file; by default every curve is drawn in braille."""
    plt = plotext
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    if title:
        plt.title(title)
    drawn = False
    longest = 0
    for index, (name, values) in enumerate(series.items()):
        points = [(i + 1, v) for i, v in enumerate(values) if v is not None]
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        marker = markers[index % len(markers)] if markers else "braille"
        plt.plot(list(xs), list(ys), label=name, marker=marker)
        longest = max(longest, len(values))
        drawn = True
    if not drawn:
        return f"{title}: no data yet"
    step = max(1, -(-longest // 10))
    plt.xticks(list(range(1, longest + 1, step)))  # epochs are whole numbers
    if best_x is not None:
        plt.vline(best_x)
    plt.xlabel(xlabel if best_x is None else f"{xlabel} (| best: {best_x})")
    return _ANSI.sub("", plt.build())
