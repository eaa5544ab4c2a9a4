"""Every run in a runs directory, kept up to date cheaply (plain Python, no Textual).

The Runs screen rescans about once a second. Reading each run's whole events.jsonl every time would
grow with the runs' length, so each run is followed with an EventTail: a rescan reads only what was
appended. Batch events (the bulk of a log) are not kept; the run list never needs them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from seqtui.engine.runs.events import Event, EventTail
from seqtui.engine.runs.status import RunInfo, run_info

# How EventLog writes a batch event (type comes first): most of a long log, and the run list
# never needs them, so they are dropped before parsing.
BATCH_PREFIX = b'{"type": "batch"'


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
            tail = EventTail(path / "events.jsonl", skip_prefix=BATCH_PREFIX)
            followed = _Followed(config=config, tail=tail)
            self._runs[path.name] = followed
        followed.events.extend(followed.tail.read_new())
        return run_info(path, followed.config, followed.events)
