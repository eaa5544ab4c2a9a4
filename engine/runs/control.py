"""Control files: how a stop, pause or resume request reaches a training process that may have
been started by someone else (a file in RUN/control/, polled between batches)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from seqtui.engine.runs.files import write_private

CONTROL_DIR = "control"


# ---- control: files in the run directory, so any process (a TUI that restarted, another
# terminal) can ask; the training process looks for them between batches. ------------------------

def request_stop(run_dir: Path, reason: str = "stop") -> None:
    """Ask for a stop after the current batch. The reason is the file's text: a sweep's pruner
    writes `pruned`, so the run ends with that status instead of `stopped`."""
    write_private(Path(run_dir) / CONTROL_DIR / "stop", f"{reason}\n")


def stop_reason(run_dir: Path) -> str | None:
    """Why a stop was requested (`stop`, `pruned`), or None when none was."""
    try:
        return (Path(run_dir) / CONTROL_DIR / "stop").read_text().strip() or "stop"
    except OSError:
        return None


def request_pause(run_dir: Path) -> None:
    write_private(Path(run_dir) / CONTROL_DIR / "pause", "pause\n")


def request_resume(run_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (Path(run_dir) / CONTROL_DIR / "pause").unlink()


def is_paused(run_dir: Path) -> bool:
    return (Path(run_dir) / CONTROL_DIR / "pause").exists()
