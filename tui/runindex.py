"""Every run in a runs directory, kept up to date cheaply (plain Python, no Textual).

The Runs screen rescans about once a second. Reading each run's whole events.jsonl every time would
grow with the runs' length, so each run is followed with an EventTail: a rescan reads only what was
appended. Batch events (the bulk of a log) are not kept; the run list never needs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from seqtui.engine.events import TERMINAL_TYPES, Event, EventTail, parse_lines
from seqtui.engine.runstore import (
    PID_FILE,
    RunInfo,
    epoch_records,
    process_alive,
    status_from_events,
)

BATCH_PREFIX = b'{"type": "batch"'  # how EventLog writes a batch event (type comes first)


class SummaryTail(EventTail):
    """An EventTail that skips batch events before parsing them: they are most of a long log,
    and the run list never needs them."""

    def read_new(self) -> list[Event]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        self._offset += len(chunk)
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        return [e for e in parse_lines(line for line in lines
                                       if not line.startswith(BATCH_PREFIX))
                if e.get("type") != "batch"]


@dataclass
class _Followed:
    config: dict
    tail: EventTail
    events: list[Event] = field(default_factory=list)


class RunIndex:
    """Scans a runs dir; `scan()` returns RunInfo for every run, newest first."""

    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = Path(runs_dir)
        self._runs: dict[str, _Followed] = {}

    def scan(self) -> list[RunInfo]:
        try:
            paths = [p for p in self.runs_dir.iterdir() if (p / "config.json").is_file()]
        except OSError:
            paths = []
        seen = {p.name for p in paths}
        for gone in set(self._runs) - seen:
            del self._runs[gone]
        infos = [self._info(p) for p in sorted(paths, key=lambda p: p.name, reverse=True)]
        return infos

    def _info(self, path: Path) -> RunInfo:
        followed = self._runs.get(path.name)
        if followed is None:
            try:
                config = json.loads((path / "config.json").read_text())
            except (OSError, json.JSONDecodeError):
                config = {}
            followed = _Followed(config=config, tail=SummaryTail(path / "events.jsonl"))
            self._runs[path.name] = followed
        followed.events.extend(followed.tail.read_new())
        return run_info(path, followed.config, followed.events)


def run_info(path: Path, config: dict, events: list[Event]) -> RunInfo:
    """RunInfo from events already read (the same fields as runstore.read_run)."""
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
            info.params = event.get("params", info.params)
        if kind in ("stage", "run_failed"):
            info.message = str(event.get("message", ""))
        if kind in TERMINAL_TYPES:
            info.ended = event.get("time")
    if info.epochs_total is None:
        info.epochs_total = config.get("training", {}).get("epochs")
    return info
