"""A training curve: named series over epochs or steps, a light per-batch line underneath, the
best epoch marked, an optional baseline drawn distinctly.

The legend is drawn here rather than by plotext, which writes it over the top-left corner of the
data (where a loss curve starts); it goes in whichever corner of the plot has the least drawn
(CornerLegend, which the sweep's trial chart uses too).
"""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

TRAIN_COLOR = "cyan"
VAL_COLOR = "orange"
BATCH_COLOR = "gray"
BEST_COLOR = "green"
COLORS = [TRAIN_COLOR, VAL_COLOR, "magenta", "blue", "red", "yellow", "green", "white"]
# plotext's colour names as terminal colour numbers (plotext's own table), for the legend.
COLOR_NUMBERS = {"black": 0, "red": 1, "green": 2, "orange": 3, "blue": 4, "magenta": 5,
                 "cyan": 6, "gray": 8, "white": 15}
# What a plotext marker looks like in one cell: its high-definition markers draw block pieces.
GLYPHS = {"hd": "▞", "fhd": "▞", "braille": "⣿", "dot": "•", "sd": "█"}
# A single point drawn with a high-definition marker is a quarter block, too small to see.
FILLED = "■"


class CornerLegend:
    """Mix in before PlotextPlot: the chart's legend (`self.legend`, entries of glyph, colour,
    label, bold, set where it is drawn) is written by place_legend into the corner with the
    least drawn. plotext has no placement for its own: it always writes it top left, over the
    data there."""

    def render(self) -> RenderResult:
        rendered = super().render()  # type: ignore[misc]
        if not getattr(self, "legend", None) or not isinstance(rendered, Text):
            return rendered
        return place_legend(rendered, self.legend)


class MetricPlot(CornerLegend, PlotextPlot):
    """One metric's curves; redrawn by `show`, never by itself."""

    def on_unmount(self) -> None:
        # PlotextPlot subscribes to the app's theme signal when mounted and never leaves it: the
        # subscription's callback holds the widget, so every closed dashboard's plots (and their
        # render caches) stayed in memory, and the garbage collector's full passes over them
        # grew to 100 ms pauses that users felt as slow keys.
        self.app.theme_changed_signal.unsubscribe(self)

    def show(self, title: str, series: dict[str, tuple[list[float], list[float]]],
             best_epoch: int | None = None, epochs_total: int | None = None,
             trace: tuple[list[float], list[float]] | None = None, *,
             best_x: float | None = None, x_range: tuple[float, float] | None = None,
             xlabel: str = "epoch", log_y: bool = False,
             markers: dict[str, str] | None = None, baseline: str | None = None) -> None:
        """Draw named (xs, ys) series; `trace` is a light per-batch line drawn underneath.

        `x_range` overrides the default x-axis of 1 to the planned epochs; `best_x` is where the
        best-epoch line goes (the epoch itself by default); `markers` gives a series its point
        character, so curves stay apart without colour; `baseline` names a series drawn in bold
        white over the others.
        """
        plt = self.plt
        plt.clear_figure()
        self.legend: list[tuple[str, str, str, bool]] = []  # glyph, colour, label, bold
        # What the chart shows, by legend label: the number of points of each curve.
        self.drawn = {label: len(ys) for label, (_, ys) in series.items() if ys}
        self.series = series
        self.trace = trace if trace and trace[1] else None
        self.trace_points = len(trace[1]) if self.trace else 0
        drawn = any(ys for _, ys in series.values()) or bool(self.trace_points)
        plt.title(title if best_epoch is None else f"{title}  (best epoch {best_epoch})")
        if not drawn:
            plt.title(f"{title}: waiting for the first epoch")
            self.refresh()
            return
        if log_y:
            # plotext's own log scale rewrites the data in place when it draws, so a second
            # render of the same figure (a resize, a refresh) takes the log of a log and fails;
            # the values are plotted as log10 with ticks labelled in the metric's own units.
            series = {label: (xs, [math.log10(y) for y in ys]) for label, (xs, ys) in
                      series.items()}
            if trace:
                trace = (trace[0], [math.log10(y) for y in trace[1]])
            log_ticks(plt, [y for _, ys in series.values() for y in ys]
                      + (list(trace[1]) if trace else []))
        if self.trace_points:
            plt.plot(trace[0], trace[1], color=BATCH_COLOR, marker="braille")
        markers = markers or {}
        legend = self.legend
        for index, (label, (xs, ys)) in enumerate(series.items()):
            if not ys or label == baseline:
                continue
            marker = markers.get(label) or "hd"
            if len(ys) == 1 and marker in GLYPHS and marker != "dot":
                marker = FILLED
            color = COLORS[index % len(COLORS)]
            plt.plot(xs, ys, color=color, marker=marker)
            legend.append((GLYPHS.get(marker, marker), color, label, False))
        if baseline is not None and series.get(baseline, ([], []))[1]:
            xs, ys = series[baseline]
            marker = markers.get(baseline) or "fhd"
            plt.plot(xs, ys, color="white", marker=marker, style="bold")
            legend.append((GLYPHS.get(marker, marker), "white", f"{baseline} (baseline)", True))
        if x_range is None:
            last = max([int(max(xs)) for xs, ys in series.values() if xs] or [1])
            low, high = 1.0, float(max(last, epochs_total or 0, 2))
        else:
            low, high = x_range
        best = None
        if best_epoch is not None:
            best = best_x if best_x is not None else best_epoch
            if not low <= best <= high:
                best = None
        if best is not None:
            # A best-epoch line on the first or last column would lie on the frame and double
            # it: the axis gets two columns of room beyond it.
            column = (high - low) / max(self.size.width - 10, 10)
            low = min(low, best - 2 * column)
            high = max(high, best + 2 * column)
        plt.xlim(low, high)
        if xlabel == "epoch":
            # Epochs are whole numbers, even when step lines share the axis.
            first, last = math.ceil(low - 1e-9), math.floor(high + 1e-9)
            step = max(1, math.ceil((last - first + 1) / 10))
            plt.xticks(list(range(first, last + 1, step)))
        if best is not None:
            plt.vline(best, BEST_COLOR)
        plt.xlabel(xlabel)
        self.refresh()


