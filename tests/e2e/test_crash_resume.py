"""Real processes killed, hung up and stopped; what is left on disk; resume continues the curve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import TINY_FLAGS, run_seqtui, wait_for
from seqtui.engine.runs.control import request_pause
from seqtui.engine.runs.events import read_events
from seqtui.engine.runs.status import read_run

# lstm so an epoch has enough batches to be caught in the middle of; no dropout: deterministic.
FLAGS = [*TINY_FLAGS, "--preset", "lstm", "--units", "8", "--demo-size", "400",
         "--batch-size", "16", "--epochs", "3", "--learning-rate", "0.01"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The run every interrupted one is compared with, uninterrupted; trained once."""
    runs_dir = tmp_path_factory.mktemp("reference")
    out = run_seqtui("train", *FLAGS, runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    [ref_dir] = list(runs_dir.iterdir())
    return ref_dir


def events_of(run_dir: Path, kind: str) -> list[dict]:
    return [e for e in read_events(run_dir / "events.jsonl") if e["type"] == kind]


def detach(runs_dir: Path, *flags: str) -> Path:
    out = run_seqtui("train", *FLAGS, *flags, "--detach", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    [run_dir] = [p for p in runs_dir.iterdir() if p.is_dir()]
    return run_dir


def pid_of(run_dir: Path) -> int:
    return int(json.loads((run_dir / "pid").read_text())["pid"])


def epoch_logs(run_dir: Path) -> dict[int, dict]:
    return {e["epoch"]: e["logs"] for e in read_run(run_dir).epochs}


def test_kill_9_mid_epoch_then_resume_continues_the_curve(tmp_path, reference):
    runs_dir = tmp_path / "runs"
    run_dir = detach(runs_dir)
    wait_for(lambda: events_of(run_dir, "epoch_ended"), what="epoch 1 to end")
    request_pause(run_dir)  # hold it in the middle of epoch 2, then kill it there
    wait_for(lambda: events_of(run_dir, "paused"), what="the pause")
    os.kill(pid_of(run_dir), signal.SIGKILL)
    wait_for(lambda: read_run(run_dir).status == "died", what="status died")

    info = read_run(run_dir)
    assert info.epochs_done == 1  # the finished epoch survives, the half one does not count
    assert (run_dir / "checkpoints" / "last.keras").exists()
    assert not list((run_dir / "checkpoints").glob(".tmp-*"))
    assert len((run_dir / "history.csv").read_text().splitlines()) == 2

    resumed = run_seqtui("resume", run_dir.name, runs_dir=runs_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed at epoch 2" in resumed.stdout
    info = read_run(run_dir)
    assert info.status == "completed" and info.epochs_done == 3
    starts = events_of(run_dir, "run_started")
    assert [s["resumed"] for s in starts] == [False, True] and starts[1]["initial_epoch"] == 1
    lines = (run_dir / "history.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1", "2"]

    # The curve joins up: optimizer state, epoch counter and data order were restored, so the
    # resumed epochs match the uninterrupted run's.
    ours, ref = epoch_logs(run_dir), epoch_logs(reference)
    for epoch in (1, 2, 3):
        for metric in ("loss", "val_loss"):
            assert ours[epoch][metric] == pytest.approx(ref[epoch][metric], rel=2e-3, abs=2e-4), \
                (epoch, metric)


def test_stop_mid_epoch_then_resume_repeats_that_epoch_from_its_start(tmp_path, reference):
    """The user's way: `seqtui stop RUN` during epoch 2, then `seqtui resume RUN`. The stop
    keeps epoch 1's checkpoint, so the resumed epoch 2 is the uninterrupted run's."""
    runs_dir = tmp_path / "runs"
    run_dir = detach(runs_dir)
    wait_for(lambda: events_of(run_dir, "epoch_ended"), what="epoch 1 to end")
    request_pause(run_dir)  # hold it inside epoch 2, then stop it there
    wait_for(lambda: events_of(run_dir, "paused"), what="the pause")
    out = run_seqtui("stop", run_dir.name, runs_dir=runs_dir)
    assert out.returncode == 0 and "repeats the interrupted epoch" in out.stdout
    wait_for(lambda: read_run(run_dir).status == "stopped", what="the stop")
    [partial] = [e for e in events_of(run_dir, "epoch_ended") if e["partial"]]
    assert partial["epoch"] == 2 and 0 < partial["steps"] < events_of(run_dir, "epoch_started")[
        -1]["steps"]
    assert events_of(run_dir, "checkpoint_saved")[-1]["epoch"] == 1

    resumed = run_seqtui("resume", run_dir.name, runs_dir=runs_dir)
    assert resumed.returncode == 0, resumed.stderr
    ours, ref = epoch_logs(run_dir), epoch_logs(reference)
    assert sorted(ours) == [1, 2, 3]
    for epoch in (1, 2, 3):
        for metric in ("loss", "val_loss"):
            assert ours[epoch][metric] == pytest.approx(ref[epoch][metric], rel=2e-3, abs=2e-4), \
                (epoch, metric)
    report = run_seqtui("report", run_dir.name, runs_dir=runs_dir)
    assert report.returncode == 0, report.stderr
    markdown = (run_dir / "report.md").read_text()
    assert "in epoch 2 (after " in markdown and "epoch 2 was trained again from its start" \
        in markdown


def test_resume_with_more_epochs_trains_a_finished_run_further(tmp_path, reference):
    """A completed 2-epoch run, resumed with --epochs 3, ends as a 3-epoch run would have."""
    runs_dir = tmp_path / "runs"
    first = run_seqtui("train", *FLAGS, "--epochs", "2", runs_dir=runs_dir)
    assert first.returncode == 0, first.stderr
    [run_dir] = list(runs_dir.iterdir())
    config_before = (run_dir / "config.json").read_text()

    again = run_seqtui("resume", run_dir.name, runs_dir=runs_dir)
    assert again.returncode == 2 and f"seqtui resume {run_dir.name} --epochs 7" in again.stderr
    fewer = run_seqtui("resume", run_dir.name, "--epochs", "2", runs_dir=runs_dir)
    assert fewer.returncode == 2 and "has done 2 epochs already" in fewer.stderr
    assert (run_dir / "config.json").read_text() == config_before  # a refusal changes nothing

    further = run_seqtui("resume", run_dir.name, "--epochs", "3", runs_dir=runs_dir)
    assert further.returncode == 0, further.stderr
    info = read_run(run_dir)
    assert info.status == "completed" and info.epochs_done == 3 and info.epochs_total == 3
    assert json.loads((run_dir / "config.json").read_text())["training"]["epochs"] == 3
    ours, ref = epoch_logs(run_dir), epoch_logs(reference)
    for epoch in (1, 2, 3):
        for metric in ("loss", "val_loss"):
            assert ours[epoch][metric] == pytest.approx(ref[epoch][metric], rel=2e-3, abs=2e-4), \
                (epoch, metric)


def test_hangup_of_the_launching_session_does_not_touch_a_detached_run(tmp_path):
    runs_dir = tmp_path / "runs"
    # A login shell's session: it launches a detached run, then lingers like an SSH session.
    shell = subprocess.Popen(
        ["bash", "-c", f"{sys.executable} -m seqtui train {' '.join(FLAGS)} --epochs 2 "
                       f"--detach --runs-dir {runs_dir}; sleep 60"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    run_dir = wait_for(lambda: next((p for p in runs_dir.glob("*/pid")), None),
                       what="the run to start").parent
    wait_for(lambda: events_of(run_dir, "batch"), what="training to start")
    os.killpg(shell.pid, signal.SIGHUP)  # the SSH connection drops
    shell.wait(timeout=10)
    wait_for(lambda: read_run(run_dir).status != "running", timeout=180, what="the run to end")
    assert read_run(run_dir).status == "completed"
    assert read_run(run_dir).epochs_done == 2


def test_stop_from_another_terminal_then_now(tmp_path):
    runs_dir = tmp_path / "runs"
    run_dir = detach(runs_dir, "--epochs", "50")
    wait_for(lambda: events_of(run_dir, "batch"), what="the first batch")
    # Paused: both the CLI and the TUI say so, and `seqtui resume` lifts the pause.
    request_pause(run_dir)
    wait_for(lambda: events_of(run_dir, "paused"), what="the pause")
    [record] = json.loads(run_seqtui("runs", "--json", runs_dir=runs_dir).stdout)
    assert record["status"] == "running" and record["paused"] is True
    listed = run_seqtui("runs", runs_dir=runs_dir).stdout
    assert "paused" in listed
    out = run_seqtui("resume", run_dir.name, runs_dir=runs_dir)
    assert out.returncode == 0 and "was paused; training goes on" in out.stdout
    wait_for(lambda: events_of(run_dir, "resumed"), what="the pause to lift")
    [record] = json.loads(run_seqtui("runs", "--json", runs_dir=runs_dir).stdout)
    assert record["paused"] is False
    out = run_seqtui("stop", run_dir.name, runs_dir=runs_dir)
    assert out.returncode == 0 and "after the current batch" in out.stdout
    wait_for(lambda: read_run(run_dir).status != "running", what="the stop")
    info = read_run(run_dir)
    assert info.status == "stopped"
    assert events_of(run_dir, "checkpoint_saved")  # a last checkpoint
    again = run_seqtui("stop", run_dir.name, runs_dir=runs_dir)
    assert again.returncode == 2 and "is not running (status: stopped)" in again.stderr

    # Resumed in the background, then stopped at once.
    out = run_seqtui("resume", run_dir.name, "--detach", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    wait_for(lambda: len(events_of(run_dir, "run_started")) == 2
             and read_run(run_dir).status == "running", what="the resumed run")
    wait_for(lambda: events_of(run_dir, "batch")[-1]["time"]
             > events_of(run_dir, "run_started")[-1]["time"], what="a resumed batch")
    now = run_seqtui("stop", run_dir.name, "--now", runs_dir=runs_dir)
    assert now.returncode == 0, now.stderr
    wait_for(lambda: read_run(run_dir).status != "running", timeout=30, what="the interrupt")
    assert read_run(run_dir).status == "stopped"
    assert events_of(run_dir, "run_finished")[-1]["message"] == "interrupted"


def test_run_files_are_private(tmp_path):
    runs_dir = tmp_path / "runs"
    out = run_seqtui("train", *FLAGS, "--epochs", "1", runs_dir=runs_dir)
    assert out.returncode == 0, out.stderr
    [run_dir] = list(runs_dir.iterdir())
    for path in [run_dir, *run_dir.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


@pytest.mark.parametrize("args, words", [
    (["resume", "nope"], "no run 'nope'"),
    (["stop", "nope"], "no run 'nope'"),
    (["train", "--name", "../x"], "a run name is a label, not a path"),
    (["train", "--name", "/etc"], "did you mean 'etc'"),
])
def test_control_bad_input(tmp_path, args, words):
    out = run_seqtui(*args, runs_dir=tmp_path / "runs")
    assert out.returncode == 2 and words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_resume_needs_a_checkpoint(tmp_path):
    from seqtui.engine.config import Config
    from seqtui.engine.runs.events import EventLog, make_event
    from seqtui.engine.runs.store import create_run

    run_dir = create_run(Config(), tmp_path / "runs")
    EventLog(run_dir / "events.jsonl")(make_event("run_started"))  # died before epoch 1
    out = run_seqtui("resume", run_dir.name, runs_dir=tmp_path / "runs")
    assert out.returncode == 2 and "has no checkpoint to resume from" in out.stderr


def test_a_full_disk_fails_the_run_clearly_and_keeps_what_was_written(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2500k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    try:
        runs_dir = mount / "runs"
        # The demo's ~180-id vocabulary x 1,000 dimensions: each checkpoint (weights + Adam
        # state) is ~2 MB.
        out = run_seqtui("train", *TINY_FLAGS, "--preset", "gap", "--embedding-dim", "1000",
                         "--epochs", "3", runs_dir=runs_dir)
        assert out.returncode == 1
        assert "no space left on the device" in out.stderr
        assert "Traceback" not in out.stderr
        [run_dir] = list(runs_dir.iterdir())
        info = read_run(run_dir)
        assert info.status == "failed" and "no space left" in info.message
        assert (run_dir / "config.json").read_text().startswith("{")
        assert not list((run_dir / "checkpoints").glob(".tmp-*"))  # nothing half written left
    finally:
        subprocess.run(["umount", str(mount)], check=False)
