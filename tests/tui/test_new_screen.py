"""New experiment form: live preview, inline validation, start (a real tiny run), queue, cancel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import wait_until
from seqtui.engine.config import Config
from seqtui.engine.models.summary import summarize
from seqtui.engine.runs.process import process_alive
from seqtui.engine.runs.store import list_runs
from seqtui.tui.runqueue import read_queue
from seqtui.tui.screens.dashboard import DashboardScreen
from seqtui.tui.screens.new import NewExperimentScreen
from seqtui.tui.screens.runs import RunsScreen
from seqtui.tui.widgets.model_preview import ModelPreview

pytestmark = pytest.mark.anyio


@pytest.fixture
def preview_text(shown):
    def text(app) -> str:
        preview = app.screen.query_one(ModelPreview)
        return f"{shown(preview)} {preview.border_subtitle}"

    return text


@pytest.fixture
def error_of(shown):
    def message(app, widget_id: str) -> str:
        """The message under a field ('' when it has none)."""
        found = app.screen.query(f"#{widget_id}-error")
        return shown(found.first()).strip() if found else ""

    return message


async def type_into(pilot, widget_id: str, text: str) -> None:
    widget = pilot.app.screen.query_one(f"#{widget_id}")
    widget.focus()
    await pilot.press("ctrl+u", *list(text))


async def fill_tiny(pilot, epochs: str = "2", preset: str | None = None) -> None:
    await type_into(pilot, "field-data-demo-size", "200")
    await type_into(pilot, "field-model-embedding-dim", "8")
    await type_into(pilot, "field-model-dense-units", "8")
    await type_into(pilot, "field-training-epochs", epochs)
    await type_into(pilot, "field-training-batch-size", "32")
    if preset is not None:
        pilot.app.screen.query_one("#field-model-preset").value = preset
        await pilot.pause()


def expected_params(**model) -> int:
    config = Config()
    for key, value in model.items():
        setattr(config.model, key, value)
    return summarize(config).total_params


async def test_preview_follows_units_and_preset(runs, make_app, preview_text):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NewExperimentScreen)
        assert f"{expected_params():,}" in preview_text(app)
        await type_into(pilot, "field-model-units", "32")
        assert f"{expected_params(units=[32]):,}" in preview_text(app)
        app.screen.query_one("#field-model-preset").value = "stacked-bilstm"
        await pilot.pause()
        await type_into(pilot, "field-model-units", "64,32")
        assert f"{expected_params(preset='stacked-bilstm', units=[64, 32]):,}" in \
            preview_text(app)
        assert preview_text(app).count("Bidirectional") == 2


async def test_bad_values_get_a_message_next_to_their_field(runs, make_app, error_of,
                                                             preview_text):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await type_into(pilot, "field-model-embedding-dim", "abc")
        assert "expected an integer" in error_of(app, "field-model-embedding-dim")
        assert "No preview" in preview_text(app)
        await type_into(pilot, "field-model-dropout", "1.5")
        assert "dropout must be in [0, 1)" in error_of(app, "field-model-dropout")
        await type_into(pilot, "field-model-embedding-dim", "16")
        assert error_of(app, "field-model-embedding-dim") == ""
        await pilot.press("ctrl+s")  # dropout is still wrong: nothing starts
        assert isinstance(app.screen, NewExperimentScreen)
        assert app.focused.id == "field-model-dropout"
        assert list_runs(runs.runs_dir) == []


async def test_flatten_without_max_length_is_flagged_on_max_length(runs, make_app, error_of):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        app.screen.query_one("#field-model-preset").value = "flatten"
        await pilot.pause()
        assert "fixed length" in error_of(app, "field-tokenizer-max-length")
        await type_into(pilot, "field-tokenizer-max-length", "20")
        assert error_of(app, "field-tokenizer-max-length") == ""


async def test_a_missing_dataset_path_is_answered_inline(runs, make_app, error_of):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await type_into(pilot, "field-data-dataset", "csv:nowhere.csv")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, NewExperimentScreen)
        assert "does not exist" in error_of(app, "field-data-dataset")
        assert list_runs(runs.runs_dir) == []


def bad_background_nice(app, monkeypatch):
    monkeypatch.setenv("SEQTUI_BACKGROUND_NICE", "high")


def multi_worker_without_tf_config(app, monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    app.screen.query_one("#field-hardware-strategy").value = "multi-worker"


@pytest.mark.parametrize("make_bad, words", [
    (bad_background_nice, "SEQTUI_BACKGROUND_NICE='high' is not a whole number"),
    (multi_worker_without_tf_config, "needs TF_CONFIG"),
])
async def test_a_bad_setting_outside_the_form_is_answered_without_blaming_a_field(
        runs, make_app, error_of, monkeypatch, make_bad, words):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        make_bad(app, monkeypatch)
        await pilot.pause()
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, NewExperimentScreen)
        said = [n.message for n in app._notifications]
        assert any(words in m for m in said)
        assert error_of(app, "field-data-dataset") == ""
        assert list_runs(runs.runs_dir) == []


async def test_escape_cancels_without_a_run(runs, make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await type_into(pilot, "field-training-epochs", "3")
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)
        assert list_runs(runs.runs_dir) == []


async def test_ctrl_s_starts_a_real_run_and_the_dashboard_follows_it(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await fill_tiny(pilot, epochs="2", preset="gap")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, DashboardScreen)
        dashboard = app.screen
        run_dir = dashboard.run_dir
        assert json.loads((run_dir / "config.json").read_text())["model"]["preset"] == "gap"
        await wait_until(pilot, lambda: dashboard.state.outcome is not None, timeout=240)
        assert dashboard.state.outcome == "completed", dashboard.state.log
        assert sorted(dashboard.state.epochs) == [1, 2]
        assert "completed" in shown(dashboard.query_one("#dash-progress"))
        assert dashboard.query_one("#dash-epochs").row_count == 2


async def test_ctrl_q_queues_configs_that_run_one_after_another(runs, make_app):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await fill_tiny(pilot, epochs="1", preset="gap")
        await pilot.press("ctrl+q")
        await type_into(pilot, "field-model-units", "8")
        app.screen.query_one("#field-model-preset").value = "lstm"
        await pilot.pause()
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, NewExperimentScreen)  # stays, to queue more
        await pilot.press("escape")

        def done() -> bool:
            listed = list_runs(runs.runs_dir)
            return len(listed) == 2 and all(r.finished for r in listed)

        await wait_until(pilot, done, timeout=300)
    listed = sorted(list_runs(runs.runs_dir), key=lambda r: r.id)
    assert [r.preset for r in listed] == ["gap", "lstm"]
    assert [r.status for r in listed] == ["completed", "completed"]
    assert listed[1].started >= listed[0].ended  # one after another, never together
    assert read_queue(runs.runs_dir) == []


async def test_a_queued_run_that_is_stopped_never_starts(runs, make_app, tmp_path: Path):
    """Stop on a queued run takes it off the queue: the runner marks it stopped."""
    from seqtui.engine.runs.control import request_stop
    from seqtui.engine.runs.store import create_run
    from seqtui.tui.runqueue import work

    config = runs.tiny("gap", epochs=1)
    run_dir = create_run(config, runs.runs_dir)
    from seqtui.tui.runqueue import _write_queue

    _write_queue(runs.runs_dir, [run_dir.name])
    request_stop(run_dir)
    assert work(runs.runs_dir) == 0
    [info] = list_runs(runs.runs_dir)
    assert info.status == "stopped"
    assert read_queue(runs.runs_dir) == []
    assert not process_alive(run_dir)


async def test_the_keras_training_options_are_fields_with_their_choices(runs, make_app,
                                                                        error_of):
    from textual.widgets import Select

    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        screen = app.screen
        schedule = screen.query_one("#field-training-lr-schedule", Select)
        assert schedule.value == "constant"
        for choice in ("cosine", "plateau"):  # a Select refuses a value it does not offer
            schedule.value = choice
        weights = screen.query_one("#field-training-class-weight", Select)
        assert weights.value == "none"
        assert screen.query_one("#field-training-metrics").value == ""  # none by default
        assert screen.query_one("#field-training-min-delta").value == "0.0"

        metrics = screen.query_one("#field-training-metrics")
        metrics.value = "precision,f1"
        await pilot.pause()
        assert "unknown metric 'f1'" in error_of(app, "field-training-metrics")
        metrics.value = "precision,recall,auc"
        await pilot.pause()
        assert error_of(app, "field-training-metrics") == ""
        lr_min = screen.query_one("#field-training-lr-min")
        lr_min.value = "0.5"
        await pilot.pause()
        assert "below the learning rate" in error_of(app, "field-training-lr-min")
        lr_min.value = "0.0001"
        weights.value = "balanced"
        await pilot.pause()
        training = screen.config.training
        assert (training.lr_schedule, training.lr_min, training.class_weight,
                training.metrics) == ("plateau", 0.0001, "balanced", ["precision", "recall",
                                                                      "auc"])
        assert error_of(app, "field-training-lr-min") == ""
