"""What changes how training weighs its steps and when it stops: the learning-rate schedule
(ReduceLROnPlateau's rule, or CosineDecay), balanced class weights, and early stopping that
carries on across a resume.

The plateau rule and early stopping's patience are pure functions of the monitored values of the
finished epochs, so a resumed run recomputes exactly the state an uninterrupted one would have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from seqtui.engine.config import TrainingConfig


def improved(value: float, best: float | None, monitor: str, min_delta: float) -> bool:
    """Keras's rule: better than the best by more than min_delta (lower for a loss)."""
    if best is None:
        return True
    if "loss" in monitor:
        return value + min_delta < best
    return value - min_delta > best


def learning_rate_for(tr: TrainingConfig, steps_per_epoch: int) -> Any:
    """The optimizer's learning_rate: a number, or Keras's CosineDecay over every step of the
    run (it reads the optimizer's step count, which a checkpoint keeps, so resume continues it)."""
    if tr.lr_schedule != "cosine":
        return tr.learning_rate
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=tr.learning_rate, decay_steps=max(1, tr.epochs * steps_per_epoch),
        alpha=tr.lr_min / tr.learning_rate)


def plateau_state(values: Sequence[float | None], tr: TrainingConfig) -> tuple[float, int]:
    """The rate and the epochs waited after these monitored values, by ReduceLROnPlateau's rule
    (cooldown 0). The rate is rounded to float32 at each step, as the optimizer's variable
    holds it, so a replay lands on the very value the original run set."""
    rate = float(np.float32(tr.learning_rate))
    best, wait = None, 0
    for value in values:
        if value is None:
            continue
        if improved(value, best, tr.monitor, tr.min_delta):
            best, wait = value, 0
            continue
        wait += 1
        if wait >= tr.lr_patience and rate > np.float32(tr.lr_min):
            rate = float(np.float32(max(rate * tr.lr_factor, tr.lr_min)))
            wait = 0
    return rate, wait


def read_rate(model: keras.Model) -> float:
    """The rate the optimizer uses for its next step (a schedule's value at this step)."""
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


class LearningRateCallback(keras.callbacks.Callback):
    """Logs `learning_rate` each epoch (the rate the epoch began with, as Keras's LR callbacks
    put it in the logs) and, for the plateau schedule, lowers it when the monitor stalls.

    It must come before the callbacks that read the logs, so they see the rate too.
    """

    def __init__(self, tr: TrainingConfig, steps: int, previous: Sequence[float | None]) -> None:
        super().__init__()
        self.tr = tr
        self.steps = steps
        self.values = list(previous)  # the monitored value of every finished epoch
        self.batches = 0
        self.epoch_rate = tr.learning_rate

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.tr.lr_schedule == "plateau":
            # A checkpoint holds the rate too; replaying the finished epochs gives the same
            # value and also covers a run that never finished an epoch.
            self.model.optimizer.learning_rate = plateau_state(self.values, self.tr)[0]

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.batches = 0
        self.epoch_rate = read_rate(self.model)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.batches = batch + 1

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = self.epoch_rate
        if self.batches < self.steps:
            return  # a stopped epoch is trained again on resume: it does not count
        self.values.append((logs or {}).get(self.tr.monitor))
        if self.tr.lr_schedule == "plateau":
            rate = plateau_state(self.values, self.tr)[0]
            if rate != read_rate(self.model):
                self.model.optimizer.learning_rate = rate


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Keras's EarlyStopping, which on a resume starts from the patience already used and the
    best value so far (and that epoch's weights, from best.keras) instead of from nothing."""

    def __init__(self, tr: TrainingConfig, previous: Sequence[float | None],
                 best_checkpoint: tuple[Path, int] | None = None) -> None:
        super().__init__(monitor=tr.monitor, patience=tr.early_stopping,
                         min_delta=tr.min_delta, restore_best_weights=True,
                         mode="min" if "loss" in tr.monitor else "max")
        self.tr = tr
        self.previous = list(previous)
        self.best_checkpoint = best_checkpoint  # best.keras and the epoch (1-based) it holds

    def on_train_begin(self, logs: dict | None = None) -> None:
        super().on_train_begin(logs)
        best, best_epoch, wait = None, 0, 0
        for epoch, value in enumerate(self.previous):
            if value is None:
                continue
            wait += 1
            if improved(value, best, self.tr.monitor, self.tr.min_delta):
                best, best_epoch, wait = value, epoch, 0
        if best is None:
            return
        self.best, self.best_epoch, self.wait = best, best_epoch, wait
        # With min_delta the best by this rule can be an earlier epoch than best.keras holds;
        # then the weights are not known and Keras's own fallback (the current ones) applies.
        if self.best_checkpoint and self.best_checkpoint[1] == best_epoch + 1 \
                and self.best_checkpoint[0].is_file():
            import seqtui.engine.models.layers  # noqa: F401 - registers the custom objects

            saved = keras.models.load_model(self.best_checkpoint[0], compile=False,
                                            safe_mode=True)
            self.best_weights = saved.get_weights()


def balanced_class_weights(labels: Sequence[int], num_classes: int) -> dict[int, float]:
    """sklearn's class_weight='balanced': n_samples / (n_classes * count of the class). A class
    absent from the training split keeps weight 1 (it never appears in a batch anyway)."""
    counts = Counter(int(label) for label in labels)
    present = [c for c in range(num_classes) if counts[c]]
    total = sum(counts[c] for c in present)
    return {c: (total / (len(present) * counts[c]) if counts[c] else 1.0)
            for c in range(num_classes)}
