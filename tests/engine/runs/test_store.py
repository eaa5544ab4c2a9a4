"""Reading run directories: statuses from the log and the process, torn lines, names."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from seqtui.engine.config import Config, sanitize_name
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.events import EventLog, EventTail, make_event, read_events
from seqtui.engine.runs.process import write_pid
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import create_run, find_run, write_history


def _epoch(n, val_acc, partial=False):
    return make_event("epoch_ended", epoch=n, partial=partial, seconds=1.5,
                      logs={"loss": 1 / n, "accuracy": 0.5, "val_loss": 1 / n,
                            "val_accuracy": val_acc})


@pytest.fixture
def run_dir(tmp_path):
    return create_run(Config(), tmp_path)


def test_a_torn_last_line_is_skipped(run_dir):
    log = EventLog(run_dir / "events.jsonl")
    log(make_event("run_started", params=10))
    log(_epoch(1, 0.6))
    log.close()
    with open(run_dir / "events.jsonl", "a") as handle:
        handle.write('{"type": "epoch_ended", "epo')  # the process died mid-write
    assert [e["type"] for e in read_events(run_dir / "events.jsonl")] == \
        ["run_started", "epoch_ended"]
    assert read_run(run_dir).epochs_done == 1


def test_status_comes_from_the_log_then_the_process(run_dir):
    assert read_run(run_dir).status == "pending"
    write_pid(run_dir)  # this test process: alive
    EventLog(run_dir / "events.jsonl")(make_event("run_started"))
    assert read_run(run_dir).status == "running"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_pid(run_dir, dead.pid)
    assert read_run(run_dir).status == "died"
    EventLog(run_dir / "events.jsonl")(make_event("run_finished", status="stopped"))
    assert read_run(run_dir).status == "stopped"
    EventLog(run_dir / "events.jsonl")(make_event("run_started", resumed=True))
    assert read_run(run_dir).status == "died"  # the resumed attempt has no last word yet


def test_a_zombie_is_not_alive(run_dir):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    import time

    time.sleep(0.5)  # exited, not yet reaped: a zombie
    write_pid(run_dir, child.pid)
    EventLog(run_dir / "events.jsonl")(make_event("run_started"))
    assert read_run(run_dir).status == "died"
    child.wait()


def test_failed_run_keeps_its_message(run_dir):
    log = EventLog(run_dir / "events.jsonl")
    log(make_event("run_started"))
    log(make_event("run_failed", message="out of memory"))
    info = read_run(run_dir)
    assert (info.status, info.message) == ("failed", "out of memory")


def test_history_has_every_finished_epoch_once(run_dir):
    events = [_epoch(1, 0.6), _epoch(2, 0.7), _epoch(3, 0.1, partial=True), _epoch(2, 0.75)]
    write_history(run_dir, events)
    lines = (run_dir / "history.csv").read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss"
    assert [line.split(",")[0] for line in lines[1:]] == ["0", "1"]
    assert lines[2].split(",")[3] == "0.75"  # the resumed epoch's figures win


def test_tail_holds_back_an_unfinished_line(tmp_path):
    path = tmp_path / "events.jsonl"
    tail = EventTail(path)
    assert tail.read_new() == []
    with open(path, "w") as handle:
        handle.write(json.dumps({"type": "a", "time": 1}) + "\n" + '{"type": "b", "ti')
    assert [e["type"] for e in tail.read_new()] == ["a"]
    with open(path, "a") as handle:
        handle.write('me": 2}\n')
    assert [e["type"] for e in tail.read_new()] == ["b"]


@pytest.mark.parametrize("name, expected", [
    ("../x", "x"), ("/etc", "etc"), ("my run/1", "my-run-1"), ("", "run"), ("....", "run"),
])
def test_run_names_are_never_paths(name, expected):
    assert sanitize_name(name) == expected


def test_runs_are_private_and_found_by_prefix(tmp_path):
    config = Config()
    config.name = "../../etc/passwd"
    run = create_run(config, tmp_path / "runs")
    assert run.parent == tmp_path / "runs" and run.name.endswith("_etc-passwd")
    assert run.stat().st_mode & 0o777 == 0o700
    assert (run / "config.json").stat().st_mode & 0o777 == 0o600
    assert find_run(run.name[:10], tmp_path / "runs") == run
    assert find_run(run.name[11:17], tmp_path / "runs") == run  # the time alone
    with pytest.raises(BadInput, match="no run"):
        find_run("nope", tmp_path / "runs")


def test_test_scores_and_trial_identity_come_from_the_run_directory(run_dir):
    log = EventLog(run_dir / "events.jsonl")
    log(make_event("run_started", params=10, epochs=1))
    log(_epoch(1, 0.8))
    info = read_run(run_dir)
    assert info.test_metrics is None and info.sweep is None and info.trial is None

    log(make_event("run_finished", status="pruned", test={"loss": 0.4, "accuracy": 0.81}))
    (run_dir / "trial.json").write_text(json.dumps({"sweep": "2026-12-01_100000_sweep",
                                                    "trial": 3}))
    info = read_run(run_dir)
    assert info.status == "pruned" and info.finished
    assert info.test_metrics == {"loss": 0.4, "accuracy": 0.81}
    assert (info.sweep, info.trial) == ("2026-12-01_100000_sweep", 3)

    (run_dir / "trial.json").write_text("[1, 2")  # torn or foreign: not a trial
    assert read_run(run_dir).sweep is None
