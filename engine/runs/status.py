"""What a reader knows of a run from its directory: RunInfo, epochs and the status derived
from the event log and the process."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seqtui.engine.runs.events import TERMINAL_TYPES, Event, read_events
from seqtui.engine.runs.process import PID_FILE, process_alive

# Statuses: the log's last word when there is one, else what the process says. A sweep's trial
# that its pruner stopped ends `pruned`.
FINISHED_STATUSES = ("completed", "stopped", "early_stopped", "pruned")
TRIAL_FILE = "trial.json"  # a sweep's trial: {"sweep": SWEEP_ID, "trial": N, ...}
STATUSES = (*FINISHED_STATUSES, "failed", "running", "died", "pending")


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
    sweep: str | None = None  # the sweep that made this run, from RUN/trial.json
    trial: int | None = None  # its trial number in that sweep

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
        """Seconds per epoch as every screen, report and command gives it: see steady_mean."""
        return steady_mean(self.epochs, "seconds")

    @property
    def duration(self) -> float | None:
        """How long the run trained: see run_duration."""
        return run_duration(self.events, running=self.status == "running")

    @property
    def test_metrics(self) -> dict[str, float] | None:
        """Scores on the test split, measured once when training ended (run_finished's
        `test`); None while running, and for runs that did not score the test split apart."""
        for event in reversed(self.events):
            if event.get("type") == "run_finished":
                test = event.get("test")
                return test if isinstance(test, dict) else None
        return None

    @property
    def best_epoch(self) -> BestEpoch | None:
        """The best epoch by the run's monitored metric so far: see best_epoch_of."""
        return best_epoch_of(self.events)

    @property
    def outcome(self) -> str:
        """The best epoch by the run's monitored metric and the test score, as the CLI's last
        line gives them ("best epoch 3 (val_loss 0.3847); test acc 0.8380"); "" before the
        run has finished."""
        for event in reversed(self.events):
            if event.get("type") == "run_finished":
                return outcome_text(event)
        return ""

    @property
    def paused(self) -> bool:
        """Running but held between batches: its last pause has not been lifted."""
        if self.status != "running":
            return False
        for event in reversed(self.events):
            if event.get("type") in ("paused", "resumed", "run_started"):
                return event["type"] == "paused"
        return False

    @property
    def shown_status(self) -> str:
        """The status as every screen and command shows it: `paused` for a paused running run."""
        return "paused" if self.paused else self.status

    @property
    def validated_on_test(self) -> bool:
        """Whether the val_* figures were measured on the test split: `validation = "test"`
        (the seeds' way), and every run from before validation splits existed."""
        data = self.config.get("data", {})
        return bool(self.config) and data.get("validation", "test") == "test"

    @property
    def finished(self) -> bool:
        return self.status not in ("running", "pending")


@dataclass(frozen=True)
class BestEpoch:
    """The best epoch by the metric a run monitors, and that metric's value there."""

    epoch: int
    values: dict[str, float]  # {monitor: value}; empty when the log does not say

    @property
    def text(self) -> str:
        """"best epoch 3 (val_loss 0.3847)": how every screen and command names it."""
        values = ", ".join(f"{k} {v:.4f}" for k, v in self.values.items())
        return f"best epoch {self.epoch}" + (f" ({values})" if values else "")


# The events that carry the training process's best epoch so far (a partial epoch_ended too:
# it repeats the best the run had).
BEST_TYPES = ("epoch_ended", "run_finished")


def best_epoch_of(events: Sequence[Event], before: BestEpoch | None = None) -> BestEpoch | None:
    """The best epoch by the run's monitored metric, as the training process last recorded it.

    The dashboard's mark, the run-ended toast, the CLI's last line and the runs list all read
    it here: the best val_accuracy's epoch named beside val_loss's best read as a
    contradiction. `before` is what earlier events said, for a reader that folds a log in
    pieces; None when no epoch has improved on the monitored metric (or the log is older)."""
    for event in reversed(events):  # the newest record is the one that counts
        if event.get("type") in BEST_TYPES and "best_epoch" in event:
            return _recorded_best(event)
    return before


