"""A sweep's controller is a detached process: kill -9 leaves the sweep `died` and resume
continues it (adopting a trial still training, failing one whose process is gone); stop ends
the running trials gracefully and the sweep `stopped`."""

from __future__ import annotations

import json
import os
import signal

from helpers import TINY_FLAGS, run_seqtui, wait_for

FLAGS = [*TINY_FLAGS, "--preset", "gap", "--pruner", "none",
         "--search", "training.learning_rate=1e-3:1e-2:log"]


def the_sweep(runs_dir):
    listed = json.loads(run_seqtui("sweeps", "--json", runs_dir=runs_dir).stdout)
    return listed[0] if listed else None


def trial_runs(runs_dir):
    runs = json.loads(run_seqtui("runs", "--json", runs_dir=runs_dir).stdout)
    return {r["trial"]: r for r in runs if r["trial"] is not None}


def pid_of(path):
    return json.loads((path / "pid").read_text())["pid"]


def test_kill_9_of_the_controller_then_resume(runs_dir):
    out = run_seqtui("sweep", *FLAGS, "--epochs", "40", "--trials", "3", "--parallel", "2",
                     "--detach", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    sweep = the_sweep(runs_dir)
    sweep_dir = runs_dir / sweep["id"]
    # Both side-by-side trials have finished an epoch: kill the controller and trial 0's process.
    def both_training():
        runs = trial_runs(runs_dir)
        return len(runs) == 2 and all(r["epochs_done"] >= 1 for r in runs.values())

    wait_for(both_training, what="two trials training")
    os.kill(pid_of(sweep_dir), signal.SIGKILL)
    first = trial_runs(runs_dir)[0]
    os.kill(pid_of(runs_dir / first["id"]), signal.SIGKILL)
    wait_for(lambda: the_sweep(runs_dir)["status"] == "died", timeout=30, what="sweep died")
    wait_for(lambda: trial_runs(runs_dir)[0]["status"] == "died", timeout=30, what="trial died")

    resumed = run_seqtui("resume", sweep["id"], runs_dir=runs_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert "trial 0 failed: its training process died" in resumed.stdout
    final = the_sweep(runs_dir)
    assert final["status"] == "completed"
    assert final["trials"] == 3 and final["failed"] == 1 and final["done"] == 2
    trials = trial_runs(runs_dir)
    assert set(trials) == {0, 1, 2}
    # trial 1 kept training while no controller watched; the resumed controller adopted it
    assert trials[1]["status"] == "completed" and trials[1]["epochs_done"] == 40
    assert trials[2]["status"] == "completed"
    assert trials[0]["status"] == "died" and trials[0]["epochs_done"] >= 1  # epochs kept

    again = run_seqtui("resume", sweep["id"], runs_dir=runs_dir)
    assert again.returncode == 2 and "already ran all 3 trials" in again.stderr


def test_stop_a_sweep_stops_its_trials_gracefully(runs_dir):
    out = run_seqtui("sweep", *FLAGS, "--epochs", "500", "--trials", "3", "--detach",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    sweep = the_sweep(runs_dir)
    wait_for(lambda: trial_runs(runs_dir).get(0, {}).get("epochs_done", 0) >= 1,
             what="trial 0 training")
    stopped = run_seqtui("stop", sweep["id"], runs_dir=runs_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopping" in stopped.stdout
    wait_for(lambda: the_sweep(runs_dir)["status"] == "stopped", timeout=60, what="stopped")
    trials = trial_runs(runs_dir)
    assert list(trials) == [0]  # no new trial once the stop was asked for
    assert trials[0]["status"] == "stopped" and trials[0]["epochs_done"] < 500
    final = the_sweep(runs_dir)
    assert final["stopped"] == 1 and final["running"] == 0
    again = run_seqtui("stop", sweep["id"], runs_dir=runs_dir)
    assert again.returncode == 2 and "not running (status: stopped)" in again.stderr
