"""Chart settings and their arithmetic: smoothing, zoom, log scale, steps; batch points kept."""

from __future__ import annotations

import pytest

from seqtui.tui.chartview import SMOOTHING_STEPS, ChartView, smooth
from seqtui.tui.runstate import MAX_BATCH_POINTS, RunState


def test_smoothing_is_debiased_and_zero_weight_is_raw():
    values = [1.0, 0.0, 1.0, 0.0]
    assert smooth(values, 0.0) == values
    smoothed = smooth(values, 0.5)
    assert smoothed[0] == pytest.approx(1.0)  # no pull towards zero at the start
    assert smoothed[1] == pytest.approx(1 / 3)  # (0.25 + 0) / 0.75
    assert max(smoothed[1:]) < 1.0 and min(smoothed[1:]) > 0.0


def test_smoothing_keys_step_through_the_weights_and_stop_at_the_ends():
    view = ChartView()
    view.smoother(-1)
    assert view.smoothing == 0.0
    for expected in SMOOTHING_STEPS[1:]:
        view.smoother(1)
        assert view.smoothing == expected
    view.smoother(1)
    assert view.smoothing == SMOOTHING_STEPS[-1]
    assert "smoothing 0.99" in view.describe()


def test_zoom_halves_the_window_then_doubles_back_to_all():
    view = ChartView()
    view.zoom_in(8)
    assert view.last_epochs == 4
    view.zoom_in(8)
    view.zoom_in(8)
    view.zoom_in(8)
    assert view.last_epochs == 1
    assert "last 1 epoch " in view.describe() + " "
    for expected in (2, 4, None):
        view.zoom_out(8)
        assert view.last_epochs == expected
    assert "all epochs" in view.describe()


def test_apply_cuts_to_the_zoom_drops_non_positive_values_on_log_and_moves_to_steps():
    view = ChartView(last_epochs=2, log_y=True, x_axis="steps")
    xs, ys = view.apply(([1, 2, 3, 4], [0.5, 0.0, 0.3, 0.2]), epochs_seen=4, steps_per_epoch=10)
    assert (xs, ys) == ([30, 40], [0.3, 0.2])
    view = ChartView(log_y=True)
    assert view.apply(([1, 2], [0.0, 0.5]), 2, 10) == ([2], [0.5])


def test_batch_points_keep_every_metric_and_a_long_run_keeps_its_whole_line():
    state = RunState()
    steps = MAX_BATCH_POINTS + 1
    state.feed([{"type": "epoch_started", "epoch": 1, "steps": steps}])
    logs = [{"loss": 1 / s, "accuracy": 0.5, "auc": None} for s in range(1, steps + 1)]
    state.feed([{"type": "batch", "step": s, "steps": steps, "logs": log}
                for s, log in enumerate(logs, start=1)])
    xs, ys = state.batch_series("loss")
    assert len(xs) <= MAX_BATCH_POINTS
    assert xs[0] == pytest.approx(1 / steps) and xs[-1] == pytest.approx(1.0)  # start and end
    assert ys[-1] == pytest.approx(1 / steps)
    assert state.metrics() == ["loss", "accuracy"]  # auc was never a number


def test_a_resumed_epoch_drops_the_batches_of_the_cut_short_one():
    state = RunState()
    state.feed([{"type": "epoch_started", "epoch": 2, "steps": 4},
                {"type": "batch", "step": 2, "steps": 4, "logs": {"loss": 0.9}},
                {"type": "epoch_started", "epoch": 2, "steps": 4},
                {"type": "batch", "step": 1, "steps": 4, "logs": {"loss": 0.7}}])
    assert state.batch_series("loss") == ([1.25], [0.7])
