"""Start a training process detached from whoever asked (TUI or `seqtui train --detach`).

The process gets its own session, so a hung-up terminal (SIGHUP) or a quitting TUI does not reach
it; its stdout and stderr go to the run's worker.log. It trains the run directory it is given.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from seqtui.engine.runs.process import write_pid


def worker_command(run_dir: Path, resume: bool = False) -> list[str]:
    command = [sys.executable, "-m", "seqtui", "train", "--run-dir", str(run_dir)]
    if resume:
        command.append("--resume")
    return command


def spawn_training(run_dir: Path, resume: bool = False) -> int:
    """Start `seqtui train --run-dir RUN` in the background; returns its pid."""
    run_dir = Path(run_dir)
    log_fd = os.open(run_dir / "worker.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        process = subprocess.Popen(
            worker_command(run_dir, resume),
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=log_fd,
            start_new_session=True,  # its own session: SIGHUP to our terminal never reaches it
            close_fds=True,
            env={**os.environ, "SEQTUI_DETACHED": "1"},
        )
    finally:
        os.close(log_fd)
    # Written here as well as by the worker, so the run reads as running from the first instant.
    write_pid(run_dir, process.pid)
    return process.pid