def place_legend(plot: Text, entries: list[tuple[str, str, str, bool]]) -> Text:
    """The plot with its legend written into the corner of the frame that covers the fewest
    drawn cells (top left first on a tie), or unchanged when the frame is too small for it."""
    lines = list(plot.split("\n", allow_blank=True))
    plain = [line.plain for line in lines]
    top = next((i for i, row in enumerate(plain) if "┌" in row), None)
    if top is None or "┐" not in plain[top]:
        return plot
    bottom = next((i for i in range(top + 1, len(plain)) if "└" in plain[i]), None)
    left, right = plain[top].index("┌"), plain[top].rindex("┐")
    if bottom is None:
        return plot
    cells = [f" {glyph * 2} {label} " for glyph, _, label, _ in entries]
    width, height = max(len(c) for c in cells), len(cells)
    if height > bottom - top - 1 or width > right - left - 1:
        return plot
    corners = [(top + 1, left + 1), (top + 1, right - width), (bottom - height, left + 1),
               (bottom - height, right - width)]

    def covered(corner: tuple[int, int]) -> float:
        # Hiding a piece of the best-epoch line costs less than hiding a curve.
        row, col = corner
        return sum(0.25 if ch == "│" else 1.0 for r in range(row, row + height)
                   for ch in plain[r][col:col + width] if ch != " ")

    row, col = min(corners, key=covered)
    for k, (glyph, color, label, bold) in enumerate(entries):
        line = lines[row + k]
        background = Style(bgcolor=_style_at(line, col).bgcolor)
        number = COLOR_NUMBERS.get(color)
        tint = Style(color=f"color({number})" if number is not None else color, bold=bold)
        entry = Text(" ", style=background)
        entry.append(glyph * 2, style=background + tint)
        entry.append(f" {label}".ljust(width - 3), style=background + Style(bold=bold))
        lines[row + k] = line[:col] + entry + line[col + width:]
    return Text("\n").join(lines)


def _style_at(line: Text, offset: int) -> Style:
    style = Style.null()
    for span in line.spans:
        if span.start <= offset < span.end and isinstance(span.style, Style):
            style += span.style
    return style


def log_ticks(plt, logs: list[float], count: int = 5) -> None:
    """Y ticks for log10 values, labelled with the values themselves (3 significant digits)."""
    if not logs:
        return
    low, high = min(logs), max(logs)
    if high - low < 1e-9:
        low, high = low - 0.05, high + 0.05
    ticks = [low + (high - low) * i / (count - 1) for i in range(count)]
    plt.yticks(ticks, [f"{10 ** t:.3g}" for t in ticks])
