"""Interop with the tools a Keras user already has: `--tensorboard` leaves TensorBoard event files
in the run directory, and history.csv is what keras.callbacks.CSVLogger writes for the same
training (same header, same rows)."""

from __future__ import annotations

import csv

import pytest

from helpers import tiny_config
from seqtui.engine.runs.store import RunRecorder, create_run


@pytest.fixture(scope="module")
def run_with_keras_csv(tmp_path_factory):
    """One tiny training with --tensorboard, and a real CSVLogger riding along on the same fit."""
    import keras

    from seqtui.engine.training.callbacks import ControlCallback
    from seqtui.engine.training.train import train

    class ControlAndCsvLogger(ControlCallback):
        """train() takes a control callback: this one also feeds a Keras CSVLogger."""

        def __init__(self, run_dir, emit, csv_path):
            super().__init__(run_dir, emit)
            self.logger = keras.callbacks.CSVLogger(str(csv_path))

        def set_model(self, model):
            super().set_model(model)
            self.logger.set_model(model)

        def on_train_begin(self, logs=None):
            self.logger.on_train_begin(logs)

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            self.logger.on_epoch_end(epoch, logs)

        def on_train_end(self, logs=None):
            self.logger.on_train_end(logs)

    config = tiny_config("gap", training__epochs=2, training__tensorboard=True)
    run_dir = create_run(config, tmp_path_factory.mktemp("runs"))
    keras_csv = run_dir.parent / "keras_history.csv"
    recorder = RunRecorder(run_dir)
    train(config, run_dir, recorder, control=ControlAndCsvLogger(run_dir, recorder, keras_csv))
    recorder.close()
    return run_dir, keras_csv


def scalar_tags(folder) -> dict[str, int]:
    """Summary tag -> how many values, read from TensorBoard event files."""
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    counts: dict[str, int] = {}
    for path in folder.glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                counts[value.tag] = counts.get(value.tag, 0) + 1
    return counts


def test_tensorboard_event_files_are_in_the_run_directory(run_with_keras_csv):
    run_dir, _ = run_with_keras_csv
    board = run_dir / "tensorboard"
    assert list((board / "train").glob("events.out.tfevents.*"))
    assert list((board / "validation").glob("events.out.tfevents.*"))
    # One loss and one accuracy per epoch, for training and for validation.
    for split in ("train", "validation"):
        tags = scalar_tags(board / split)
        assert tags.get("epoch_loss") == 2 and tags.get("epoch_accuracy") == 2, tags


def test_history_csv_is_what_keras_csvlogger_writes(run_with_keras_csv):
    run_dir, keras_csv = run_with_keras_csv
    with open(run_dir / "history.csv", newline="") as handle:
        ours = list(csv.reader(handle))
    with open(keras_csv, newline="") as handle:
        theirs = list(csv.reader(handle))
    assert ours[0] == theirs[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(ours) == len(theirs) == 3
    for our_row, their_row in zip(ours[1:], theirs[1:], strict=True):
        assert our_row[0] == their_row[0]  # 0-based epochs, as Keras counts them
        assert [float(v) for v in our_row[1:]] == pytest.approx(
            [float(v) for v in their_row[1:]], rel=1e-6)
