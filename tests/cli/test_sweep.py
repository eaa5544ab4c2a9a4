"""`seqtui sweep` as a user runs it: real tiny sweeps on demo data (each trial a real detached
training process), a trial that cannot learn pruned, a failing trial, bad input."""

from __future__ import annotations

import json

import pytest

from helpers import TINY_FLAGS, run_seqtui
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


def test_a_tpe_sweep_runs_its_trials_as_ordinary_runs(runs_dir):
    out = run_seqtui("sweep", *SWEEP_FLAGS, "--epochs", "2", "--trials", "2",
                     "--search", "training.learning_rate=1e-3:1e-1:log",
                     "--search", "model.dropout=0:0.3", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    assert "trial 0 started" in out.stdout and "trial 1 finished" in out.stdout
    [sweep] = sweeps(runs_dir)
    assert sweep["status"] == "completed" and sweep["trials"] == 2 and sweep["done"] == 2
    assert sweep["best_trial"] in (0, 1) and sweep["best_value"] > 0

    trials = runs(runs_dir)
    assert set(trials) == {0, 1}
    for number, run in trials.items():
        assert run["sweep"] == sweep["id"] and run["status"] == "completed"
        config = json.loads((runs_dir / run["id"] / "config.json").read_text())
        started = sweep_events(runs_dir, "trial_started")[number]
        # the trial's config.json holds the values Optuna chose: it retrains the trial alone
        assert config["training"]["learning_rate"] == started["params"]["training.learning_rate"]
        assert 1e-3 <= config["training"]["learning_rate"] <= 1e-1
        assert 0 <= config["model"]["dropout"] <= 0.3
    best = trials[sweep["best_trial"]]
    finished = {e["trial"]: e for e in sweep_events(runs_dir, "trial_finished")}
    other = finished[1 - sweep["best_trial"]]
    assert finished[sweep["best_trial"]]["value"] <= other["value"]  # val_loss: lower wins
    assert best["epochs_done"] == 2

    shown = run_seqtui("show", sweep["id"], runs_dir=runs_dir)
    assert shown.returncode == 0, shown.stderr
    assert "val_loss" in shown.stdout and "learning_rate=" in shown.stdout
    assert f"best: trial {sweep['best_trial']}" in shown.stdout

    # The report was written when the sweep ended; `seqtui report SWEEP` writes it again.
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


def test_a_trial_that_cannot_learn_is_pruned_and_keeps_its_epochs(runs_dir):
    # The grid runs in the order given: the learning trial first, then one that cannot move
    # (a learning rate of 1e-9): its first epoch's loss is worse than the median, so it stops.
    # 100 validation texts: enough for the learning trial's first epoch to beat chance.
    out = run_seqtui("sweep", *SWEEP_FLAGS, "--demo-size", "400", "--validation-fraction",
                     "0.25", "--epochs", "20", "--sampler", "grid",
                     "--search", "training.learning_rate=0.01,1e-9", "--pruner-startup", "1",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    trials = runs(runs_dir)
    assert trials[0]["status"] == "completed" and trials[0]["epochs_done"] == 20
    pruned = trials[1]
    assert pruned["status"] == "pruned"
    assert 1 <= pruned["epochs_done"] < 20
    assert (runs_dir / pruned["id"] / "checkpoints" / "last.keras").exists()
    [event] = sweep_events(runs_dir, "trial_pruned")
    assert event["trial"] == 1 and event["run"] == pruned["id"]
    [sweep] = sweeps(runs_dir)
    assert sweep["pruned"] == 1 and sweep["best_trial"] == 0


def test_a_failing_trial_is_recorded_and_the_sweep_goes_on(runs_dir):
    out = run_seqtui("sweep", *SWEEP_FLAGS, "--epochs", "1", "--sampler", "grid",
                     "--search", "model.preset=flatten,gap", "--pruner", "none",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    assert "trial 0 failed: preset flatten needs a fixed length" in out.stdout
    [failed] = sweep_events(runs_dir, "trial_failed")
    assert failed["trial"] == 0 and "max length" in failed["message"]
    [sweep] = sweeps(runs_dir)
    assert sweep["status"] == "completed" and sweep["failed"] == 1 and sweep["done"] == 1
    assert sweep["best_trial"] == 1
    shown = run_seqtui("show", sweep["id"], runs_dir=runs_dir)
    assert "trial 0 failed: preset flatten needs a fixed length" in shown.stdout


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
def test_bad_input_gets_one_line_exit_2_and_no_sweep_directory(runs_dir, args, words):
    out = run_seqtui("sweep", *TINY_FLAGS, *args, runs_dir=runs_dir)
    assert out.returncode == 2, out.stdout + out.stderr
    assert words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_a_space_file_with_an_unknown_field(runs_dir, tmp_path):
    space = tmp_path / "space.toml"
    space.write_text('[space]\n"model.unit" = {choices = [8, 16]}\n')
    out = run_seqtui("sweep", *TINY_FLAGS, "--space", str(space), runs_dir=runs_dir)
    assert out.returncode == 2
    assert "unknown config field 'model.unit' (did you mean 'model.units'?)" in out.stderr
    assert not runs_dir.exists() or not any(runs_dir.iterdir())
