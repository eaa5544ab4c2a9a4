"""The dashboard's curves: two metric charts (loss and accuracy unless picked otherwise), each with
the per-batch values as a light step line under the epoch points, and one line saying how they
are shown (x-axis, smoothing, log scale, zoom) and the keys that change it."""

from __future__ import annotations

import math
import time

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static

from seqtui.tui.chartview import ChartView, next_after
from seqtui.tui.runstate import RunState
from seqtui.tui.widgets.metric_plot import MetricPlot

# Per-batch changes redraw the curves at most this often; a finished epoch or a key redraws at once.
PLOT_REFRESH_SECONDS = 1.0
DEFAULT_METRICS = ("loss", "accuracy")
KEYS_HINT = "keys: x [ ] l m M z Z"
# Train and validation apart without colour, as in the reports' text plots.
TRAIN_MARKER, VAL_MARKER = "hd", "•"


def chart_bindings(prefix: str, smoothed: str) -> list[Binding]:
    """The chart keys the dashboard and Compare share (x-axis, smoothing, log y, zoom), each
    screen's under its own binding ids (`prefix.x_axis`, ...) so a keymap can tell them apart;
    `smoothed` names what the smoothing keys smooth there. Their action is `chart(what, ...)`."""
    return [
        Binding("x", "chart('toggle_x')", "X-axis", show=False,
                tooltip="Curves over epochs or over steps", id=f"{prefix}.x_axis"),
        Binding("right_square_bracket", "chart('smoother', 1)", "Smoother", show=False,
                tooltip=f"Smooth {smoothed} more", id=f"{prefix}.smooth_more"),
        Binding("left_square_bracket", "chart('smoother', -1)", "Rougher", show=False,
                tooltip=f"Smooth {smoothed} less", id=f"{prefix}.smooth_less"),
        Binding("l", "chart('log')", "Log y", show=False, tooltip="Log or linear y-axis",
                id=f"{prefix}.log_y"),
        Binding("z", "chart('zoom_in')", "Zoom in", show=False,
                tooltip="Show only the last epochs (halves the window)", id=f"{prefix}.zoom_in"),
        Binding("Z", "chart('zoom_out')", "Zoom out", show=False,
                tooltip="Show more epochs again (doubles the window, then all)",
                id=f"{prefix}.zoom_out"),
    ]


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
        if what == "metric":
            chart = args[0]
            offered = state.metrics() or list(DEFAULT_METRICS)
            self.picked[chart] = next_after(offered, self.metrics()[chart])
        else:
            self.view.control(what, *args, epochs_seen=epochs_seen)
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
                xlabel="step" if steps else "epoch", log_y=view.log_y,
                markers={"train": TRAIN_MARKER, val: VAL_MARKER})
