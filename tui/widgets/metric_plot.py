"""A training curve: named series over epochs or steps, a light per-batch line underneath, the
best epoch marked, an optional baseline drawn distinctly."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

TRAIN_COLOR = "cyan"
VAL_COLOR = "orange"
BATCH_COLOR = "gray"
BEST_COLOR = "green"
COLORS = [TRAIN_COLOR, VAL_COLOR, "magenta", "blue", "red", "yellow", "green", "white"]


class MetricPlot(PlotextPlot):
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
        for index, (label, (xs, ys)) in enumerate(series.items()):
            if not ys or label == baseline:
                continue
            marker = markers.get(label) or ("hd" if len(ys) > 1 else "o")
            plt.plot(xs, ys, label=label, color=COLORS[index % len(COLORS)], marker=marker)
        if baseline is not None and series.get(baseline, ([], []))[1]:
            xs, ys = series[baseline]
            plt.plot(xs, ys, label=f"{baseline} (baseline)", color="white",
                     marker=markers.get(baseline) or "fhd", style="bold")
        if x_range is None:
            last = max([int(max(xs)) for xs, ys in series.values() if xs] or [1])
            right = max(last, epochs_total or 0, 2)
            plt.xlim(1, right)
            step = max(1, right // 10)
            plt.xticks(list(range(1, right + 1, step)))
        else:
            plt.xlim(*x_range)
        if best_epoch is not None:
            best = best_x if best_x is not None else best_epoch
            if x_range is None or x_range[0] <= best <= x_range[1]:
                plt.vline(best, BEST_COLOR)
        plt.xlabel(xlabel)
        self.refresh()


def log_ticks(plt, logs: list[float], count: int = 5) -> None:
    """Y ticks for log10 values, labelled with the values themselves (3 significant digits)."""
    if not logs:
        return
    low, high = min(logs), max(logs)
    if high - low < 1e-9:
        low, high = low - 0.05, high + 0.05
    ticks = [low + (high - low) * i / (count - 1) for i in range(count)]
    plt.yticks(ticks, [f"{10 ** t:.3g}" for t in ticks])
