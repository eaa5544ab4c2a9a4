"""A queue of runs that train one after another, surviving the TUI (plain Python, no Textual).

Queuing creates the run directory at once (status pending) and appends its id to
RUNS/.queue/queue.json. A detached runner process (`python -m seqtui.tui.runqueue RUNS`, its own
session, output to RUNS/.queue/runner.log) trains the queued runs in order, each through the usual
detached training worker, and exits when the queue is empty. The TUI may quit, the SSH connection
may drop: the runner goes on. Only one runner works a runs dir at a time (an flock); every queue
edit holds a second lock so appends and removals never lose an entry.

A queued run whose stop was requested before it started is skipped and marked stopped.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from seqtui.engine.runs.control import CONTROL_DIR
from seqtui.engine.runs.events import EventLog, make_event
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.process import PID_FILE, process_alive
from seqtui.engine.runs.status import RunInfo

QUEUE_DIR = ".queue"
POLL_SECONDS = 1.0


def queue_dir(runs_dir: Path) -> Path:
    path = Path(runs_dir) / QUEUE_DIR
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@contextlib.contextmanager
def _locked(path: Path, blocking: bool = True) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing drops the lock


def display_status(run: RunInfo, queued: set[str]) -> str:
    """The status every screen and `seqtui runs` show: `queued` for a pending run waiting in the
    queue, `paused` for a paused running one (RunInfo.shown_status), else the status."""
    if run.status == "pending" and run.id in queued:
        return "queued"
    return run.shown_status


def read_queue(runs_dir: Path) -> list[str]:
    """Run ids waiting to train, in order."""
    try:
        data = json.loads((Path(runs_dir) / QUEUE_DIR / "queue.json").read_text())
    except (OSError, json.JSONDecodeError):
        return []
    return [str(i) for i in data.get("runs", [])] if isinstance(data, dict) else []


def _write_queue(runs_dir: Path, ids: list[str]) -> None:
    write_private(queue_dir(runs_dir) / "queue.json", json.dumps({"runs": ids}) + "\n")


def enqueue(run_dir: Path) -> int:
    """Add a created (pending) run to its runs dir's queue, start a runner if none works it, and
    return the run's place in the queue (1 = next)."""
    run_dir = Path(run_dir)
    runs_dir = run_dir.parent
    with _locked(queue_dir(runs_dir) / "edit.lock"):
        ids = read_queue(runs_dir)
        if run_dir.name not in ids:
            ids.append(run_dir.name)
        _write_queue(runs_dir, ids)
        place = ids.index(run_dir.name) + 1
    start_runner(runs_dir)
    return place


def dequeue(run_dir: Path) -> None:
    """Take a run off its runs dir's queue (it is being deleted, or was started by hand)."""
    run_dir = Path(run_dir)
    if run_dir.name in read_queue(run_dir.parent):
        _remove(run_dir.parent, run_dir.name)


def _remove(runs_dir: Path, run_id: str) -> None:
    with _locked(queue_dir(runs_dir) / "edit.lock"):
        _write_queue(runs_dir, [i for i in read_queue(runs_dir) if i != run_id])


def start_runner(runs_dir: Path) -> None:
    """Start a detached runner; it exits at once if another runner already works this dir."""
    log_fd = os.open(queue_dir(runs_dir) / "runner.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                     0o600)
    try:
        subprocess.Popen([sys.executable, "-m", "seqtui.tui.runqueue", str(runs_dir)],
                         stdin=subprocess.DEVNULL, stdout=log_fd, stderr=log_fd,
                         start_new_session=True, close_fds=True)
    finally:
        os.close(log_fd)


def _next_pending(runs_dir: Path) -> Path | None:
    """The first queued run that has not started; drops ids whose run is gone or started."""
    for run_id in read_queue(runs_dir):
        run_dir = Path(runs_dir) / run_id
        if not (run_dir / "config.json").is_file():
            _remove(runs_dir, run_id)
            continue
        if (run_dir / PID_FILE).exists() or (run_dir / "events.jsonl").exists():
            _remove(runs_dir, run_id)  # started by someone else (resume, a second runner)
            continue
        if (run_dir / CONTROL_DIR / "stop").exists():
            _mark_skipped(run_dir)
            _remove(runs_dir, run_id)
            continue
        return run_dir
    return None


def _mark_skipped(run_dir: Path) -> None:
    log = EventLog(run_dir / "events.jsonl")
    try:
        log(make_event("run_finished", status="stopped", message="removed from the queue "
                       "before it started", best_epoch=None, best={}))
    finally:
        log.close()


def _wait(run_dir: Path, pid: int) -> None:
    while process_alive(run_dir):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        time.sleep(POLL_SECONDS)


def work(runs_dir: Path) -> int:
    """Train queued runs one after another; returns how many were started."""
    from seqtui.engine.training.launch import spawn_training

    runs_dir = Path(runs_dir)
    started = 0
    while True:
        with _locked(queue_dir(runs_dir) / "runner.lock", blocking=False) as mine:
            if not mine:
                return started  # another runner has the queue
            while (run_dir := _next_pending(runs_dir)) is not None:
                print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} starting {run_dir.name}", flush=True)
                pid = spawn_training(run_dir)
                _remove(runs_dir, run_dir.name)
                started += 1
                _wait(run_dir, pid)
        # The lock is released. Something queued in the instant before we let go is ours to run
        # (its enqueue started a runner that may have found the lock still held and left).
        if _next_pending(runs_dir) is None:
            return started


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1:
        print("usage: python -m seqtui.tui.runqueue RUNS_DIR", file=sys.stderr)
        return 2
    work(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
