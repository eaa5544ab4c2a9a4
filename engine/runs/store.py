"""The runs directory: where it is, new run directories, finding and listing runs, history.csv
and the recorder that writes a run's events."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from seqtui.engine.config import Config, sanitize_name
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.control import CONTROL_DIR
from seqtui.engine.runs.events import Event, read_events
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.status import RunInfo, epoch_records, read_run

RUNS_DIR_ENV = "SEQTUI_RUNS_DIR"


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


class RunRecorder:
    """The listener that keeps a run directory: every event to events.jsonl, and history.csv
    rewritten from the log whenever an epoch ends."""

    def __init__(self, run_dir: Path) -> None:
        from seqtui.engine.runs.events import EventLog

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
