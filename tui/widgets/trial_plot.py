"""A sweep's trials in order: each trial's best monitored value, and the best so far."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from seqtui.tui.widgets.metric_plot import BEST_COLOR, TRAIN_COLOR


class TrialPlot(PlotextPlot):
    """Redrawn by `show`, never by itself."""

    def on_unmount(self) -> None:
        # As MetricPlot: leave the theme signal, or closed screens stay in memory.
        self.app.theme_changed_signal.unsubscribe(self)

    def show(self, monitor: str, points: list[tuple[int, float | None]], minimize: bool) -> None:
        """points: (trial number, best value of the trial, None when it has none yet)."""
        plt = self.plt
        plt.clear_figure()
        scored = [(n, v) for n, v in points if v is not None]
        self.drawn = len(scored)
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
        plt.scatter([n for n, _ in scored], [v for _, v in scored], label="trial",
                    color=TRAIN_COLOR, marker="o")
        plt.plot(best_xs, best_ys, label="best so far", color=BEST_COLOR, marker="hd")
        right = max(n for n, _ in points)
        plt.xlim(-0.5, max(right, 1) + 0.5)
        step = max(1, (right + 1) // 10)
        plt.xticks(list(range(0, right + 1, step)))
        plt.xlabel("trial")
        self.refresh()
