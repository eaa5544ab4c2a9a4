"""The real `seqtui` in a pseudo-terminal: a lone escape goes back, an arrow key's sequence is still
an arrow, keys that arrive in one write are applied in the order typed, and seqtui's escape wait
(ESCDELAY) is 50 ms unless the user set one."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest


class Terminal:
    """`python -m seqtui ARGS` in an 80x24 pty; what it writes is read as it comes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the TUI as a user starts it
            os.execvpe(sys.executable, [sys.executable, "-m", "seqtui", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = b""

    def write(self, data: bytes) -> None:
        self.output = b""
        os.write(self.fd, data)

    def wait_for(self, text: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not written in {timeout}s; last output: "
                                     f"{self.output[-400:]!r}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.1))
            if ready:
                self.output += os.read(self.fd, 65536)

    def settle(self, seconds: float = 0.5) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                self.output += os.read(self.fd, 65536)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def terminal(runs, tmp_path: Path):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    runs.finished("2026-01-02_000000_lstm", preset="lstm")
    env = {**os.environ, "TERM": "xterm-256color", "SEQTUI_RUNS_DIR": str(runs.runs_dir),
           "SEQTUI_KEYMAP": str(tmp_path / "no-keymap.toml")}
    env.pop("ESCDELAY", None)
    term = Terminal([], env)  # in the test's directory: the title names ./runs, short
    term.wait_for(b"_lstm")  # the newest run is listed (and has the cursor)
    term.settle()
    yield term
    term.close()


def test_a_lone_escape_goes_back_and_an_arrow_key_is_still_an_arrow(terminal):
    terminal.write(b"?")
    terminal.wait_for(b"runs.new")  # help lists the binding ids
    terminal.write(b"\x1b")  # nothing follows: it must be the escape key
    terminal.wait_for(b"test acc")  # the runs table's header: back on the Runs screen
    terminal.settle()

    # The down arrow, in one write as a terminal sends it. Read as escape then "[B", it would
    # leave the cursor where it is; the detail line under the table follows the cursor.
    terminal.write(b"\x1b[B")
    terminal.wait_for(b"2026-01-01_000000_gap: completed")


def test_keys_in_one_write_are_applied_in_the_order_typed(terminal):
    # As a slow SSH link or a paste delivers them: a bound key (backspace, an arrow) and the
    # characters after it in one read. The filter's text is echoed in the screen's title.
    terminal.write(b"/abc")  # / focuses the filter: a, b and c are typed there, not run as keys
    terminal.wait_for(b"filter 'abc'")
    terminal.write(b"\x7f12")  # backspace, then 1 and 2: ab12, not abc1
    terminal.wait_for(b"filter 'ab12'")
    terminal.write(b"\x1b[Dx\x1b[H>")  # left, x, home, >: the keys land where they point
    terminal.wait_for(b"filter '>ab1x2'")


def escape_delay_seen(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "ESCDELAY"}
    if env_value is not None:
        env["ESCDELAY"] = env_value
    done = subprocess.run([sys.executable, "-c", "import seqtui.tui.app; "
                           "from textual import constants; print(constants.ESCAPE_DELAY)"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_escape_waits_50_ms_by_default_and_the_users_escdelay_stands():
    assert escape_delay_seen(None) == "0.05"
    assert escape_delay_seen("200") == "0.2"


def test_the_tui_uses_the_prompt_escape_driver_on_this_platform(runs):
    from seqtui.tui.app import SeqtuiApp
    from seqtui.tui.driver import PromptEscapeDriver

    assert SeqtuiApp(runs.runs_dir).driver_class is PromptEscapeDriver
