"""The run directory is the interface: create runs, list them, and derive each run's status.

Everything here is plain Python (no TensorFlow): the TUI and the CLI's `runs`/`show` use it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from seqtui.engine.config import Config, sanitize_name
from seqtui.engine.errors import BadInput
from seqtui.engine.events import TERMINAL_TYPES, Event, read_events

RUNS_DIR_ENV = "SEQTUI_RUNS_DIR"
PID_FILE = "pid"
CONTROL_DIR = "control"

# Statuses: the log's last word when there is one, else what the process says.
FINISHED_STATUSES = ("completed", "stopped", "early_stopped")
STATUSES = (*FINISHED_STATUSES, "failed", "running", "died", "pending")


def resolve_runs_dir(value: str | Path | None = None) -> Path:
    """--runs-dir, else $SEQTUI_RUNS_DIR, else ./runs."""
    chosen = value or os.environ.get(RUNS_DIR_ENV) or "runs"
    return Path(chosen).expanduser()


def new_run_id(name: str, now: float | None = None) -> str:
    stamp = datetime.fromtimestamp(now if now is not None else time.time())
    return f"{stamp:%Y-%m-%d_%H%M%S}_{sanitize_name(name)}"


def create_run(config: Config, runs_dir: Path) -> Path:
    """Make a new run directory holding the resolved config.json, readable by its owner only."""
    resolved = config.resolved()
    runs_dir = Path(runs_dir)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BadInput(f"cannot create runs directory {runs_dir}: {exc.strerror}") from None
    base = new_run_id(resolved.name)
    for attempt in range(1, 1000):
        run_id = base if attempt == 1 else f"{base}-{attempt}"
        path = runs_dir / run_id
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise BadInput(f"cannot create a run in {runs_dir}: {exc.strerror}") from None
        for sub in ("checkpoints", "assets", CONTROL_DIR):
            (path / sub).mkdir(mode=0o700)
        write_private(path / "config.json", resolved.to_json() + "\n")
        return path
    raise BadInput(f"too many runs named {base} in {runs_dir}")


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only, atomically (temporary name, then rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def find_run(ref: str, runs_dir: Path) -> Path:
    """A run from its id, any unique part of it, or a path to its directory."""
    as_path = Path(ref).expanduser()
    if (as_path / "config.json").is_file():
        return as_path
    runs_dir = Path(runs_dir)
    if runs_dir.is_dir():
        ids = sorted(p.name for p in runs_dir.iterdir() if (p / "config.json").is_file())
        if ref in ids:
            return runs_dir / ref
        matches = [i for i in ids if ref in i]  # any unique part: a time, a name, a date
        if len(matches) == 1:
            return runs_dir / matches[0]
        if len(matches) > 1:
            raise BadInput(f"run {ref!r} is ambiguous: {', '.join(matches[:5])}")
    raise BadInput(f"no run {ref!r} in {runs_dir}; `seqtui runs` lists them")


def write_pid(run_dir: Path, pid: int | None = None) -> None:
    pid = pid or os.getpid()
    write_private(Path(run_dir) / PID_FILE, json.dumps({"pid": pid, "start": _start_time(pid)}))


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


@dataclass
class RunInfo:
    """What a reader of a run directory knows: its status and headline figures."""

    id: str
    path: Path
    status: str
    config: dict[str, Any]
    events: list[Event] = field(repr=False, default_factory=list)
    epochs: list[dict[str, Any]] = field(default_factory=list)  # epoch_ended events, in order
    params: int | None = None
    epochs_total: int | None = None
    started: float | None = None
    ended: float | None = None
    message: str = ""  # why it failed, or the last stage

    @property
    def dataset(self) -> str:
        return str(self.config.get("data", {}).get("dataset", "?"))

    @property
    def preset(self) -> str:
        return str(self.config.get("model", {}).get("preset", "?"))

    @property
    def epochs_done(self) -> int:
        return len(self.epochs)

    def best(self, metric: str = "val_accuracy") -> tuple[int, float] | None:
        """(epoch number, value) of the best epoch for a metric; lower is better for losses."""
        values = [(e["epoch"], e["logs"][metric]) for e in self.epochs if metric in e["logs"]]
        if not values:
            return None
        pick = min if "loss" in metric else max
        return pick(values, key=lambda item: item[1])

    @property
    def seconds_per_epoch(self) -> float | None:
        times = [e["seconds"] for e in self.epochs if "seconds" in e]
        return sum(times) / len(times) if times else None

    @property
    def finished(self) -> bool:
        return self.status not in ("running", "pending")


def epoch_records(events: list[Event]) -> list[dict[str, Any]]:
    """One record per finished epoch, the latest one winning when a resumed run repeats an epoch.

    A partial epoch (stopped mid-way) is not a finished epoch.
    """
    by_epoch: dict[int, dict[str, Any]] = {}
    for event in events:
        if event.get("type") == "epoch_ended" and not event.get("partial"):
            by_epoch[int(event["epoch"])] = event
    return [by_epoch[k] for k in sorted(by_epoch)]


def status_from_events(events: list[Event], alive: bool, has_pid: bool) -> str:
    # Only the latest attempt counts: a resumed run starts again with its own run_started.
    start = max((i for i, e in enumerate(events) if e.get("type") == "run_started"), default=0)
    last = next((e for e in reversed(events[start:]) if e.get("type") in TERMINAL_TYPES), None)
    if last is not None and last["type"] == "run_finished":
        return str(last.get("status", "completed"))
    if last is not None and last["type"] == "run_failed":
        return "failed"
    if alive:
        return "running"
    return "died" if (has_pid or events) else "pending"


def read_run(path: Path) -> RunInfo:
    path = Path(path)
    try:
        config = json.loads((path / "config.json").read_text())
    except (OSError, json.JSONDecodeError):
        config = {}
    return run_info(path, config, read_events(path / "events.jsonl"))


def run_info(path: Path, config: dict[str, Any], events: list[Event]) -> RunInfo:
    """A RunInfo from a config and events already read (a follower that reads incrementally
    passes what it has)."""
    alive = process_alive(path)
    status = status_from_events(events, alive, (path / PID_FILE).exists())
    info = RunInfo(id=path.name, path=path, status=status, config=config, events=events,
                   epochs=epoch_records(events))
    for event in events:
        kind = event.get("type")
        if kind == "run_started":
            info.params = event.get("params", info.params)
            info.epochs_total = event.get("epochs", info.epochs_total)
            info.started = info.started or event.get("time")
        elif kind == "stage" and event.get("stage") == "ready":
            info.params = event.get("params", info.params)  # exact, once the vocabulary is known
        if kind in ("stage", "run_failed"):
            info.message = str(event.get("message", ""))
        if kind in TERMINAL_TYPES:
            info.ended = event.get("time")
    if info.epochs_total is None:
        info.epochs_total = config.get("training", {}).get("epochs")
    return info


def list_runs(runs_dir: Path) -> list[RunInfo]:
    """Every run in the runs dir, newest first."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    paths = [p for p in runs_dir.iterdir() if (p / "config.json").is_file()]
    return [read_run(p) for p in sorted(paths, key=lambda p: p.name, reverse=True)]


