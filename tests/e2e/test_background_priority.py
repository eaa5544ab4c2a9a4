"""A detached training run yields the CPU to interactive programs; a foreground one does not
change its priority; a bad SEQTUI_BACKGROUND_NICE is refused before a run directory exists."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import TINY_FLAGS, run_seqtui, wait_for
from seqtui.engine.runs.control import request_pause, request_resume, request_stop
from seqtui.engine.runs.events import read_events
from seqtui.engine.runs.process import process_alive
from seqtui.engine.training.priority import ENV, background_nice

FLAGS = [*TINY_FLAGS, "--preset", "lstm", "--units", "8", "--demo-size", "400",
         "--batch-size", "16", "--epochs", "20"]

PROBE = textwrap.dedent('''
    import json, os
    from seqtui.engine.training.priority import lower_priority
    def autogroup():
        # "/autogroup-N nice K", or empty when the process is in no autogroup (its session is
        # init's, as for a service or a CI runner), or no such file (not Linux, or no autogroup).
        try:
            words = open("/proc/self/autogroup").read().split()
        except OSError:
            return None
        return words[-1] if words else None
    before = autogroup()
    said = lower_priority(int(os.environ["NICE"]))
    print(json.dumps({"said": said, "nice": os.nice(0), "batch": os.sched_getscheduler(0) ==
                      getattr(os, "SCHED_BATCH", -1), "autogroup_before": before,
                      "autogroup": autogroup()}))
''')


def probe(nice: int, own_session: bool) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env={**os.environ, "NICE": str(nice)}, timeout=60,
                          start_new_session=own_session)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_session_leader_lowers_its_nice_policy_and_autogroup():
    seen = probe(10, own_session=True)
    assert seen["nice"] >= 10 and seen["batch"]
    if seen["autogroup_before"] is not None:  # Linux with autogroup
        assert seen["autogroup"] == "10"
        assert "autogroup nice 10" in seen["said"]


def test_inside_someone_elses_session_the_autogroup_is_left_alone():
    # Lowering the autogroup from a user's terminal session would slow their shell too.
    seen = probe(10, own_session=False)
    assert seen["nice"] >= 10
    assert seen["autogroup"] == seen["autogroup_before"]
    assert "autogroup" not in seen["said"]


def test_nice_0_leaves_the_priority_alone():
    seen = probe(0, own_session=True)
    assert seen["nice"] == os.nice(0) and not seen["batch"]
    assert seen["autogroup"] == seen["autogroup_before"]


@pytest.mark.parametrize("text, expected", [("", 10), ("0", 0), ("19", 19), (" 5 ", 5)])
def test_background_nice_from_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv(ENV, text)
    assert background_nice() == expected


@pytest.mark.parametrize("text, words", [("abc", "not a whole number"), ("25", "out of range"),
                                         ("-5", "out of range")])
def test_a_bad_value_is_one_clear_line_and_exit_2_before_any_run_directory(tmp_path, text, words):
    runs_dir = tmp_path / "runs"
    out = run_seqtui("train", *FLAGS, "--detach", runs_dir=runs_dir, env={ENV: text})
    assert out.returncode == 2
    assert words in out.stderr and ENV in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0
    assert not runs_dir.exists() or not any(runs_dir.iterdir())


def test_a_detached_run_trains_at_background_priority_and_a_foreground_one_does_not(tmp_path):
    runs_dir = tmp_path / "runs"
    out = run_seqtui("train", *FLAGS, "--detach", runs_dir=runs_dir, env={ENV: "7"})
    assert out.returncode == 0, out.stderr
    [run_dir] = list(runs_dir.iterdir())
    events = run_dir / "events.jsonl"
    try:
        wait_for(lambda: any(e["type"] == "batch" for e in read_events(events)),
                 what="the first batch")
        request_pause(run_dir)  # hold it, alive, while we look at it
        wait_for(lambda: any(e["type"] == "paused" for e in read_events(events)),
                 what="the pause")
        pid = json.loads((run_dir / "pid").read_text())["pid"]
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        assert int(stat[16]) == 7  # the nice value, for TensorFlow's threads as well:
        threads = list(Path(f"/proc/{pid}/task").iterdir())
        assert len(threads) > 1
        for thread in threads:
            assert int((thread / "stat").read_text().rsplit(")", 1)[1].split()[16]) == 7
        assert os.sched_getscheduler(pid) == os.SCHED_BATCH
        assert "background priority: nice 7" in (run_dir / "worker.log").read_text()
    finally:
        request_stop(run_dir)
        request_resume(run_dir)
        wait_for(lambda: not process_alive(run_dir), what="the run to stop")

    foreground = run_seqtui("train", *TINY_FLAGS, "--preset", "gap",
                            runs_dir=tmp_path / "fg")
    assert foreground.returncode == 0, foreground.stderr
    [fg_dir] = list((tmp_path / "fg").iterdir())
    assert "background priority" not in (fg_dir / "worker.log").read_text()
