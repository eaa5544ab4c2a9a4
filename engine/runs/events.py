"""The event log: one JSON object a line, appended and flushed per line, read tolerantly.

Event types (DESIGN §2): run_started, stage, epoch_started, batch, epoch_ended, checkpoint_saved,
warning, paused, resumed, run_finished, run_failed. Every event has `type` and `time`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Event = dict[str, Any]
Listener = Callable[[Event], None]

TERMINAL_TYPES = ("run_finished", "run_failed")
# Events worth an fsync: losing them to a power cut would lose a finished epoch or the last word.
DURABLE_TYPES = ("run_started", "epoch_ended", "checkpoint_saved", *TERMINAL_TYPES)


def make_event(type_: str, **fields: Any) -> Event:
    return {"type": type_, "time": time.time(), **fields}


class EventLog:
    """Appends events to a run's events.jsonl; each line is flushed as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._file = os.fdopen(fd, "a", encoding="utf-8")

    def __call__(self, event: Event) -> None:
        self._file.write(json.dumps(event, default=_jsonable) + "\n")
        self._file.flush()
        if event.get("type") in DURABLE_TYPES:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def _jsonable(value: Any) -> Any:
    """numpy scalars and other odd values that reach the log."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def read_events(path: Path) -> list[Event]:
    """Every well-formed event; a torn or garbled line (a crash mid-write) is skipped."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    return list(parse_lines(data.splitlines()))


def parse_lines(lines: Iterable[bytes | str]) -> Iterable[Event]:
    for line in lines:
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(event, dict) and "type" in event:
            yield event


class EventTail:
    """Follows a growing events.jsonl from where it left off; holds back an unfinished last line."""

    def __init__(self, path: Path, skip_prefix: bytes | None = None) -> None:
        self.path = Path(path)
        self.skip_prefix = skip_prefix  # lines starting so are dropped unparsed (cheap filter)
        self._offset = 0
        self._partial = b""

    def read_new(self) -> list[Event]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        self._offset += len(chunk)
        data = self._partial + chunk
        lines = data.split(b"\n")
        self._partial = lines.pop()  # b"" when the data ended with a newline
        if self.skip_prefix:
            lines = [line for line in lines if not line.startswith(self.skip_prefix)]
        return list(parse_lines(lines))


def fan_out(*listeners: Listener | None) -> Listener:
    """One listener that passes each event to several."""
    active = [listener for listener in listeners if listener is not None]

    def send(event: Event) -> None:
        for listener in active:
            listener(event)

    return send
