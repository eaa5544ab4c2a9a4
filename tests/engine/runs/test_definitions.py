"""One definition per figure: seconds per epoch, a run's duration, its message and its shown
status read the same in RunInfo (CLI, reports), the TUI's folded state, the report, compare and
`seqtui runs --json`."""

from __future__ import annotations

import json

from helpers import run_seqtui
from seqtui.engine.config import Config
from seqtui.engine.reports.compare import write_comparison
from seqtui.engine.reports.writer import write_report
from seqtui.engine.runs.events import EventLog
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import create_run
from seqtui.tui.runstate import RunState

T = 1_790_000_000.0


def _ev(kind, at, **fields):
    return {"type": kind, "time": T + at, **fields}


def _epoch(n, at, seconds, traced):
    return _ev("epoch_ended", at, epoch=n, seconds=seconds, steps=10, examples_per_sec=100.0,
               traced=traced, partial=False, best_epoch=n, best={"val_loss": 1 / n},
               logs={"loss": 1 / n, "accuracy": 0.5, "val_loss": 1 / n, "val_accuracy": 0.6})


def stopped_paused_and_resumed(runs_dir):
    """Started at 0; epoch 1 traces (20 s); paused 11 s in epoch 2; stopped at 40 inside
    epoch 3; resumed at 100 (the 60 s between do not count); epoch 3 traces again; done at 125."""
    config = Config()
    config.training.epochs = 4
    run_dir = create_run(config, runs_dir)
    log = EventLog(run_dir / "events.jsonl")
    for event in [
        _ev("run_started", 0, epochs=4, resumed=False, initial_epoch=0),
        _ev("stage", 1, stage="ready", message="training", params=100, steps_per_epoch=10),
        _epoch(1, 20, 19.0, True),
        _ev("paused", 22, step=3), _ev("resumed", 33, step=3, paused_seconds=11.0),
        _epoch(2, 30 + 11, 2.0, False),  # 13 s of wall time, 2 of them training
        _ev("epoch_ended", 45, epoch=3, seconds=1.0, steps=4, partial=True, logs={}),
        _ev("run_finished", 45, status="stopped", seconds=34.0, paused_seconds=11.0),
        _ev("run_started", 100, epochs=4, resumed=True, initial_epoch=2),
        _epoch(3, 118, 17.0, True), _epoch(4, 121, 3.0, False),
        _ev("run_finished", 125, status="completed", seconds=25.0, paused_seconds=0.0),
    ]:
        log(event)
    log.close()
    return run_dir


def test_every_reader_gives_the_same_seconds_per_epoch_and_duration(runs_dir):
    run_dir = stopped_paused_and_resumed(runs_dir)
    info = read_run(run_dir)
    # Steady epochs only: 2 and 4 (1 and 3 trace), (2 + 3) / 2.
    assert info.seconds_per_epoch == 2.5
    # 45 - 0 - 11 paused, plus 125 - 100.
    assert info.duration == 59.0
    state = RunState()
    state.feed(info.events)
    assert state.duration() == 59.0

    markdown = write_report(run_dir)[0].read_text()
    assert "took 59.0 s" in markdown and "- later epochs, mean: 2.5 s" in markdown
    assert "resumed at" in markdown
    other = stopped_paused_and_resumed(runs_dir.parent / "other")
    text = write_comparison([run_dir, other], runs_dir.parent / "cmp.md").read_text()
    assert "| 2.5 s |" in text and "first epoch of each training process" in text

    [record] = json.loads(run_seqtui("runs", "--json", runs_dir=runs_dir).stdout)
    assert record["seconds_per_epoch"] == 2.5 and record["seconds"] == 59.0


def test_a_completed_run_has_no_stage_left_as_its_message(runs_dir):
    run_dir = stopped_paused_and_resumed(runs_dir)
    [record] = json.loads(run_seqtui("runs", "--json", runs_dir=runs_dir).stdout)
    assert record["status"] == "completed" and record["message"] == ""
    assert read_run(run_dir).message == ""


def test_a_queued_run_reads_queued_in_seqtui_runs_as_in_the_tui(runs_dir, monkeypatch):
    import seqtui.tui.runqueue as runqueue
    from seqtui.tui.runqueue import display_status, enqueue, read_queue

    monkeypatch.setattr(runqueue, "start_runner", lambda runs_dir: None)  # waits, unstarted
    run_dir = create_run(Config(), runs_dir)
    enqueue(run_dir)
    [record] = json.loads(run_seqtui("runs", "--json", runs_dir=runs_dir).stdout)
    assert record["status"] == "pending" and record["shown_status"] == "queued"
    assert display_status(read_run(run_dir), set(read_queue(runs_dir))) == "queued"
    assert "queued" in run_seqtui("runs", runs_dir=runs_dir).stdout


def test_the_cli_last_line_and_the_tui_toast_name_the_same_best_epoch(runs_dir):
    """The best epoch is the monitored metric's (val_loss here), even where val_accuracy
    peaked earlier, and the test score follows it, in the CLI's last line as in the toast."""
    from rich.console import Console

    from seqtui.progress import RichProgress

    run_dir = create_run(Config(), runs_dir)
    log = EventLog(run_dir / "events.jsonl")
    finished = _ev("run_finished", 30, status="completed", seconds=30.0, best_epoch=2,
                   best={"val_loss": 0.5}, test={"accuracy": 0.6875, "loss": 0.61})
    for event in [_ev("run_started", 0, epochs=2),
                  _ev("epoch_ended", 10, epoch=1, seconds=9.0, partial=False, best_epoch=1,
                      logs={"loss": 0.7, "val_loss": 0.6, "val_accuracy": 0.71}),
                  _ev("epoch_ended", 20, epoch=2, seconds=9.0, partial=False, best_epoch=2,
                      logs={"loss": 0.6, "val_loss": 0.5, "val_accuracy": 0.66}),
                  finished]:
        log(event)
    log.close()
    expected = "best epoch 2 (val_loss 0.5000); test acc 0.6875"
    assert read_run(run_dir).outcome == expected
    console = Console(record=True, width=120)
    RichProgress(console).on_run_finished(finished)
    assert console.export_text().strip() == f"completed in 30.0s; {expected}"
