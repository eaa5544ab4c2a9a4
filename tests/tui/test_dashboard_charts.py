"""Dashboard chart controls against a run whose events the test appends: the step line during
the first epoch, x-axis in steps, smoothing, log y, the metric picker, zoom."""

from __future__ import annotations

import pytest

from helpers import wait_until
from seqtui.tui.screens.dashboard import DashboardScreen

pytestmark = pytest.mark.anyio


def chart_text(plot) -> str:
    return plot.render().plain


def batch(step: int, loss: float, acc: float, epoch_time: float) -> dict:
    return {"type": "batch", "time": epoch_time + step, "step": step, "steps": 7,
            "logs": {"loss": loss, "accuracy": acc}, "examples_per_sec": 100.0,
            "elapsed": float(step)}


async def test_step_line_moves_during_epoch_one_and_every_chart_key_works(runs, make_app, shown):
    config = runs.tiny("bilstm", epochs=4)
    path = runs.create("2026-01-01_000000_bilstm", config, runs.start_events(config) + [
        {"type": "epoch_started", "time": runs.T0 + 2, "epoch": 1, "epochs": 4, "steps": 7},
        batch(1, 0.70, 0.50, runs.T0)], alive=True)
    app = make_app(attach=path)
    async with app.run_test(size=(120, 40)) as pilot:
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        left = dash.query_one("#plot-loss")
        right = dash.query_one("#plot-accuracy")
        controls = dash.query_one("#chart-controls")
        await wait_until(pilot, lambda: left.trace_points == 1)
        assert "waiting" not in chart_text(left)  # no epoch has ended, yet the loss shows
        runs.append(path, [batch(3, 0.62, 0.55, runs.T0), batch(5, 0.55, 0.61, runs.T0)])
        await wait_until(pilot, lambda: left.trace_points == 3, timeout=5)
        assert left.trace[1] == [0.70, 0.62, 0.55]
        assert right.trace[1] == [0.50, 0.55, 0.61]
        assert "x: epochs" in shown(controls)

        await pilot.press("x")
        assert "x: steps" in shown(controls)
        assert left.trace[0] == pytest.approx([1, 3, 5])
        assert "step" in chart_text(left).splitlines()[-1]
        await pilot.press("x")
        assert left.trace[0] == pytest.approx([1 / 7, 3 / 7, 5 / 7])

        await pilot.press("right_square_bracket", "right_square_bracket")
        assert "smoothing 0.6" in shown(controls)
        assert left.trace[1][0] == pytest.approx(0.70)
        assert left.trace[1][-1] > 0.55 + 0.01  # pulled up by the earlier, higher losses
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert "no smoothing" in shown(controls)
        assert left.trace[1] == [0.70, 0.62, 0.55]

        linear = chart_text(left)
        await pilot.press("l")
        assert "log y" in shown(controls)
        assert chart_text(left) != linear
        await pilot.press("l")

        await pilot.press("m")
        assert chart_text(left).splitlines()[0].strip().startswith("accuracy")
        assert left.trace[1] == [0.50, 0.55, 0.61]
        await pilot.press("M")
        assert chart_text(right).splitlines()[0].strip().startswith("loss")
        await pilot.press("m", "M")

        runs.append(path, [runs.epoch_event(*c, best_epoch=2) for c in runs.OVERFIT_CURVE])
        await wait_until(pilot, lambda: left.drawn.get("train") == 4)
        await pilot.press("z")
        assert "last 2 epochs" in shown(controls)
        assert left.drawn == {"train": 2, "val": 2}
        assert left.trace_points == 0  # the batches were all in epoch 1
        await pilot.press("z")
        assert left.drawn == {"train": 1, "val": 1}
        await pilot.press("Z", "Z")
        assert "all epochs" in shown(controls)
        assert left.drawn == {"train": 4, "val": 4}


async def test_the_metric_picker_offers_every_logged_metric(runs, make_app):
    config = runs.tiny("gap", epochs=2)
    event = runs.epoch_event(1, 0.6, 0.7, 0.5, 0.8, best_epoch=1)
    event["logs"] |= {"auc": 0.75, "val_auc": 0.8, "learning_rate": 0.001}
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config) + [event])
    app = make_app(attach=path)
    async with app.run_test(size=(120, 40)) as pilot:
        left = app.screen.query_one("#plot-loss")
        await wait_until(pilot, lambda: left.drawn)
        titles = []
        for _ in range(4):
            await pilot.press("m")
            titles.append(chart_text(left).splitlines()[0].split()[0])
        assert titles == ["accuracy", "auc", "learning_rate", "loss"]
