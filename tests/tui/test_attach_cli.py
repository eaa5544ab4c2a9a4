"""`seqtui attach [RUN]`: which run it opens, and one clear line for a bad one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from seqtui.cmd_attach import pick_run
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.process import write_pid


def test_a_run_that_does_not_exist_is_one_line_and_exit_2(runs):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    done = subprocess.run([sys.executable, "-m", "seqtui", "attach", "nope", "--runs-dir",
                           str(runs.runs_dir)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TERM": "dumb"})
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "no run 'nope'" in done.stderr and "Traceback" not in done.stderr


def test_no_runs_at_all_is_a_clear_error(runs):
    with pytest.raises(BadInput, match="no runs in"):
        pick_run(None, runs.runs_dir)


def test_newest_running_run_is_chosen_over_newer_finished_ones(runs):
    running = runs.create("2026-01-01_000000_lstm", runs.tiny("lstm"),
                          runs.start_events(runs.tiny("lstm")))
    write_pid(running, os.getpid())
    runs.finished("2026-01-02_000000_gap", preset="gap")
    assert pick_run(None, runs.runs_dir).endswith("2026-01-01_000000_lstm")


def test_without_a_running_run_the_newest_run_is_chosen(runs):
    runs.finished("2026-01-01_000000_lstm", preset="lstm")
    runs.finished("2026-01-02_000000_gap", preset="gap")
    assert pick_run(None, runs.runs_dir).endswith("2026-01-02_000000_gap")
    assert pick_run("lstm", runs.runs_dir).endswith("2026-01-01_000000_lstm")


def test_without_a_terminal_the_tui_says_so_in_one_line(runs):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    for args in (["--runs-dir", str(runs.runs_dir)], ["attach", "--runs-dir", str(runs.runs_dir)]):
        done = subprocess.run([sys.executable, "-m", "seqtui", *args], capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 2, done.stderr
        assert "needs a terminal" in done.stderr and "Traceback" not in done.stderr
        assert done.stderr.strip().count("\n") == 0
