"""Training validates on the validation split only; the test split is read once, after the
last epoch, with the best weights, and its scores go into run_finished's `test`."""

from __future__ import annotations

import time

import pytest
import tensorflow as tf

from helpers import tiny_config
from seqtui.engine.data.pipeline import make_split, truncate
from seqtui.engine.runs.events import fan_out, read_events
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import RunRecorder, create_run
from seqtui.engine.training import evaluate
from seqtui.engine.training import train as train_module
from seqtui.engine.training.train import train

# demo_size 200: train 180, validation 20 (10% held out), test 50: each split has its own size,
# which is how the probe below tells their batches apart.
TEST_EXAMPLES = 50


def probe_splits(monkeypatch) -> list[tuple[int, float]]:
    """Record (examples in the split, time) for every batch any split yields."""
    reads: list[tuple[int, float]] = []

    def watched(ids, labels, *args, **kwargs):
        split = make_split(ids, labels, *args, **kwargs)
        tag = len(labels)

        def note(x, y):
            token = tf.py_function(lambda: reads.append((tag, time.monotonic())) or 0, [],
                                   tf.int32)
            with tf.control_dependencies([token]):
                return tf.identity(x), y

        split.dataset = split.dataset.map(note)
        return split

    monkeypatch.setattr(train_module, "make_split", watched)
    monkeypatch.setattr(evaluate, "make_split", watched)
    return reads


def train_watched(runs_dir, config):
    stamps: list[tuple[str, float]] = []
    run_dir = create_run(config, runs_dir)
    recorder = RunRecorder(run_dir)
    result = train(config, run_dir, fan_out(
        recorder, lambda e: stamps.append((e["type"], time.monotonic()))))
    recorder.close()
    last_epoch = max(t for kind, t in stamps if kind == "epoch_ended")
    return run_dir, result, last_epoch


def test_no_batch_of_the_test_split_is_seen_before_training_ends(runs_dir, monkeypatch):
    reads = probe_splits(monkeypatch)
    run_dir, result, last_epoch = train_watched(
        runs_dir, tiny_config("gap", training__epochs=3))
    test_reads = [t for tag, t in reads if tag == TEST_EXAMPLES]
    assert test_reads, "the test split was never scored"
    assert min(test_reads) > last_epoch
    assert any(tag == 20 and t < last_epoch for tag, t in reads)  # validation during training
    finished = read_events(run_dir / "events.jsonl")[-1]
    assert finished["type"] == "run_finished"
    assert set(finished["test"]) >= {"loss", "accuracy"}
    assert finished["test_checkpoint"] == "best" and finished["test_epoch"] == result["best_epoch"]


def test_the_probe_catches_the_seeds_way_of_validating_on_test(runs_dir, monkeypatch):
    """The same probe on `validation = "test"`: the test split is read every epoch."""
    reads = probe_splits(monkeypatch)
    config = tiny_config("gap", training__epochs=2)
    config.data.validation = "test"
    _, _, last_epoch = train_watched(runs_dir, config)
    assert any(tag == TEST_EXAMPLES and t < last_epoch for tag, t in reads)


def test_epoch_logs_and_best_epoch_are_validation_figures_and_test_is_apart(runs_dir):
    config = tiny_config("gap", training__epochs=3)
    run_dir, result, _ = train_watched(runs_dir, config)
    data, tokenizer = result["data"], result["tokenizer"]
    import keras

    best = keras.models.load_model(run_dir / "checkpoints" / "best.keras")

    def scores(texts, labels):
        ids = truncate(tokenizer.encode(texts), None)
        split = make_split(ids, labels, 32, None, shuffle=False, seed=0)
        return best.evaluate(split.dataset, return_dict=True, verbose=0)

    info = read_run(run_dir)
    epoch = info.epochs[result["best_epoch"] - 1]
    assert result["best_epoch"] == min(info.epochs, key=lambda e: e["logs"]["val_loss"])["epoch"]
    on_val = scores(data.val_texts, data.val_labels)
    assert epoch["logs"]["val_loss"] == pytest.approx(on_val["loss"], abs=1e-5)
    on_test = scores(data.test_texts, data.test_labels)
    assert info.test_metrics["loss"] == pytest.approx(on_test["loss"], abs=1e-5)
    assert info.test_metrics["accuracy"] == pytest.approx(on_test["accuracy"], abs=1e-6)
    assert not info.validated_on_test


def test_a_run_stopped_inside_its_first_epoch_is_not_scored(runs_dir):
    from seqtui.engine.runs.control import request_stop

    config = tiny_config("gap", training__epochs=2)
    run_dir = create_run(config, runs_dir)
    request_stop(run_dir)  # before the first batch ends
    recorder = RunRecorder(run_dir)
    train(config, run_dir, recorder)
    recorder.close()
    info = read_run(run_dir)
    assert info.status == "stopped" and info.test_metrics is None
