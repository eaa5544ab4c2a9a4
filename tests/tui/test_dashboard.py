"""Dashboard: follows events appended while it is open; stage, progress, curves, epoch table,
overfitting call-out, log; stop (asks), pause/resume, back."""

from __future__ import annotations

import pytest

from helpers import wait_until
from seqtui.engine.runs.control import CONTROL_DIR
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.screens.dashboard import DashboardScreen
from seqtui.tui.screens.runs import RunsScreen

pytestmark = pytest.mark.anyio


async def test_follows_a_run_from_stage_to_overfitting_to_finish(runs, make_app, shown):
    config = runs.tiny("bilstm", epochs=4)
    path = runs.create("2026-01-01_000000_bilstm", config, runs.start_events(config)[:1],
                       alive=True)
    runs.append(path, [{"type": "stage", "time": runs.T0 + 1, "stage": "vocabulary",
                        "message": "building the vocabulary"}])
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        progress = dash.query_one("#dash-progress")
        await wait_until(pilot, lambda: "building the vocabulary" in shown(progress))
        assert "running" in shown(progress)

        runs.append(path, runs.start_events(config)[1:] + [
            {"type": "epoch_started", "time": runs.T0 + 2, "epoch": 1, "epochs": 4, "steps": 7},
            {"type": "batch", "time": runs.T0 + 3, "step": 3, "steps": 7,
             "logs": {"loss": 0.68}, "examples_per_sec": 321.0, "elapsed": 1.5}])
        await wait_until(pilot, lambda: "step 3/7" in shown(progress))
        assert "321 ex/s" in shown(progress)
        assert "ETA" in shown(progress)

        overfit = dash.query_one("#dash-overfit")
        for index, curve in enumerate(runs.OVERFIT_CURVE[:2]):
            runs.append(path, [runs.epoch_event(*curve, best_epoch=index + 1)])
        await wait_until(pilot, lambda: dash.query_one("#dash-epochs").row_count == 2)
        assert not overfit.has_class("-shown")  # val_loss still falling
        for curve in runs.OVERFIT_CURVE[2:]:
            runs.append(path, [runs.epoch_event(*curve, best_epoch=2)])
        await wait_until(pilot, lambda: overfit.has_class("-shown"))
        assert "epoch 2 is the one to keep" in shown(overfit)
        assert "2*" in [str(c) for c in dash.query_one("#dash-epochs").get_row_at(1)]

        runs.append(path, [{"type": "run_finished", "time": runs.T0 + 60,
                            "status": "completed", "best_epoch": 2}])
        await wait_until(pilot, lambda: dash.state.outcome == "completed")
        await wait_until(pilot, lambda: "completed" in shown(progress))
        assert "finished: completed" in dash.state.log[-1]


async def test_stop_asks_then_writes_the_stop_request(runs, make_app):
    config = runs.tiny("gap")
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config), alive=True)
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("s")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert not (path / CONTROL_DIR / "stop").exists()
        await pilot.press("s", "y")
        assert (path / CONTROL_DIR / "stop").exists()
        assert isinstance(app.screen, DashboardScreen)


async def test_p_pauses_and_resumes_and_shows_it(runs, make_app, shown):
    config = runs.tiny("gap")
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config), alive=True)
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("p")
        assert (path / CONTROL_DIR / "pause").exists()
        runs.append(path, [{"type": "paused", "time": runs.T0 + 5, "step": 2}])
        progress = app.screen.query_one("#dash-progress")
        await wait_until(pilot, lambda: "paused" in shown(progress))
        await pilot.press("p")
        assert not (path / CONTROL_DIR / "pause").exists()
        runs.append(path, [{"type": "resumed", "time": runs.T0 + 6, "step": 2}])
        await wait_until(pilot, lambda: "paused" not in shown(progress).split("\n")[0])


async def test_controls_refuse_a_finished_run(runs, make_app):
    path = runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("s", "p")
        assert isinstance(app.screen, DashboardScreen)
        assert not (path / CONTROL_DIR / "stop").exists()
        assert not (path / CONTROL_DIR / "pause").exists()


