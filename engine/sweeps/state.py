"""What a reader knows of a sweep from its directory: its spec, its trials and its status.

A sweep directory sits beside the runs it made:

    runs/2026-12-01_094000_sweep-bilstm/
      sweep.json      the spec: base config, search space, trials, sampler, pruner, storage
      events.jsonl    append-only: sweep_started, trial_started, trial_pruned, trial_finished,
                      trial_failed, trial_stopped, sweep_finished
      study.journal   Optuna's journal storage (unless --storage named a database)
      pid, control/   the controller process and the stop request, as for a run
      controller.log  the controller's stderr
      report.md, report.html

Optuna-free: `seqtui sweeps`, `show` and the TUI read sweeps with this module alone.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqtui.engine.errors import BadInput
from seqtui.engine.runs.events import Event, read_events
from seqtui.engine.runs.process import PID_FILE, process_alive
from seqtui.engine.runs.status import RunInfo, read_run

SPEC_FILE = "sweep.json"
JOURNAL_FILE = "study.journal"
TRIAL_END_TYPES = ("trial_pruned", "trial_finished", "trial_failed", "trial_stopped")


def is_sweep_dir(path: Path) -> bool:
    return (Path(path) / SPEC_FILE).is_file()


def direction_of(monitor: str) -> str:
    return "minimize" if "loss" in monitor else "maximize"


@dataclass
class TrialInfo:
    number: int
    status: str  # running, completed, early_stopped, pruned, stopped, failed
    params: dict[str, Any] = field(default_factory=dict)
    run: str | None = None  # the run directory's name (None: the config was refused)
    host: str = ""
    value: float | None = None  # best monitored value so far
    epoch: int | None = None  # the epoch that reached it
    epochs_done: int = 0
    seconds: float | None = None
    message: str = ""
    started: float | None = None


@dataclass
class SweepInfo:
    id: str
    path: Path
    status: str  # running, completed, stopped, died
    spec: dict[str, Any]
    trials: list[TrialInfo] = field(default_factory=list)
    events: list[Event] = field(repr=False, default_factory=list)

    @property
    def monitor(self) -> str:
        return str(self.spec.get("monitor", "val_loss"))

    @property
    def direction(self) -> str:
        return direction_of(self.monitor)

    @property
    def trials_total(self) -> int:
        return int(self.spec.get("trials", 0))

    def count(self, *statuses: str) -> int:
        return sum(1 for t in self.trials if t.status in statuses)

    def leaderboard(self) -> list[TrialInfo]:
        """Trials with a value, best first; then those without, in trial order."""
        sign = 1 if self.direction == "minimize" else -1
        scored = sorted((t for t in self.trials if t.value is not None),
                        key=lambda t: (sign * t.value, t.number))
        return scored + [t for t in self.trials if t.value is None]

    @property
    def best(self) -> TrialInfo | None:
        """The best trial that ran its course (pruned and stopped ones are not candidates)."""
        done = [t for t in self.leaderboard()
                if t.value is not None and t.status in ("completed", "early_stopped")]
        return done[0] if done else None


def read_spec(path: Path) -> dict[str, Any]:
    try:
        spec = json.loads((Path(path) / SPEC_FILE).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path} is not a readable sweep ({SPEC_FILE}: {exc})") from None
    if not isinstance(spec, dict):
        raise BadInput(f"{path}/{SPEC_FILE} is not a sweep spec")
    return spec


def read_sweep(path: Path, runs_dir: Path | None = None) -> SweepInfo:
    path = Path(path)
    spec = read_spec(path)
    events = read_events(path / "events.jsonl")
    runs_dir = Path(runs_dir) if runs_dir else path.parent
    trials: dict[int, TrialInfo] = {}
    for event in events:
        kind = event.get("type")
        if kind == "trial_started":
            n = int(event["trial"])
            trials[n] = TrialInfo(number=n, status="running", params=event.get("params", {}),
                                  run=event.get("run"), host=event.get("host", ""),
                                  started=event.get("time"))
        elif kind in TRIAL_END_TYPES:
            n = int(event["trial"])
            trial = trials.setdefault(n, TrialInfo(number=n, status="failed",
                                                   params=event.get("params", {})))
            trial.status = event.get("status") or {
                "trial_pruned": "pruned", "trial_failed": "failed",
                "trial_stopped": "stopped"}.get(kind, "completed")
            trial.message = str(event.get("message", ""))
            trial.run = event.get("run", trial.run)
            for key in ("value", "epoch", "seconds", "epochs_done"):
                if event.get(key) is not None:
                    setattr(trial, key, event[key])
    monitor = str(spec.get("monitor", "val_loss"))
    for trial in trials.values():
        if trial.status == "running" and trial.run:
            _live(trial, read_run(runs_dir / trial.run), monitor)
    return SweepInfo(id=path.name, path=path, status=_status(path, events), spec=spec,
                     trials=[trials[n] for n in sorted(trials)], events=events)


def _live(trial: TrialInfo, run: RunInfo, monitor: str) -> None:
    """A running trial's figures come from its run directory, as they grow."""
    best = run.best(monitor)
    if best is not None and _finite(best[1]):
        trial.epoch, trial.value = best
    trial.epochs_done = run.epochs_done
    if run.started:
        trial.seconds = (run.ended or time.time()) - run.started
    if run.status in ("failed", "died"):
        trial.status = run.status  # the controller has not said so yet (or is gone)
        trial.message = run.message


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _status(path: Path, events: list[Event]) -> str:
    start = max((i for i, e in enumerate(events) if e.get("type") == "sweep_started"), default=0)
    last = next((e for e in reversed(events[start:]) if e.get("type") == "sweep_finished"), None)
    if last is not None:
        return str(last.get("status", "completed"))
    if process_alive(path):
        return "running"
    return "died" if (path / PID_FILE).exists() else "pending"


def list_sweeps(runs_dir: Path) -> list[SweepInfo]:
    """Every sweep in the runs dir, newest first."""
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return []
    paths = sorted((p for p in runs_dir.iterdir() if is_sweep_dir(p)), key=lambda p: p.name,
                   reverse=True)
    return [read_sweep(p, runs_dir) for p in paths]


def find_sweep(ref: str, runs_dir: Path) -> Path | None:
    """A sweep from its id, a unique part of it, or its path; None when nothing matches (the
    ref may name a run); BadInput when it matches several."""
    as_path = Path(ref).expanduser()
    if is_sweep_dir(as_path):
        return as_path
    runs_dir = Path(runs_dir)
    if not runs_dir.is_dir():
        return None
    ids = sorted(p.name for p in runs_dir.iterdir() if is_sweep_dir(p))
    if ref in ids:
        return runs_dir / ref
    matches = [i for i in ids if ref in i]
    if len(matches) > 1:
        raise BadInput(f"sweep {ref!r} is ambiguous: {', '.join(matches[:5])}")
    return runs_dir / matches[0] if matches else None
