"""Text plots of training curves (plotext), for `seqtui show` and Markdown reports."""

from __future__ import annotations

import re
from collections.abc import Sequence

import plotext

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # plotext colours even the 'clear' theme


def line_plot(series: dict[str, Sequence[float | None]], title: str = "", width: int = 70,
              height: int = 16, best_x: int | None = None, xlabel: str = "epoch") -> str:
    """Curves over epochs 1..N as plain text; the best epoch marked with a vertical line."""
    plt = plotext
    plt.clear_figure()
    plt.plotsize(width, height)
    plt.theme("clear")
    if title:
        plt.title(title)
    drawn = False
    for name, values in series.items():
        points = [(i + 1, v) for i, v in enumerate(values) if v is not None]
        if not points:
            continue
        xs, ys = zip(*points, strict=True)
        plt.plot(list(xs), list(ys), label=name, marker="braille")
        drawn = True
    if not drawn:
        return f"{title}: no data yet"
    if best_x is not None:
        plt.vline(best_x)
    plt.xlabel(xlabel if best_x is None else f"{xlabel} (| best: {best_x})")
    return _ANSI.sub("", plt.build())
