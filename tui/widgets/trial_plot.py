"""A sweep's trials in order: each trial's best monitored value, and the best so far."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from seqtui.tui.widgets.metric_plot import BEST_COLOR, GLYPHS, TRAIN_COLOR, CornerLegend

TRIAL_MARKER, BEST_MARKER = "o", "hd"


class TrialPlot(CornerLegend, PlotextPlot):
    """Redrawn by `show`, never by itself. A minimizing sweep's first trials are often its
    worst, top left, where plotext would write the legend: CornerLegend places it."""

    def on_unmount(self) -> None:
        # As MetricPlot: leave the theme signal, or closed screens stay in memory.
        self.app.theme_changed_signal.unsubscribe(self)

    def show(self, monitor: str, points: list[tuple[int, float | None]], minimize: bool) -> None:
        """points: (trial number, best value of the trial, None when it has none yet)."""
        plt = self.plt
        plt.clear_figure()
        scored = [(n, v) for n, v in points if v is not None]
        self.drawn = len(scored)
        self.legend: list[tuple[str, str, str, bool]] = []
        if not scored:
            plt.title(f"{monitor} by trial: waiting for the first epoch")
            self.refresh()
            return
        pick = min if minimize else max
        best, best_xs, best_ys = None, [], []
        for n, v in scored:
            best = v if best is None else pick(best, v)
            best_xs.append(n)
            best_ys.append(best)
        plt.title(f"{monitor} by trial  (best {best:.4f})")
        plt.scatter([n for n, _ in scored], [v for _, v in scored], color=TRAIN_COLOR,
                    marker=TRIAL_MARKER)
        plt.plot(best_xs, best_ys, color=BEST_COLOR, marker=BEST_MARKER)
        self.legend = [(TRIAL_MARKER, TRAIN_COLOR, "trial", False),
                       (GLYPHS[BEST_MARKER], BEST_COLOR, "best so far", False)]
        right = max(n for n, _ in points)
        plt.xlim(-0.5, max(right, 1) + 0.5)
        step = max(1, (right + 1) // 10)
        plt.xticks(list(range(0, right + 1, step)))
        plt.xlabel("trial")
        self.refresh()
