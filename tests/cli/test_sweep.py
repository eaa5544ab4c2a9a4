"""`seqtui sweep` as a user runs it: real tiny sweeps on demo data (each trial a real detached
training process), a trial that cannot learn pruned, a failing trial, bad input.

Each sweep runs once per module and several tests read it: a trial costs a Python process
that imports TensorFlow, which is most of a tiny trial's time.
"""

from __future__ import annotations

import json

import pytest

from helpers import TINY_FLAGS, run_seqtui
from seqtui.cli import main
from seqtui.engine.config import Config

SWEEP_FLAGS = [*TINY_FLAGS, "--preset", "gap"]


def sweeps(runs_dir):
    return json.loads(run_seqtui("sweeps", "--json", runs_dir=runs_dir).stdout)


def runs(runs_dir):
    return {r["trial"]: r for r in json.loads(run_seqtui("runs", "--json",
                                                          runs_dir=runs_dir).stdout)}


def sweep_events(runs_dir, kind=None):
    [sweep] = [p for p in runs_dir.iterdir() if (p / "sweep.json").exists()]
    events = [json.loads(line) for line in (sweep / "events.jsonl").read_text().splitlines()]
    return [e for e in events if kind is None or e["type"] == kind]


@pytest.fixture(scope="module")
def tpe(tmp_path_factory):
    """Two TPE trials of two epochs, the space from a TOML file and a flag together."""
    root = tmp_path_factory.mktemp("tpe")
    space = root / "space.toml"
    space.write_text("[space.training]\nlearning_rate = {low = 1e-3, high = 1e-1, log = true}\n")
    runs_dir = root / "runs"
    out = run_seqtui("sweep", *SWEEP_FLAGS, "--epochs", "2", "--trials", "2",
                     "--space", str(space), "--search", "model.dropout=0:0.3",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    [sweep] = sweeps(runs_dir)
    return runs_dir, out, sweep, runs(runs_dir)


def test_a_tpe_sweep_runs_its_trials_as_ordinary_runs(tpe):
    runs_dir, out, sweep, trials = tpe
    assert "trial 0 started" in out.stdout and "trial 1 finished" in out.stdout
    assert sweep["status"] == "completed" and sweep["trials"] == 2 and sweep["done"] == 2
    assert sweep["best_trial"] in (0, 1) and sweep["best_value"] > 0
    spec = json.loads((runs_dir / sweep["id"] / "sweep.json").read_text())
    assert {p["name"]: p.get("log") for p in spec["space"]} == {
        "model.dropout": False, "training.learning_rate": True}  # the flag's and the file's
    # No pruner flags: the median pruner, starting up on an eighth of the trials but at least 2
    assert (spec["pruner"], spec["pruner_startup"], spec["pruner_warmup"]) == ("median", 2, 0)

    assert set(trials) == {0, 1}
    for number, run in trials.items():
        assert run["sweep"] == sweep["id"] and run["status"] == "completed"
        config = json.loads((runs_dir / run["id"] / "config.json").read_text())
        started = sweep_events(runs_dir, "trial_started")[number]
        # the trial's config.json holds the values Optuna chose: it retrains the trial alone
        assert config["training"]["learning_rate"] == started["params"]["training.learning_rate"]
        assert 1e-3 <= config["training"]["learning_rate"] <= 1e-1
        assert 0 <= config["model"]["dropout"] <= 0.3
    finished = {e["trial"]: e for e in sweep_events(runs_dir, "trial_finished")}
    other = finished[1 - sweep["best_trial"]]
    assert finished[sweep["best_trial"]]["value"] <= other["value"]  # val_loss: lower wins
    assert trials[sweep["best_trial"]]["epochs_done"] == 2


def test_show_gives_a_sweeps_leaderboard(tpe):
    runs_dir, _, sweep, _ = tpe
    shown = run_seqtui("show", sweep["id"], runs_dir=runs_dir)
    assert shown.returncode == 0, shown.stderr
    assert "val_loss" in shown.stdout and "learning_rate=" in shown.stdout
    assert f"best: trial {sweep['best_trial']}" in shown.stdout


def test_the_report_is_written_at_the_end_and_again_on_demand(tpe):
    runs_dir, _, sweep, trials = tpe
    best = trials[sweep["best_trial"]]
    sweep_dir = runs_dir / sweep["id"]
    assert (sweep_dir / "report.html").exists()
    (sweep_dir / "report.html").unlink()
    reported = run_seqtui("report", sweep["id"], runs_dir=runs_dir)
    assert reported.returncode == 0, reported.stderr
    page = (sweep_dir / "report.html").read_text()
    assert "Leaderboard" in page and best["id"] in page and "<script" not in page
    # trials in order, one chart per parameter, the best trial's loss and accuracy
    assert page.count("<svg") == 1 + 2 + 2
    retrain = Config.from_file(sweep_dir / "best.toml")
    assert retrain.to_dict() == Config.from_file(runs_dir / best["id"] / "config.json").to_dict()
    assert "seqtui train --config best.toml" in (sweep_dir / "report.md").read_text()


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """The grid runs in the order given: a trial that learns, one that cannot move (a learning
    rate of 1e-9), and one the config refuses (flatten without a max length)."""
    runs_dir = tmp_path_factory.mktemp("grid") / "runs"
    # 100 validation texts: enough for the learning trial to beat chance by its second epoch.
    # Hyperband with one epoch of warm-up over 5: one bracket, so the stuck trial is judged
    # against the learning one at epoch 2 whatever the study's name.
    out = run_seqtui("sweep", *SWEEP_FLAGS, "--demo-size", "400", "--validation-fraction",
                     "0.25", "--epochs", "5", "--sampler", "grid", "--trials", "3",
                     "--search", "model.preset=gap,flatten",
                     "--search", "training.learning_rate=0.01,1e-9",
                     "--pruner", "hyperband", "--pruner-warmup", "1", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    [sweep] = sweeps(runs_dir)
    return runs_dir, out, sweep, runs(runs_dir)


def test_a_trial_that_cannot_learn_is_pruned_and_keeps_its_epochs(grid):
    runs_dir, _, sweep, trials = grid
    assert trials[0]["status"] == "completed" and trials[0]["epochs_done"] == 5
    pruned = trials[1]
    assert pruned["status"] == "pruned"
    assert 2 <= pruned["epochs_done"] < 5  # its warm-up epoch, then judged
    assert (runs_dir / pruned["id"] / "checkpoints" / "last.keras").exists()
    [event] = sweep_events(runs_dir, "trial_pruned")
    assert event["trial"] == 1 and event["run"] == pruned["id"]
    assert sweep["pruned"] == 1 and sweep["best_trial"] == 0


def test_a_failing_trial_is_recorded_and_the_sweep_goes_on(grid):
    runs_dir, out, sweep, trials = grid
    assert "trial 2 failed: preset flatten needs a fixed length" in out.stdout
    [failed] = sweep_events(runs_dir, "trial_failed")
    assert failed["trial"] == 2 and "max length" in failed["message"]
    assert 2 not in trials  # refused before a run directory was made
    assert sweep["status"] == "completed" and sweep["failed"] == 1 and sweep["done"] == 1
    shown = run_seqtui("show", sweep["id"], runs_dir=runs_dir)
    assert "trial 2 failed: preset flatten needs a fixed length" in shown.stdout


@pytest.mark.parametrize("args, words", [
    (["--search", "model.dropot=0:0.5"], "did you mean 'model.dropout'"),
    (["--search", "model.dropout=0.5:0.1"], "must be below high"),
    (["--search", "model.preset="], "no values"),
    (["--search", "model.embedding_dim=8.5:16"], "not an integer"),
    (["--search", "model.dropout=0:0.5", "--sampler", "grid"], "grid sampler needs a list"),
    (["--search", "model.preset=lstm,bilsm"], "did you mean 'bilstm'"),
    ([], "nothing to search"),
    (["--search", "model.dropout=0:0.5", "--trials", "0"], "must be at least 1"),
    (["--search", "model.dropout=0:0.5", "--sampler", "bayes"], "invalid choice"),
    (["--search", "model.dropout=0:0.5", "--space", "nope.toml"], "does not exist"),
    (["--search", "model.dropout=0:0.5", "--storage", "postgresql://nobody@127.0.0.1:9/x"],
     "cannot open the database"),
    (["--join", "2026-sweep-x"], "--join needs --storage"),
    (["--search", "model.dropout=0:0.5", "--preset", "bilsm"], "did you mean 'bilstm'"),
    (["--search", "model.dropout=0:0.5", "--strategy", "multi-worker"], "--join instead"),
])
def test_bad_input_gets_one_line_exit_2_and_no_sweep_directory(runs_dir, capsys, args, words):
    # In this process: the same entry point as the command, without a Python start per case
    # (test_a_space_file_with_an_unknown_field runs the real process).
    status = main(["sweep", *TINY_FLAGS, *args])
    err = capsys.readouterr().err
    assert status == 2, err
    assert words in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_a_space_file_with_an_unknown_field(runs_dir, tmp_path):
    space = tmp_path / "space.toml"
    space.write_text('[space]\n"model.unit" = {choices = [8, 16]}\n')
    out = run_seqtui("sweep", *TINY_FLAGS, "--space", str(space), runs_dir=runs_dir)
    assert out.returncode == 2
    assert "unknown config field 'model.unit' (did you mean 'model.units'?)" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not runs_dir.exists() or not any(runs_dir.iterdir())