async def test_a_failed_run_shows_why(runs, make_app, shown):
    config = runs.tiny("gap")
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config) + [
        {"type": "run_failed", "time": runs.T0 + 9, "message": "DataError: only one class"}])
    (path / "worker.log").write_text("Traceback (most recent call last):\nDataError: boom\n")
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        await wait_until(pilot, lambda: dash.state.outcome == "failed")
        await wait_until(pilot, lambda: "only one class" in shown(dash.query_one("#dash-progress")))
        await wait_until(pilot, lambda: any("DataError: boom" in line for line in dash.state.log))


async def test_a_run_whose_process_vanished_reads_as_died(runs, make_app, shown):
    config = runs.tiny("gap")
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config))
    (path / "pid").write_text('{"pid": 999999999, "start": 1}')
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: "died" in shown(app.screen.query_one("#dash-progress")))


async def test_tabs_switch_with_number_keys_and_escape_goes_back(runs, make_app):
    path = runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        from textual.widgets import TabbedContent

        tabs = app.screen.query_one(TabbedContent)
        for key, tab in (("2", "epochs"), ("3", "log"), ("4", "model"), ("1", "curves")):
            await pilot.press(key)
            assert tabs.active == tab
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_error_analysis_tab_once_the_run_is_over(runs, make_app, shown):
    import json

    path = runs.finished("2026-01-01_000000_bilstm")
    analysis = {
        "examples": 100, "classes": ["negative", "positive"], "accuracy": 0.8, "macro_f1": 0.8,
        "confusion_matrix": [[42, 8], [12, 38]], "errors": 20,
        "per_class": [
            {"class": "negative", "precision": 0.778, "recall": 0.84, "f1": 0.8, "support": 50,
             "predicted": 54},
            {"class": "positive", "precision": 0.826, "recall": 0.76, "f1": 0.8, "support": 50,
             "predicted": 46}],
        "confidently_wrong": [{"index": 3, "true": "positive", "predicted": "negative",
                               "confidence": 0.97, "text": "the plot was dull but I loved it"}],
    }
    (path / "analysis.json").write_text(json.dumps(analysis))
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("5")
        errors = app.screen.query_one("#dash-errors")
        await wait_until(pilot, lambda: "confusion" in shown(errors))
        text = shown(errors)
        assert "test accuracy 0.8000 on 100 examples, 20 wrong" in text
        assert "lowest recall: positive (0.760)" in text
        assert "0.970 negative (true positive): the plot was dull but I loved it" in text
        assert app.screen.query_one("TabbedContent").active == "errors"


async def test_model_tab_shows_the_real_vocabulary_once_training_knows_it(runs, make_app, shown):
    config = runs.tiny("gap", epochs=4)
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config)[:1],
                       alive=True)
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        model = app.screen.query_one("#dash-model")
        await wait_until(pilot, lambda: "planned" in shown(model))
        assert "at most 10,000 ids" in shown(model)
        # What the training process writes once its vocabulary is built: 184 ids x 8.
        (path / "summary.txt").write_text("embedding (Embedding)   (None, None, 8)   1,472\n"
                                          "Total params: 1,617\n")
        runs.append(path, runs.start_events(config)[1:])
        await wait_until(pilot, lambda: "1,472" in shown(model))
        assert "planned" not in shown(model)


async def test_the_dashboard_shows_the_test_score_and_where_validation_was_measured(
        runs, make_app, shown):
    from seqtui.tui.widgets.metric_plot import MetricPlot

    seeds = runs.finished("2026-01-01_000000_seeds", validation="test",
                          test={"loss": 0.5, "accuracy": 0.7175})
    app = make_app(attach=seeds)
    async with app.run_test(size=(80, 24)) as pilot:
        dash = app.screen
        await wait_until(pilot, lambda: "0.7175" in shown(dash.query_one("#dash-title")))
        title = shown(dash.query_one("#dash-title"))
        assert title.startswith("2026-01-01_000000_seeds · test 0.7175 · bilstm on demo")
        await wait_until(pilot, lambda: any(
            "val (test split)" in plot.drawn for plot in dash.query(MetricPlot)))
        log = "\n".join(dash.state.log)
        assert "test accuracy 0.7175 (scored once, at the end)" in log
