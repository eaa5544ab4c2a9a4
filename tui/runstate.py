"""What the dashboard knows about one run, folded from its event log (plain Python, no Textual).

The dashboard feeds every new event here and redraws from the result, so a burst of batch events
costs one redraw: only the latest batch counts for progress, earlier ones only add a loss point.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from seqtui.engine.runs.events import Event
from seqtui.engine.runs.status import DURATION_TYPES, BestEpoch, best_epoch_of, run_duration

# Per-batch values are a light line under the epoch curves. A long run keeps its whole line at a
# coarser grain: past this many points, every other one is dropped (the newest always stays).
MAX_BATCH_POINTS = 800
MAX_LOG_LINES = 500


@dataclass
class RunState:
    """The folded state of a run's events."""

    stage: str = "waiting for the training process"
    params: int | None = None
    device: str = ""
    epochs_total: int | None = None
    steps_per_epoch: int | None = None
    class_names: list[str] = field(default_factory=list)
    dataset: dict[str, Any] = field(default_factory=dict)
    epoch: int = 0  # the epoch running now (1-based), 0 before the first
    step: int = 0
    steps: int | None = None
    batch_logs: dict[str, float] = field(default_factory=dict)
    examples_per_sec: float | None = None
    epoch_elapsed: float = 0.0
    epochs: dict[int, dict[str, Any]] = field(default_factory=dict)  # epoch -> epoch_ended
    # metric -> [(x in epochs, value)]: the throttled batch events' logs, for the step curves
    batch_points: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    best: BestEpoch | None = None  # by the monitored metric, as the training process says
    monitor: str = "val_loss"
    paused: bool = False
    outcome: str | None = None  # completed, stopped, early_stopped, failed
    message: str = ""
    log: list[str] = field(default_factory=list)
    started: bool = False
    # What runs.status.run_duration reads: its event types, then the latest event's time.
    timing: list[Event] = field(default_factory=list)
    test: dict[str, float] | None = None  # scored once, when training ended
    # val_* measured on the test split: --validation test, or a run from before validation splits
    validated_on_test: bool = False
    # The last epoch cut short by a stop (its epoch_ended says partial): not kept, trained again
    # from its start on resume. Cleared when that epoch ends in full.
    partial: Event | None = None
    batch_seen: bool = False  # a batch since this process started: the model is compiled

    def feed(self, events: list[Event]) -> None:
        for event in events:
            self._one(event)
        self.best = best_epoch_of(events, self.best)

    @property
    def best_epoch(self) -> int | None:
        return self.best.epoch if self.best is not None else None

    def _one(self, event: Event) -> None:
        kind = event.get("type")
        if kind in DURATION_TYPES:
            self.timing.append(event)
        elif self.timing:
            if self.timing[-1].get("type") == "latest":
                self.timing.pop()
            self.timing.append({"type": "latest", "time": event.get("time")})
        stamp = time.strftime("%H:%M:%S", time.localtime(event.get("time", 0)))
        if kind == "run_started":
            self.started = True
            self.outcome = None
            self.message = ""
            self.paused = False
            self.batch_seen = False
            # A resumed process starts over at step 0: nothing of the last one's batch shows.
            self.step, self.steps, self.epoch_elapsed = 0, None, 0.0
            self.batch_logs, self.examples_per_sec = {}, None
            self.epoch = int(event.get("initial_epoch") or 0)
            self.stage = f"starting again at epoch {self.epoch + 1}" if event.get("resumed") \
                else "starting"
            self.params = event.get("params", self.params)
            self.device = str(event.get("device") or "")
            self.epochs_total = event.get("epochs", self.epochs_total)
            config = event.get("config") or {}
            self.monitor = config.get("training", {}).get("monitor", self.monitor)
            self.validated_on_test = bool(config) and \
                config.get("data", {}).get("validation", "test") == "test"
            self._log(stamp, f"started on {self.device or '?'}"
                      + (" (resumed)" if event.get("resumed") else ""))
        elif kind == "stage":
            self.stage = str(event.get("message") or event.get("stage") or "")
            if event.get("stage") == "ready":
                self.params = event.get("params", self.params)
                self.steps_per_epoch = event.get("steps_per_epoch")
                self.class_names = list(event.get("class_names") or [])
                self.dataset = dict(event.get("dataset") or {})
            self._log(stamp, self.stage)
        elif kind == "epoch_started":
            self.epoch = int(event.get("epoch", self.epoch + 1))
            self.epochs_total = event.get("epochs") or self.epochs_total
            self.steps = event.get("steps") or self.steps_per_epoch
            self.step = 0
            self.epoch_elapsed = 0.0
            self.batch_logs, self.examples_per_sec = {}, None
            # Keras builds the graph during the first batch (20 s for a bidirectional GRU).
            self.stage = f"epoch {self.epoch}" if self.batch_seen else \
                f"epoch {self.epoch}: compiling the model (the first batch builds the graph)"
            # A resumed run repeats an epoch that was cut short: its old batches go.
            for points in self.batch_points.values():
                while points and points[-1][0] > self.epoch - 1:
                    points.pop()
        elif kind == "batch":
            self.step = int(event.get("step", self.step))
            self.steps = event.get("steps") or self.steps
            self.batch_logs = dict(event.get("logs") or {})
            self.examples_per_sec = event.get("examples_per_sec")
            self.epoch_elapsed = float(event.get("elapsed") or 0.0)
            self.batch_seen = True
            self.stage = f"epoch {self.epoch}" if not self.steps or self.step < self.steps else \
                f"epoch {self.epoch}: validating"
            if self.steps:
                x = self.epoch - 1 + self.step / self.steps
                for name, value in self.batch_logs.items():
                    if value is not None:
                        add_point(self.batch_points.setdefault(name, []), (x, float(value)))
        elif kind == "epoch_ended":
            if event.get("partial"):
                self.partial = event
            else:
                self.epochs[int(event["epoch"])] = event
                self.stage = f"epoch {event['epoch']} done"
                if self.partial is not None and int(self.partial.get("epoch", 0)) <= \
                        int(event["epoch"]):
                    self.partial = None
            self.examples_per_sec = event.get("examples_per_sec") or self.examples_per_sec
            logs = event.get("logs") or {}
            shown = "  ".join(f"{k} {v:.4f}" for k, v in sorted(logs.items())
                              if isinstance(v, float | int))
            self._log(stamp, f"epoch {event.get('epoch')} ended in "
                      f"{float(event.get('seconds') or 0):.1f}s  {shown}"
                      + (" (partial)" if event.get("partial") else ""))
        elif kind == "checkpoint_saved":
            self._log(stamp, f"saved {event.get('path')}")
        elif kind == "warning":
            self._log(stamp, f"warning: {event.get('message')}")
        elif kind == "paused":
            self.paused = True
            self._log(stamp, f"paused at step {event.get('step')}")
        elif kind == "resumed":
            self.paused = False
            self._log(stamp, "resumed")
        elif kind == "run_finished":
            self.outcome = str(event.get("status", "completed"))
            self.paused = False
            self.stage = self.outcome.replace("_", " ")
            test = event.get("test")
            self.test = test if isinstance(test, dict) else None
            scored = ""
            if self.test and self.test.get("accuracy") is not None:
                scored = f"; test accuracy {self.test['accuracy']:.4f} (scored once, at the end)"
            self._log(stamp, f"finished: {self.stage}{scored}")
        elif kind == "run_failed":
            self.outcome = "failed"
            self.paused = False
            self.message = str(event.get("message", ""))
            self.stage = "failed"
            self._log(stamp, f"failed: {self.message}")

    def _log(self, stamp: str, text: str) -> None:
        self.log.append(f"{stamp}  {text}")
        del self.log[:-MAX_LOG_LINES]

    # ---- derived ---------------------------------------------------------------------------

    def duration(self) -> float | None:
        return run_duration(self.timing, running=self.outcome is None)

    def interrupted(self) -> dict[str, Any] | None:
        """The epoch the last process left unfinished (a stop, a crash, kill -9), while no process
        trains: its number, the step it reached, the steps, and its partial logs when the stop
        wrote them. None when every started epoch finished."""
        if self.epoch <= max(self.epochs, default=0):
            return None
        partial = self.partial if self.partial is not None and \
            int(self.partial.get("epoch", 0)) == self.epoch else {}
        return {"epoch": self.epoch, "step": self.step, "steps": self.steps,
                "logs": dict(partial.get("logs") or {}), "seconds": partial.get("seconds")}

    @property
    def finished_epochs(self) -> list[dict[str, Any]]:
        return [self.epochs[k] for k in sorted(self.epochs)]

    def series(self, metric: str) -> tuple[list[int], list[float]]:
        """Epoch numbers and values of a metric over the finished epochs."""
        xs, ys = [], []
        for record in self.finished_epochs:
            value = (record.get("logs") or {}).get(metric)
            if value is not None:
                xs.append(int(record["epoch"]))
                ys.append(float(value))
        return xs, ys

    def metrics(self) -> list[str]:
        """Base metric names (loss, accuracy, ...) seen in finished epochs or batches, loss
        first, then accuracy."""
        names = {k.removeprefix("val_") for e in self.epochs.values() for k in e.get("logs", {})}
        names |= set(self.batch_points)
        return sorted(names, key=lambda n: (n != "loss", n != "accuracy", n))

    @property
    def progress_epochs(self) -> float:
        """How far training has got, in epochs (2.5 is half-way through epoch 3)."""
        done = float(max(self.epochs, default=0))
        if self.outcome is None and self.epoch and self.steps:
            done = max(done, self.epoch - 1 + self.step / self.steps)
        return done

    def batch_series(self, metric: str) -> tuple[list[float], list[float]]:
        points = self.batch_points.get(metric, [])
        return [p[0] for p in points], [p[1] for p in points]

    def eta_seconds(self) -> float | None:
        """Time left: the rest of this epoch at its current pace, plus the epochs still to run at
        the mean duration of finished ones (or this epoch's projected duration)."""
        if self.outcome is not None or not self.steps or not self.epochs_total:
            return None
        per_step = self.epoch_elapsed / self.step if self.step else None
        finished = [float(e.get("seconds") or 0) for e in self.epochs.values()]
        per_epoch = sum(finished) / len(finished) if finished else (
            per_step * self.steps if per_step else None)
        if per_epoch is None:
            return None
        this_epoch = (self.steps - self.step) * per_step if per_step else per_epoch
        later = max(0, self.epochs_total - max(self.epoch, 1))
        return this_epoch + later * per_epoch


