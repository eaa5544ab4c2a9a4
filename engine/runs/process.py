"""The training process of a run: its pid file, and whether that process still runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from seqtui.engine.runs.files import write_private

PID_FILE = "pid"


def write_pid(run_dir: Path, pid: int | None = None) -> None:
    pid = pid or os.getpid()
    write_private(Path(run_dir) / PID_FILE, json.dumps({"pid": pid, "start": _start_time(pid)}))


def read_pid(run_dir: Path) -> int | None:
    """The pid the run's pid file names, or None (no file, or a garbled one)."""
    try:
        return int(json.loads((Path(run_dir) / PID_FILE).read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def process_alive(run_dir: Path) -> bool:
    """Whether the run's training process still runs (a zombie or a reused pid does not count)."""
    try:
        info = json.loads((Path(run_dir) / PID_FILE).read_text())
        pid = int(info["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    stat = _proc_stat(pid)
    if stat is None:
        return True  # no /proc: trust kill(0)
    state, start = stat
    if state == "Z":
        return False
    return info.get("start") in (None, start)


def _proc_stat(pid: int) -> tuple[str, int] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = raw.rsplit(")", 1)[1].split()
    return rest[0], int(rest[19])


def _start_time(pid: int) -> int | None:
    stat = _proc_stat(pid)
    return stat[1] if stat else None
