"""Keras callbacks that turn training into events, obey stop/pause requests, and checkpoint
(with the dropout masks' random state, so a resumed run draws the masks it would have).

They run on the training thread: per-batch work is a clock read and two stat() calls, and batch
events are throttled to a few per second.
"""

from __future__ import annotations

import errno
import json
import math
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np

from seqtui.engine.runs.control import CONTROL_DIR, stop_reason
from seqtui.engine.runs.events import Listener, make_event

BATCH_EVENTS_PER_SECOND = 4


def clean_logs(logs: dict[str, Any] | None) -> dict[str, float]:
    out = {}
    for key, value in (logs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        out[key] = number if math.isfinite(number) else None
    return out


class EventCallback(keras.callbacks.Callback):
    """Sends epoch_started, batch (throttled), and epoch_ended events to a listener."""

    def __init__(self, emit: Listener, steps: int, batch_size: int, monitor: str,
                 first_epoch: int = 0, best: tuple[int, float] | None = None,
                 memory: Any = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        # Training time, not wall time: ControlCallback.training_clock stops while paused, so
        # epoch seconds, rates and the ETA readers derive from them leave pauses out.
        self.clock = clock
        self.memory = memory  # devices.GpuMemoryProbe on a GPU: peak memory per epoch
        self.emit = emit
        self.steps = steps
        self.batch_size = batch_size
        self.monitor = monitor
        self.first_epoch = first_epoch
        self.best_epoch, self.best_value = best if best else (None, None)
        self.batches_seen = 0
        self.stopped_mid_epoch = False
        # The first epoch of this process also traces and compiles the model: readers leave
        # it out of seconds per epoch (runs/status.steady_mean).
        self.timed_an_epoch = False
        self.epochs_finished = first_epoch

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch_start = self.last_emit = self.clock()
        self.batches_seen = 0
        if self.memory is not None:
            self.memory.reset()
        self.emit(make_event("epoch_started", epoch=epoch + 1, epochs=self.params.get("epochs"),
                             steps=self.steps))

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.batches_seen = batch + 1
        now = self.clock()
        if now - self.last_emit < 1 / BATCH_EVENTS_PER_SECOND and batch + 1 < self.steps:
            return
        self.last_emit = now
        elapsed = now - self.epoch_start
        self.emit(make_event(
            "batch", step=batch + 1, steps=self.steps, logs=clean_logs(logs),
            examples_per_sec=round((batch + 1) * self.batch_size / elapsed, 1) if elapsed else None,
            elapsed=round(elapsed, 3),
        ))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = clean_logs(logs)
        seconds = self.clock() - self.epoch_start
        partial = self.batches_seen < self.steps
        value = logs.get(self.monitor)
        improved = value is not None and (
            self.best_value is None
            or (value < self.best_value if "loss" in self.monitor else value > self.best_value))
        if improved and not partial:
            self.best_epoch, self.best_value = epoch + 1, value
        self.epochs_finished += not partial
        self.emit(make_event(
            "epoch_ended", epoch=epoch + 1, logs=logs, seconds=round(seconds, 3),
            steps=self.batches_seen,
            examples_per_sec=round(self.batches_seen * self.batch_size / seconds, 1)
            if seconds else None,
            best_epoch=self.best_epoch, best={self.monitor: self.best_value},
            partial=partial, traced=not self.timed_an_epoch,
            **({"gpu_memory": self.memory.read()} if self.memory is not None else {}),
        ))
        self.timed_an_epoch = True


class ControlCallback(keras.callbacks.Callback):
    """Stops after the current batch, or pauses between batches, when asked.

    Requests are files in the run's control/ directory (any process can write them) or a
    SIGTERM, which sets `stop_requested`.
    """

    def __init__(self, run_dir: Path | None, emit: Listener) -> None:
        super().__init__()
        self.control = Path(run_dir) / CONTROL_DIR if run_dir else None
        self.emit = emit
        self.stop_requested = False
        self.stop_at_epoch_end = False
        self.pruned = False  # the stop came from a sweep's pruner: the run ends `pruned`
        self.paused_seconds = 0.0

    def training_clock(self) -> float:
        """A monotonic clock that stands still while the run is paused."""
        return time.monotonic() - self.paused_seconds

    def _exists(self, name: str) -> bool:
        return self.control is not None and os.path.exists(self.control / name)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._exists("pause") and not self.stop_requested:
            self.emit(make_event("paused", step=batch + 1))
            began = time.monotonic()
            while self._exists("pause") and not self._exists("stop") and not self.stop_requested:
                time.sleep(0.2)
            paused = time.monotonic() - began
            self.paused_seconds += paused
            self.emit(make_event("resumed", step=batch + 1, paused_seconds=round(paused, 3)))
        if self.stop_requested or self._exists("stop"):
            if not self.stop_requested and self.control is not None:
                self.pruned = stop_reason(self.control.parent) == "pruned"
            self.stop_requested = True
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._exists("stop-epoch"):
            self.stop_requested = True
            self.model.stop_training = True


class Diverged(RuntimeError):
    """The training loss became NaN or infinite: every later batch would be meaningless."""


class DivergenceCallback(keras.callbacks.Callback):
    """Ends training at the first batch whose loss is not finite, by raising Diverged before
    any later callback (the checkpoints in particular) sees the ruined weights."""

    def __init__(self, optimizer: str, learning_rate: float) -> None:
        super().__init__()
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        value = float(loss)
        if math.isfinite(value):
            return
        lr = self._current_learning_rate()
        advice = f"try a smaller learning rate (--learning-rate {lr / 10:g})"
        if self.optimizer == "sgd":
            advice += " or --optimizer adam"
        kept = f"; epochs 1-{self.epoch - 1} and their checkpoints are kept" \
            if self.epoch > 1 else ""
        raise Diverged(f"the loss became {'NaN' if value != value else 'infinite'} at epoch "
                       f"{self.epoch}, batch {batch + 1} (learning rate {lr:g}, "
                       f"{self.optimizer}): training diverged; {advice}{kept}")

    def _current_learning_rate(self) -> float:
        try:  # the optimizer's own value follows a schedule, where there is one
            return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        except Exception:  # noqa: BLE001 - the configured rate is the next best answer
            return self.learning_rate


# ---- the dropout masks' random state -------------------------------------------------------------
# Keras 3 layers draw their randomness from SeedGenerator objects: each holds a small `state`
# variable that advances at every draw. It is part of `layer.variables` but not of the weights a
# `.keras` file saves, so a reloaded model would start every mask sequence over and a resumed run
# with dropout would not reproduce an uninterrupted one. The states go into the checkpoint's zip
# as one extra JSON entry, which Keras's loader ignores; one file keeps them and the weights from
# ever disagreeing.

SEED_STATES_ENTRY = "seqtui_seed_states.json"


def _seed_states(model: keras.Model) -> list[keras.Variable]:
    # Model.variables lists each layer's SeedGenerator state, in the layers' order.
    return [v for v in model.variables if v.name == "seed_generator_state"]


def save_seed_states(model: keras.Model, checkpoint: Path) -> None:
    """Add the model's SeedGenerator states to a checkpoint just written by model.save."""
    states = [(v.path, np.asarray(keras.ops.convert_to_numpy(v)).tolist())
              for v in _seed_states(model)]
    if not states:
        return
    with zipfile.ZipFile(checkpoint, "a") as archive:
        archive.writestr(SEED_STATES_ENTRY, json.dumps(states))


def restore_seed_states(model: keras.Model, checkpoint: Path) -> int:
    """Set the SeedGenerator states of a model loaded from `checkpoint`; returns how many.
    A checkpoint written before the states were saved restores none."""
    try:
        with zipfile.ZipFile(checkpoint) as archive:
            saved = json.loads(archive.read(SEED_STATES_ENTRY))
    except (KeyError, OSError, zipfile.BadZipFile, ValueError):
        return 0
    variables = _seed_states(model)
    if len(saved) != len(variables):
        return 0  # another model's file: leave Keras's fresh states
    by_path = {path: value for path, value in saved}
    for (_, value), variable in zip(saved, variables, strict=True):
        # The path names the layer; the order is the fallback when Keras numbers a layer anew.
        variable.assign(np.asarray(by_path.get(variable.path, value), dtype=variable.dtype))
    return len(variables)


class CheckpointError(RuntimeError):
    """A checkpoint could not be written (a full disk, a vanished directory)."""


def _reason(exc: BaseException, where: Path) -> str:
    """The cause in words; a full disk said plainly, with what is left."""
    text = str(exc)
    chain = [exc, exc.__cause__, exc.__context__]
    if any(getattr(e, "errno", None) == errno.ENOSPC for e in chain if e is not None) \
            or "No space left" in text:
        try:
            stats = os.statvfs(where)
            free = stats.f_bavail * stats.f_frsize
        except OSError:
            return "no space left on the device"
        return f"no space left on the device ({free / 1024:.0f} KiB free in {where})"
    return f"{type(exc).__name__}: {text}"


class CheckpointCallback(keras.callbacks.Callback):
    """Writes checkpoints/last.keras every finished epoch and best.keras when the monitored
    metric improves, each to a temporary name first, then renamed: a crash never leaves half a
    checkpoint under the real name."""

    def __init__(self, run_dir: Path, events: EventCallback, emit: Listener) -> None:
        super().__init__()
        self.dir = Path(run_dir) / "checkpoints"
        self.events = events
        self.emit = emit

    def _save(self, name: str, epoch: int) -> None:
        final = self.dir / name
        tmp = self.dir / f".tmp-{name}"
        try:
            self.model.save(tmp)
            save_seed_states(self.model, tmp)  # the dropout masks' place, for resume
            os.chmod(tmp, 0o600)
            os.replace(tmp, final)
        except Exception as exc:
            # Free what the half-written file took, so the log can still record the failure.
            tmp.unlink(missing_ok=True)
            raise CheckpointError(f"cannot write checkpoints/{name}: {_reason(exc, self.dir)}") \
                from exc
        self.emit(make_event("checkpoint_saved", path=f"checkpoints/{name}", epoch=epoch))

    def on_train_begin(self, logs: dict | None = None) -> None:
        # The state training starts from, as "epoch 0": a run stopped inside its first epoch
        # can then be resumed like any other (a resumed run already has its last.keras).
        if not (self.dir / "last.keras").exists():
            optimizer = self.model.optimizer
            if optimizer is not None and not optimizer.built:
                # Its slots now rather than at the first step, so the file holds them and
                # loading it restores the optimizer whole (they start at zero either way).
                optimizer.build(self.model.trainable_variables)
            self._save("last.keras", 0)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.events.batches_seen < self.events.steps:
            # Stopped mid-epoch: last.keras keeps the weights and optimizer state this epoch
            # began with, so resume trains the whole epoch again and the curve is the one an
            # uninterrupted run draws. Saving the partial weights would make resume train the
            # first batches of this epoch twice.
            return
        self._save("last.keras", epoch + 1)
        if self.events.best_epoch == epoch + 1:
            self._link_best(epoch + 1)

    def _link_best(self, epoch: int) -> None:
        """best.keras is this epoch's last.keras: a hard link costs no second write or space
        (last.keras is later replaced by rename, so the link keeps this epoch's file)."""
        tmp = self.dir / ".tmp-best.keras"
        tmp.unlink(missing_ok=True)
        try:
            os.link(self.dir / "last.keras", tmp)
        except OSError:
            self._save("best.keras", epoch)  # a file system without hard links
            return
        os.replace(tmp, self.dir / "best.keras")
        self.emit(make_event("checkpoint_saved", path="checkpoints/best.keras", epoch=epoch))