def history_rows(epochs: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Keras CSVLogger layout: 'epoch' (0-based) then the metric names sorted."""
    keys = sorted({k for e in epochs for k in e["logs"]})
    rows = [[e["epoch"] - 1, *(e["logs"].get(k, "NA") for k in keys)] for e in epochs]
    return ["epoch", *keys], rows


def write_history(run_dir: Path, events: list[Event] | None = None) -> None:
    """(Re)write history.csv from the event log: every finished epoch once."""
    run_dir = Path(run_dir)
    if events is None:
        events = read_events(run_dir / "events.jsonl")
    header, rows = history_rows(epoch_records(events))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_private(run_dir / "history.csv", buffer.getvalue())


# ---- control: files in the run directory, so any process (a TUI that restarted, another
# terminal) can ask; the training process looks for them between batches. ------------------------

def request_stop(run_dir: Path) -> None:
    write_private(Path(run_dir) / CONTROL_DIR / "stop", "stop\n")


def request_pause(run_dir: Path) -> None:
    write_private(Path(run_dir) / CONTROL_DIR / "pause", "pause\n")


def request_resume(run_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (Path(run_dir) / CONTROL_DIR / "pause").unlink()


def is_paused(run_dir: Path) -> bool:
    return (Path(run_dir) / CONTROL_DIR / "pause").exists()


class RunRecorder:
    """The listener that keeps a run directory: every event to events.jsonl, and history.csv
    rewritten from the log whenever an epoch ends."""

    def __init__(self, run_dir: Path) -> None:
        from seqtui.engine.events import EventLog

        self.run_dir = Path(run_dir)
        self.log = EventLog(self.run_dir / "events.jsonl")
        self.events = read_events(self.run_dir / "events.jsonl")

    def __call__(self, event: Event) -> None:
        self.log(event)
        self.events.append(event)
        if event.get("type") == "epoch_ended":
            write_history(self.run_dir, self.events)

    def close(self) -> None:
        self.log.close()