def add_point(points: list[tuple[float, float]], point: tuple[float, float]) -> None:
    """Append, and halve the resolution of the older points once the line is too long."""
    points.append(point)
    if len(points) > MAX_BATCH_POINTS:
        points[:] = points[::2]  # an odd count (MAX is even), so the newest point stays


def overfitting_note(epochs: list[dict[str, Any]]) -> str | None:
    """A call-out when validation loss has turned up while training loss keeps falling.

    Fires when the latest val_loss is above the lowest one (by more than 0.5%, so noise in the
    fourth digit does not raise the alarm) and training loss is lower than it was at that best
    epoch; names the epoch to keep.
    """
    points = []
    for record in epochs:
        logs = record.get("logs") or {}
        if logs.get("loss") is not None and logs.get("val_loss") is not None:
            points.append((int(record["epoch"]), float(logs["loss"]), float(logs["val_loss"])))
    if len(points) < 2:
        return None
    best_epoch, best_loss, best_val = min(points, key=lambda p: p[2])
    last_epoch, last_loss, last_val = points[-1]
    if last_epoch > best_epoch and last_val > best_val * 1.005 and last_loss < best_loss:
        return (f"Overfitting: val_loss rose from {best_val:.4f} (epoch {best_epoch}) to "
                f"{last_val:.4f} while training loss fell to {last_loss:.4f}; epoch "
                f"{best_epoch} is the one to keep.")
    return None


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
