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
        return " ".join(f"{shown(preview)} {preview.border_subtitle}".split())  # unwrapped

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
        assert preview_text(app).count("BiLSTM") == 2  # the cell, not just "Bidirectional"
        app.screen.query_one("#field-model-preset").value = "bigru"
        await type_into(pilot, "field-model-units", "16")
        assert "BiGRU" in preview_text(app)
        # A value the preview cannot use: said in the form's words, and no stale count left.
        await type_into(pilot, "field-model-embedding-dim", "abc")
        text = preview_text(app)
        assert "No preview: fix embedding dim: expected an integer, got 'abc'" in text
        assert "model.embedding_dim" not in text and "params" not in text
        assert not any(ch.isdigit() for ch in text)
        await type_into(pilot, "field-model-embedding-dim", "8")
        assert f"{expected_params(preset='bigru', units=[16], embedding_dim=8):,} params" \
            in preview_text(app)


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


async def test_a_missing_dataset_path_is_answered_inline(runs, make_app, error_of, shown):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("n")
        await type_into(pilot, "field-data-dataset", "csv:nowhere.csv")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, NewExperimentScreen)
        assert "does not exist" in error_of(app, "field-data-dataset")
        assert list_runs(runs.runs_dir) == []
        # In the form's words (no CLI flags), under the field and in the status, no toast
        # left behind; all of it gone once the value is fixed.
        status = shown(app.screen.query_one("#new-status"))
        assert "1 field to fix: dataset" in status and "--" not in status
        assert "--" not in error_of(app, "field-data-dataset")
        assert not any("does not exist" in n.message for n in app._notifications)
        await type_into(pilot, "field-data-dataset", "demo")
        assert error_of(app, "field-data-dataset") == ""
        assert "to fix" not in shown(app.screen.query_one("#new-status"))


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


# ---- by keyboard: help line, focus, keys, 80x24 ----------------------------------------------

def help_line(app, shown) -> str:
    return shown(app.screen.query_one("#field-help")).strip()


async def test_by_keyboard_help_line_selected_values_and_f1(runs, make_app, shown):
    from seqtui.tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        assert help_line(app, shown).startswith("name: run name")
        assert "f1 Help" in " ".join(shown(app.screen.query_one("KeyBar")).split())
        # The next field, as a keyboard user moves: its help shows, its value is selected, so
        # typing replaces it (demo was there), and a ? is typed, not taken for help.
        await pilot.press("down")
        assert help_line(app, shown).startswith("dataset: demo (default, offline)")
        await pilot.press(*"csv:what?.csv")
        assert app.screen.query_one("#field-data-dataset").value == "csv:what?.csv"
        assert app.screen.config.data.dataset == "csv:what?.csv"
        await pilot.press("down", "up", *"imdb")  # back to it later: replaced again
        assert app.screen.query_one("#field-data-dataset").value == "imdb"
        for field_id, words in (("field-data-demo-size", "texts in the demo's training split"),
                                ("field-training-early-stopping", "0 turns early stopping off"),
                                ("field-hardware-mixed-precision", "mixed_float16")):
            app.screen.query_one(f"#{field_id}").focus()
            await pilot.pause()
            assert words in help_line(app, shown)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        app.screen.query_one("#field-model-preset").focus()  # a choice field: ? is help there
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


