"""How a chart is shown (x-axis, smoothing, log scale, zoom) and the arithmetic behind it, shared by
the dashboard and Compare (plain Python, no Textual, so it is tested without an app).

Smoothing is TensorBoard's: an exponential moving average with its start-up bias removed, so the
first points are not dragged towards zero; weight 0 shows the raw values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Series = tuple[list[float], list[float]]

# The weights the smoothing keys step through (TensorBoard's slider runs 0 to 0.99).
SMOOTHING_STEPS = (0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99)


def smooth(values: list[float], weight: float) -> list[float]:
    """Debiased exponential moving average; weight 0 returns the values unchanged."""
    if weight <= 0 or not values:
        return list(values)
    out, last, scale = [], 0.0, 0.0
    for value in values:
        last = last * weight + (1 - weight) * value
        scale = scale * weight + (1 - weight)
        out.append(last / scale)
    return out


def next_after(offered: list[str], current: str) -> str:
    """The choice after `current` in `offered`, round again to the first (the metric keys)."""
    at = offered.index(current) if current in offered else -1
    return offered[(at + 1) % len(offered)]


@dataclass
class ChartView:
    """The chart settings a user changes with keys; `describe()` is the line shown above charts."""

    x_axis: str = "epochs"  # or "steps"
    smoothing: float = 0.0
    log_y: bool = False
    last_epochs: int | None = None  # zoomed to the last N epochs; None shows them all

    def toggle_x(self) -> None:
        self.x_axis = "steps" if self.x_axis == "epochs" else "epochs"

    def smoother(self, direction: int) -> None:
        """One step up (+1) or down (-1) the smoothing weights."""
        index = min(range(len(SMOOTHING_STEPS)),
                    key=lambda i: abs(SMOOTHING_STEPS[i] - self.smoothing))
        index = max(0, min(len(SMOOTHING_STEPS) - 1, index + direction))
        self.smoothing = SMOOTHING_STEPS[index]

    def zoom_in(self, epochs_seen: int) -> None:
        """Halve the window of epochs shown (down to the last one)."""
        current = self.last_epochs or max(epochs_seen, 1)
        self.last_epochs = max(1, current // 2) if current > 1 else 1

    def zoom_out(self, epochs_seen: int) -> None:
        """Double the window; once it covers every epoch seen, show them all again."""
        if self.last_epochs is None:
            return
        doubled = self.last_epochs * 2
        self.last_epochs = None if doubled >= epochs_seen else doubled

    def control(self, what: str, *args: int, epochs_seen: int = 0) -> None:
        """Apply one chart key: toggle_x, smoother (+1/-1), log, zoom_in, zoom_out."""
        if what == "toggle_x":
            self.toggle_x()
        elif what == "smoother":
            self.smoother(args[0])
        elif what == "log":
            self.log_y = not self.log_y
        elif what == "zoom_in":
            self.zoom_in(epochs_seen)
        elif what == "zoom_out":
            self.zoom_out(epochs_seen)

    def describe(self) -> str:
        parts = [f"x: {self.x_axis}",
                 f"smoothing {self.smoothing:g}" if self.smoothing else "no smoothing",
                 "log y" if self.log_y else "linear y",
                 f"last {self.last_epochs} epoch{'s' * (self.last_epochs != 1)}"
                 if self.last_epochs else "all epochs"]
        return " · ".join(parts)

    def window(self, epochs_seen: float) -> tuple[float, float] | None:
        """The range of x in epochs (0 = the start of epoch 1) the zoom keeps, or None."""
        if self.last_epochs is None or epochs_seen <= self.last_epochs:
            return None
        return (epochs_seen - self.last_epochs, epochs_seen)

    def apply(self, series: Series, epochs_seen: float, steps_per_epoch: float | None,
              smoothed: bool = True) -> Series:
        """A series in epochs (x = epoch number, fractional for batches) cut to the zoom,
        smoothed, made positive for a log scale, and moved to steps when asked."""
        xs, ys = list(series[0]), list(series[1])
        keep = self.window(epochs_seen)
        if keep is not None:
            pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if x > keep[0]]
            xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None and math.isfinite(y)]
        xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        if smoothed:
            ys = smooth(ys, self.smoothing)
        if self.log_y:
            pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if y > 0]
            xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        if self.x_axis == "steps" and steps_per_epoch:
            xs = [x * steps_per_epoch for x in xs]
        return xs, ys
