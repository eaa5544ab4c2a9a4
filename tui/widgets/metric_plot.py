"""A training curve: train against validation for one metric, the best epoch marked."""

from __future__ import annotations

from textual_plotext import PlotextPlot

TRAIN_COLOR = "cyan"
VAL_COLOR = "orange"
BATCH_COLOR = "gray"
BEST_COLOR = "green"


class MetricPlot(PlotextPlot):
    """One metric's curves over epochs; redrawn by `show`, never by itself."""

    def on_unmount(self) -> None:
        # PlotextPlot subscribes to the app's theme signal when mounted and never leaves it: the
        # subscription's callback holds the widget, so every closed dashboard's plots (and their
        # render caches) stayed in memory, and the garbage collector's full passes over them
        # grew to 100 ms pauses that users felt as slow keys.
        self.app.theme_changed_signal.unsubscribe(self)

    def show(self, title: str, series: dict[str, tuple[list[float], list[float]]],
             best_epoch: int | None = None, epochs_total: int | None = None,
             trace: tuple[list[float], list[float]] | None = None) -> None:
        """Draw named (xs, ys) series; `trace` is a light per-batch line drawn underneath."""
        plt = self.plt
        plt.clear_figure()
        # What the chart shows, by legend label: the number of points of each curve.
        self.drawn = {label: len(ys) for label, (_, ys) in series.items() if ys}
        drawn = any(ys for _, ys in series.values()) or bool(trace and trace[1])
        plt.title(title if best_epoch is None else f"{title}  (best epoch {best_epoch})")
        if not drawn:
            plt.title(f"{title}: waiting for the first epoch")
            self.refresh()
            return
        if trace and trace[1]:
            plt.plot(trace[0], trace[1], color=BATCH_COLOR, marker="braille")
        colors = [TRAIN_COLOR, VAL_COLOR, "magenta", "blue", "red", "yellow", "green", "white"]
        for index, (label, (xs, ys)) in enumerate(series.items()):
            if ys:
                plt.plot(xs, ys, label=label, color=colors[index % len(colors)],
                         marker="hd" if len(ys) > 1 else "o")
        last = max([int(max(xs)) for xs, ys in series.values() if xs] or [1])
        right = max(last, epochs_total or 0, 2)
        plt.xlim(1, right)
        step = max(1, right // 10)
        plt.xticks(list(range(1, right + 1, step)))
        if best_epoch is not None:
            plt.vline(best_epoch, BEST_COLOR)
        plt.xlabel("epoch")
        self.refresh()
