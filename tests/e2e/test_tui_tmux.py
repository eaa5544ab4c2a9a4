"""End to end in a real terminal (tmux, 80x24): start a demo run from the New experiment screen,
see an epoch end on the dashboard, quit, check the training process still runs,
`seqtui attach`, see it, stop it from the dashboard."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seqtui.engine.runs.process import process_alive
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import list_runs
from seqtui.tui.formfields import sections

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (CI installs it with apt-get)")


class Tmux:
    """One private tmux server (its own socket), so the test never touches a user's sessions."""

    def __init__(self, tmp: Path) -> None:
        self.socket = f"seqtui-e2e-{os.getpid()}"
        self.tmp = tmp

    def run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=30)
        return done.stdout

    def start(self, name: str, command: str, env: dict[str, str]) -> None:
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        self.run("new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                 f"cd {shlex.quote(str(self.tmp))} && env {exports} {command}; sleep 600")

    def keys(self, name: str, *keys: str) -> None:
        for key in keys:
            if key.startswith("lit:"):
                self.run("send-keys", "-t", name, "-l", key[4:])
            else:
                self.run("send-keys", "-t", name, key)
            time.sleep(0.25)  # keys apart, so escape sequences are not merged

    def screen(self, name: str) -> str:
        return self.run("capture-pane", "-p", "-t", name)

    def wait_for(self, name: str, text: str | re.Pattern, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen(name)
            if (text.search(screen) if isinstance(text, re.Pattern) else text in screen):
                return screen
            time.sleep(0.5)
        raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{self.screen(name)}")

    def kill(self) -> None:
        self.run("kill-server")


@pytest.fixture
def tmux(tmp_path: Path):
    server = Tmux(tmp_path)
    yield server
    server.kill()


def form_keys(values: dict[str, str]) -> list[str]:
    """Keys that walk the form from its first field and set the given fields."""
    order = [f.key for _, fields in sections() for f in fields]
    keys, at = [], 0
    for key in sorted(values, key=order.index):
        index = order.index(key)
        keys += ["Down"] * (index - at)
        at = index
        value = values[key]
        if value.startswith("choose:"):
            keys += ["Enter", f"lit:{value[7:]}", "Enter"]
        else:
            keys += ["C-u", f"lit:{value}"]
    return keys


def test_start_quit_attach_stop_in_a_real_terminal(tmux, tmp_path: Path):
    runs_dir = tmp_path / "runs"
    env = {"SEQTUI_RUNS_DIR": str(runs_dir), "TERM": "xterm-256color",
           "TF_CPP_MIN_LOG_LEVEL": "3", "SEQTUI_KEYMAP": str(tmp_path / "none.toml"),
           "PATH": os.environ.get("PATH", "")}
    seqtui = f"{shlex.quote(sys.executable)} -m seqtui"

    tmux.start("tui", seqtui, env)
    tmux.wait_for("tui", "No runs yet", timeout=30)
    tmux.keys("tui", "n")
    tmux.wait_for("tui", "Model preview", timeout=15)
    tmux.keys("tui", *form_keys({
        "data.demo_size": "200", "model.preset": "choose:gap", "model.embedding_dim": "8",
        "model.dense_units": "8", "training.epochs": "400", "training.batch_size": "32",
        "training.early_stopping": "0"}))  # it trains until it is stopped
    tmux.wait_for("tui", "80,081 params", timeout=5)  # the preview followed the form
    tmux.keys("tui", "C-s")
    tmux.wait_for("tui", "gap on demo", timeout=20)
    tmux.keys("tui", "3")  # the Log tab
    # Any epoch: a tiny model's epochs take a tenth of a second, so "epoch 1" may have
    # scrolled out of the log between two looks at the screen.
    tmux.wait_for("tui", re.compile(r"epoch \d+ ended"), timeout=240)

    [run] = list_runs(runs_dir)
    assert run.preset == "gap" and run.status == "running"
    tmux.keys("tui", "q")
    time.sleep(1.5)
    assert not re.search(r"epoch \d+ ended", tmux.screen("tui"))  # the TUI is gone
    assert process_alive(run.path), "quitting the TUI must not stop training"
    done_before = read_run(run.path).epochs_done

    tmux.start("attach", f"{seqtui} attach", env)
    screen = tmux.wait_for("attach", run.id, timeout=30)
    tmux.wait_for("attach", "running", timeout=10)
    assert "gap on demo" in screen
    tmux.keys("attach", "2")  # the Epochs tab: the run went on while nobody watched
    deadline = time.monotonic() + 60
    while read_run(run.path).epochs_done <= done_before and time.monotonic() < deadline:
        time.sleep(0.5)
    assert read_run(run.path).epochs_done > done_before

    tmux.keys("attach", "s")
    tmux.wait_for("attach", "Stop (y)", timeout=10)
    tmux.keys("attach", "y")
    deadline = time.monotonic() + 60
    while read_run(run.path).status == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert read_run(run.path).status == "stopped"
    tmux.wait_for("attach", "stopped", timeout=10)
    tmux.keys("attach", "q")


BRAILLE = re.compile("[\u2801-\u28ff]")


def test_step_curves_move_during_the_first_epoch(tmux, tmp_path: Path):
    """A long first epoch (thousands of batches of two) watched with `seqtui attach`: the loss
    chart's per-batch line is on screen and changes while epoch 1 is still running."""
    runs_dir = tmp_path / "runs"
    env = {"SEQTUI_RUNS_DIR": str(runs_dir), "TERM": "xterm-256color",
           "TF_CPP_MIN_LOG_LEVEL": "3", "SEQTUI_KEYMAP": str(tmp_path / "none.toml"),
           "PATH": os.environ.get("PATH", "")}
    seqtui = [sys.executable, "-m", "seqtui"]
    subprocess.run([*seqtui, "train", "--detach", "--dataset", "demo", "--demo-size", "8000",
                    "--preset", "lstm", "--embedding-dim", "8", "--units", "8",
                    "--dense-units", "8", "--batch-size", "2", "--epochs", "2"],
                   check=True, capture_output=True, timeout=60, env={**os.environ, **env},
                   cwd=tmp_path)
    [run] = list_runs(runs_dir)
    try:
        tmux.start("attach", f"{shlex.quote(sys.executable)} -m seqtui attach {run.id}", env)
        first = tmux.wait_for("attach", re.compile(r"step \d+/\d+"), timeout=120)
        deadline = time.monotonic() + 30
        while not BRAILLE.search(first) and time.monotonic() < deadline:
            time.sleep(0.5)
            first = tmux.screen("attach")
        assert BRAILLE.search(first), first
        time.sleep(3)
        second = tmux.screen("attach")
        assert read_run(run.path).epochs_done == 0, "epoch 1 ended too soon for this test"
        assert "epoch 1/2" in second
        steps = [int(m) for m in re.findall(r"step (\d+)/\d+", first + second)]
        assert steps[-1] > steps[0]
        assert BRAILLE.findall(second) != BRAILLE.findall(first)  # the step line moved
    finally:
        subprocess.run([*seqtui, "stop", "--now", run.id], capture_output=True, timeout=60,
                       env={**os.environ, **env}, cwd=tmp_path)