def _recorded_best(event: Event) -> BestEpoch | None:
    epoch = event.get("best_epoch")
    values = {k: float(v) for k, v in (event.get("best") or {}).items()
              if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return BestEpoch(epoch, values) if isinstance(epoch, int) and epoch > 0 else None


def outcome_text(finished: Event) -> str:
    """A run_finished event's best epoch, by the metric the run monitored, and its test
    accuracy: one phrase for the CLI and the TUI ("best epoch 3 (val_loss 0.3847); test acc
    0.8380")."""
    parts = []
    best = _recorded_best(finished)
    if best is not None:
        parts.append(best.text)
    test = finished.get("test")
    if isinstance(test, dict) and isinstance(test.get("accuracy"), (int, float)):
        parts.append(f"test acc {test['accuracy']:.4f}")
    return "; ".join(parts)


STEADY_NOTE = ("s/epoch leaves out the first epoch of each training process, which also traces "
               "the model")


def steady_mean(epochs: list[dict[str, Any]], key: str) -> float | None:
    """The mean of an epoch figure (seconds, examples_per_sec) over the epochs that did not
    trace the model: the first epoch of each training process also traces and compiles it
    (marked `traced`; in logs without the mark, epoch 1). With only tracing epochs, their mean.
    """
    timed = [e for e in epochs if e.get(key) is not None]
    steady = [float(e[key]) for i, e in enumerate(timed) if not e.get("traced", i == 0)]
    values = steady or [float(e[key]) for e in timed]
    return sum(values) / len(values) if values else None


DURATION_TYPES = ("run_started", "resumed", *TERMINAL_TYPES)


def run_duration(events: list[Event], running: bool = False) -> float | None:
    """How long a run trained, as every screen and command gives it: from each attempt's
    run_started to its last word (to its last event if it died; to now while running), less
    the time it was paused. The time between a stop and a resume does not count.

    Only DURATION_TYPES events and the time of each attempt's last event matter, so a reader
    that folds events can keep just those."""
    total, counted = 0.0, False
    attempts = _attempts(events)
    for n, attempt in enumerate(attempts):
        begin = attempt[0].get("time")
        if attempt[0].get("type") != "run_started" or begin is None:
            continue
        last = next((e for e in reversed(attempt) if e.get("type") in TERMINAL_TYPES), None)
        end = (last or attempt[-1]).get("time") or begin
        if running and n == len(attempts) - 1:
            end = time.time()
        paused = sum(float(e.get("paused_seconds") or 0) for e in attempt
                     if e.get("type") == "resumed")
        total, counted = total + max(0.0, end - begin - paused), True
    return total if counted else None


def _attempts(events: list[Event]) -> list[list[Event]]:
    out: list[list[Event]] = []
    for event in events:
        if event.get("type") == "run_started" or not out:
            out.append([])
        out[-1].append(event)
    return out


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
        if kind in ("stage", "run_started", *TERMINAL_TYPES):
            # The latest word: a stage while it runs, then how it ended ("" when it completed
            # without remark), never a stage of a run that is over.
            info.message = str(event.get("message", ""))
        if kind in TERMINAL_TYPES:
            info.ended = event.get("time")
    if info.epochs_total is None:
        info.epochs_total = config.get("training", {}).get("epochs")
    info.sweep, info.trial = _trial_of(path)
    return info


def _trial_of(path: Path) -> tuple[str | None, int | None]:
    try:
        raw = json.loads((path / TRIAL_FILE).read_text())
    except (OSError, json.JSONDecodeError):
        return None, None
    if not isinstance(raw, dict):
        return None, None
    trial = raw.get("trial")
    return (str(raw["sweep"]) if raw.get("sweep") else None,
            trial if isinstance(trial, int) else None)
