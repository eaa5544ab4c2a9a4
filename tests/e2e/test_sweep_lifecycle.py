"""A sweep's controller is a detached process: kill -9 leaves the sweep `died` and resume
continues it (adopting a trial still training, failing one whose process is gone); stop ends
the running trials gracefully and the sweep `stopped` (a trial stopped before its first epoch
ended is `stopped` too, not failed), stop --now interrupts them at once, and resume continues a
stopped sweep with new trials."""

from __future__ import annotations

import json
import os
import re
import signal

from helpers import TINY_FLAGS, run_seqtui, wait_for
from seqtui.cmd_runs import run_record
from seqtui.cmd_sweep import sweep_record
from seqtui.engine.runs.store import list_runs
from seqtui.engine.sweeps.state import list_sweeps

FLAGS = [*TINY_FLAGS, "--preset", "gap", "--pruner", "none",
         "--search", "training.learning_rate=1e-3:1e-2:log"]


# Polled in this process, from the same readers `seqtui sweeps --json` and `seqtui runs --json`
# print: a command per look would start Python ten times a second beside the training.
def the_sweep(runs_dir):
    listed = list_sweeps(runs_dir)
    return sweep_record(listed[0]) if listed else None


def trial_runs(runs_dir):
    return {r.trial: run_record(r) for r in list_runs(runs_dir) if r.trial is not None}


def pid_of(path):
    return json.loads((path / "pid").read_text())["pid"]


def test_kill_9_of_the_controller_then_resume(runs_dir):
    out = run_seqtui("sweep", *FLAGS, "--epochs", "15", "--trials", "2", "--parallel", "2",
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
    assert trial_runs(runs_dir)[1]["status"] == "running"  # no controller needed to train

    resumed = run_seqtui("resume", sweep["id"], runs_dir=runs_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert "trial 0 failed: its training process died" in resumed.stdout
    assert "trial 1 finished" in resumed.stdout  # the resumed controller settled it
    final = json.loads(run_seqtui("sweeps", "--json", runs_dir=runs_dir).stdout)[0]
    assert final["status"] == "completed"
    assert final["trials"] == 2 and final["failed"] == 1 and final["done"] == 1
    trials = trial_runs(runs_dir)
    assert set(trials) == {0, 1}
    # trial 1 kept training while no controller watched; the resumed controller adopted it
    assert trials[1]["status"] == "completed" and trials[1]["epochs_done"] == 15
    assert trials[0]["status"] == "died" and trials[0]["epochs_done"] >= 1  # epochs kept

    again = run_seqtui("resume", sweep["id"], runs_dir=runs_dir)
    assert again.returncode == 2 and "already ran all 2 trials" in again.stderr


def test_stop_then_resume_then_stop_now(runs_dir):
    out = run_seqtui("sweep", *FLAGS, "--epochs", "500", "--trials", "3", "--detach",
                     runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    sweep = the_sweep(runs_dir)
    # Stopped as soon as trial 0's run exists: its process is still importing TensorFlow, so
    # the stop lands before its first epoch ends. Still a stop, not a failure.
    wait_for(lambda: 0 in trial_runs(runs_dir), what="trial 0 started")
    stopped = run_seqtui("stop", sweep["id"], runs_dir=runs_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopping" in stopped.stdout and "after the current batch" in stopped.stdout
    wait_for(lambda: the_sweep(runs_dir)["status"] == "stopped", timeout=60, what="stopped")
    trials = trial_runs(runs_dir)
    assert list(trials) == [0]  # no new trial once the stop was asked for
    assert trials[0]["status"] == "stopped" and trials[0]["epochs_done"] == 0
    final = the_sweep(runs_dir)
    assert final["stopped"] == 1 and final["failed"] == 0 and final["running"] == 0
    [trial] = list_sweeps(runs_dir)[0].trials
    assert trial.message == "stopped before its first epoch ended" and trial.value is None
    shown = run_seqtui("show", sweep["id"], runs_dir=runs_dir)
    assert shown.returncode == 0, shown.stderr
    assert re.search(r"^\s*0\s+stopped\s+-\s", shown.stdout, re.M), shown.stdout
    assert "failed" not in shown.stdout
    again = run_seqtui("stop", sweep["id"], runs_dir=runs_dir)
    assert again.returncode == 2 and "not running (status: stopped)" in again.stderr

    # Resume goes on towards the 3 trials; --now interrupts the running one at once.
    resumed = run_seqtui("resume", sweep["id"], "--detach", runs_dir=runs_dir)
    assert resumed.returncode == 0, resumed.stderr
    wait_for(lambda: trial_runs(runs_dir).get(1, {}).get("epochs_done", 0) >= 1,
             what="trial 1 training")
    now = run_seqtui("stop", sweep["id"], "--now", runs_dir=runs_dir)
    assert now.returncode == 0, now.stderr
    assert "interrupted 1 running trial" in now.stdout
    wait_for(lambda: the_sweep(runs_dir)["status"] == "stopped", timeout=60, what="stopped")
    trials = trial_runs(runs_dir)
    assert sorted(trials) == [0, 1]
    assert trials[1]["status"] == "stopped" and 1 <= trials[1]["epochs_done"] < 500
    final = the_sweep(runs_dir)
    assert final["stopped"] == 2 and final["running"] == 0 and final["trials"] == 3