async def test_at_80x24_labels_and_values_show_whole_and_the_menu_leaves_the_key_bar(
        runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        screen = app.screen
        screen.query_one("#field-model-preset").value = "stacked-bilstm"
        await pilot.pause()
        for label in screen.query(".field-label"):
            assert label.size.width >= len(shown(label).strip())
        preset = screen.query_one("#field-model-preset")
        assert preset.size.width >= len("stacked-bilstm") + 3  # the value and its arrow
        for field_id, text in (("field-name", "default: stacked-bilstm"),
                               ("field-model-units", "default: 64,32")):
            widget = screen.query_one(f"#{field_id}")
            assert widget.placeholder == text and widget.size.width >= len(text)
        preset.focus()
        await pilot.press("enter")
        await pilot.pause()
        overlay = preset.query_one("SelectOverlay")
        assert overlay.display and overlay.region.height >= 3
        key_bar = screen.query_one("KeyBar")
        assert overlay.region.bottom <= key_bar.region.y
        assert overlay.region.bottom <= screen.query_one("#field-help").region.y


# ---- "New experiment from this run" ----------------------------------------------------------

async def test_shift_n_opens_the_form_with_the_runs_config(runs, make_app, shown):
    runs.finished("2026-01-01_090000_gru", preset="bigru", learning_rate=0.005)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("N")
        assert isinstance(app.screen, NewExperimentScreen)
        assert app.screen.config.model.preset == "bigru"
        assert app.screen.query_one("#field-model-embedding-dim").value == "8"
        assert app.screen.query_one("#field-training-learning-rate").value == "0.005"
        # Shapes written as the form writes any model at 80 columns (?x8), not Keras's
        # (None, None, 8), which happened to fit for this small model.
        await pilot.pause()
        preview = " ".join(shown(app.screen.query_one(ModelPreview)).split())
        assert "Embedding ?x8" in preview and "BiGRU 16" in preview and "None" not in preview
        await pilot.press("escape")
        await pilot.press("enter")  # the run's dashboard: the same key there
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("N")
        assert isinstance(app.screen, NewExperimentScreen)
        assert app.screen.query_one("#field-model-preset").value == "bigru"
        assert app.screen.query_one("#field-training-epochs").value == "4"


# ---- sweeps from the form --------------------------------------------------------------------

async def test_marked_fields_get_ranges_checked_with_the_clis_messages(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        screen = app.screen

        def under(widget_id: str) -> str:
            found = screen.query(f"#{widget_id}-error")
            return " ".join(shown(found.first()).split()) if found else ""  # unwrapped

        screen.query_one("#field-training-learning-rate").focus()
        await pilot.press("ctrl+r")
        assert app.focused.id == "field-training-learning-rate-search"
        assert app.focused.value == "0.0001:0.01:log"
        assert "Start sweep" in shown(screen.query_one("KeyBar"))
        await pilot.press(*"1:0.1")  # the suggestion was selected: replaced
        assert under("field-training-learning-rate-search") == \
            "--search training.learning_rate: low (1.0) must be below high (0.1)"
        await pilot.press("ctrl+u", *"1e-4:1e-2:log")
        assert under("field-training-learning-rate-search") == ""
        screen.query_one("#field-model-preset").focus()
        await pilot.press("ctrl+r")
        assert app.focused.value.startswith("bilstm,")
        await pilot.press("ctrl+u", *"lstm,lstmm")
        assert under("field-model-preset-search").startswith(
            "--search model.preset: 'lstmm' is not a valid value")
        await pilot.press("ctrl+u", *"lstm,bigru")
        screen.query_one("#sweep-sampler").value = "grid"
        await pilot.pause()
        assert "the grid sampler needs a list of values" in \
            under("field-training-learning-rate-search")
        screen.query_one("#sweep-sampler").value = "tpe"
        await type_into(pilot, "sweep-trials", "0")
        assert under("sweep-trials") == "--trials: must be at least 1, got 0"
        await pilot.press("ctrl+s")  # nothing starts while a setting is wrong
        assert isinstance(app.screen, NewExperimentScreen)
        assert app.focused.id == "sweep-trials"
        # Unmarking a field takes its range away; with none left, ctrl+s starts a run again.
        for field_id in ("field-training-learning-rate", "field-model-preset"):
            screen.query_one(f"#{field_id}").focus()
            await pilot.press("ctrl+r")
        assert not screen.query("#field-model-preset-search")
        assert screen.searches == {}
        assert "Start sweep" not in shown(screen.query_one("KeyBar"))
    assert not [p for p in runs.runs_dir.iterdir()]  # nothing was made


async def test_a_sweep_started_from_the_form_runs_its_trials(runs, make_app, shown):
    from seqtui.engine.runs.control import request_stop
    from seqtui.engine.sweeps.state import read_sweep
    from seqtui.tui.screens.sweeps import SweepScreen

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        app.screen.query_one("#field-model-preset").value = "gap"
        await pilot.pause()
        for field_id, text in (("field-data-demo-size", "40"), ("field-model-embedding-dim", "4"),
                               ("field-model-dense-units", "4"), ("field-training-epochs", "1"),
                               ("field-training-batch-size", "16"), ("sweep-trials", "2")):
            await type_into(pilot, field_id, text)
        app.screen.query_one("#field-model-dropout").focus()
        await pilot.press("ctrl+r", *"0:0.5")
        app.screen.query_one("#sweep-pruner").value = "none"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, SweepScreen), timeout=60)
        sweep_dir = app.screen.sweep_dir
        assert sweep_dir.parent == runs.runs_dir and sweep_dir.name.endswith("_sweep-gap")
        spec = json.loads((sweep_dir / "sweep.json").read_text())
        assert spec["trials"] == 2 and spec["pruner"] == "none" and spec["sampler"] == "tpe"
        assert spec["space"] == [{"name": "model.dropout", "kind": "float", "low": 0.0,
                                  "high": 0.5, "log": False}]
        assert spec["base"]["data"]["demo_size"] == 40
        assert spec["base"]["model"]["preset"] == "gap"

        def first_trial():
            trials = read_sweep(sweep_dir).trials
            return trials and trials[0].run and (runs.runs_dir / trials[0].run).is_dir()

        await wait_until(pilot, first_trial, timeout=60)
        await wait_until(pilot, lambda: "trial" in shown(app.screen.query_one("#sweep-detail")))
        request_stop(sweep_dir)  # one trial is enough to see: stop it and the sweep
        def all_ended() -> bool:
            sweep = read_sweep(sweep_dir)
            return sweep.status == "stopped" and not process_alive(sweep_dir) and not any(
                process_alive(runs.runs_dir / t.run) for t in sweep.trials if t.run)

        await wait_until(pilot, all_ended, timeout=120)
    [trial] = read_sweep(sweep_dir).trials  # no second trial once the stop was asked for
    config = json.loads((runs.runs_dir / trial.run / "config.json").read_text())
    assert 0 <= config["model"]["dropout"] <= 0.5
