"""The dashboard's curves: two metric charts (loss and accuracy unless picked otherwise), each with
the per-batch values as a light step line under the epoch points, and one line saying how they
are shown (x-axis, smoothing, log scale, zoom) and the keys that change it."""

from __future__ import annotations

import math
import time

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static

from seqtui.tui.chartview import ChartView
from seqtui.tui.runstate import RunState
from seqtui.tui.widgets.metric_plot import MetricPlot

# Per-batch changes redraw the curves at most this often; a finished epoch or a key redraws at once.
PLOT_REFRESH_SECONDS = 1.0
DEFAULT_METRICS = ("loss", "accuracy")
KEYS_HINT = "keys: x [ ] l m M z Z"


class CurvesPanel(Vertical):
    """Drawn from a RunState by `draw`; the screen's keys change `view` and the picked metrics."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view = ChartView()
        self.picked: list[str | None] = [None, None]  # None: the default metric for that chart
        self.state: RunState | None = None
        self._signature: tuple = ()
        self._drawn_at = 0.0
        self._late_draw: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="chart-controls")
        with Horizontal(id="dash-curves"):
            yield MetricPlot(id="plot-loss")
            yield MetricPlot(id="plot-accuracy")

    # ---- keys --------------------------------------------------------------------------------

    def change(self, what: str, *args: int) -> None:
        """Apply one control (toggle_x, smoother, log, zoom_in, zoom_out, metric) and redraw."""
        state = self.state or RunState()
        epochs_seen = math.ceil(state.progress_epochs)
        if what == "toggle_x":
            self.view.toggle_x()
        elif what == "smoother":
            self.view.smoother(args[0])
        elif what == "log":
            self.view.log_y = not self.view.log_y
        elif what == "zoom_in":
            self.view.zoom_in(epochs_seen)
        elif what == "zoom_out":
            self.view.zoom_out(epochs_seen)
        elif what == "metric":
            chart = args[0]
            offered = state.metrics() or list(DEFAULT_METRICS)
            current = self.metrics()[chart]
            at = offered.index(current) if current in offered else -1
            self.picked[chart] = offered[(at + 1) % len(offered)]
        if self.state is not None:
            self.draw(self.state)

    def metrics(self) -> list[str]:
        """The metric each chart shows: the picked one, else loss and accuracy (or the first
        metrics the run logs)."""
        offered = self.state.metrics() if self.state else []
        defaults = [m for m in DEFAULT_METRICS if m in offered] or offered[:2]
        defaults = (defaults + [m for m in DEFAULT_METRICS if m not in defaults])[:2]
        return [picked or default for picked, default in zip(self.picked, defaults, strict=True)]

    # ---- drawing -----------------------------------------------------------------------------

    def _draw_late(self) -> None:
        self._late_draw = None
        if self.state is not None:
            self.draw(self.state)

    def draw(self, state: RunState) -> None:
        self.state = state
        view = self.view
        metrics = self.metrics()
        signature = (len(state.epochs), state.best_epoch, state.outcome, self.size,
                     view.x_axis, view.smoothing, view.log_y, view.last_epochs, tuple(metrics))
        now = time.monotonic()
        wait = PLOT_REFRESH_SECONDS - (now - self._drawn_at)
        if signature == self._signature and wait > 0:
            # The last batches of a burst are drawn when the wait is over, not at the next event.
            if self._late_draw is None:
                self._late_draw = self.set_timer(wait, self._draw_late)
            return
        if self._late_draw is not None:
            self._late_draw.stop()
            self._late_draw = None
        self._signature, self._drawn_at = signature, now
        self.query_one("#chart-controls", Static).update(f"{view.describe()}   {KEYS_HINT}")
        seen = state.progress_epochs
        per_epoch = state.steps_per_epoch or state.steps
        steps = view.x_axis == "steps" and bool(per_epoch)
        scale = per_epoch if steps else 1
        has_trace = any(state.batch_points.get(m) for m in metrics)
        window = view.window(seen)
        x_range = None
        if window or steps or has_trace:
            left = window[0] if window else 0.0 if (has_trace or steps) else 1.0
            right = max(math.ceil(seen), left + 1) if window else \
                max(math.ceil(seen), state.epochs_total or 0, 2)
            x_range = (left * scale, right * scale)
        for plot_id, metric in zip(("plot-loss", "plot-accuracy"), metrics, strict=True):
            val = "val (test split)" if state.validated_on_test else "val"
            series = {"train": view.apply(state.series(metric), seen, per_epoch, smoothed=False),
                      val: view.apply(state.series(f"val_{metric}"), seen, per_epoch,
                                      smoothed=False)}
            trace = view.apply(state.batch_series(metric), seen, per_epoch)
            best_x = state.best_epoch * scale if state.best_epoch is not None else None
            self.query_one(f"#{plot_id}", MetricPlot).show(
                metric, series, best_epoch=state.best_epoch, epochs_total=state.epochs_total,
                trace=trace, best_x=best_x, x_range=x_range,
                xlabel="step" if steps else "epoch", log_y=view.log_y)
