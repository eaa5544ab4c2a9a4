"""Real training on tiny models into real run directories: files, event order, checkpoints,
statuses, early stopping, and stop/pause requests from outside."""

from __future__ import annotations

import csv
import json
import threading
import time

import numpy as np
import pytest

from helpers import tiny_config
from seqtui.engine.runs.control import request_pause, request_resume, request_stop
from seqtui.engine.runs.events import fan_out, read_events
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import RunRecorder, create_run
from seqtui.engine.training.train import train


def _train_into(runs_dir, config, extra=None):
    run_dir = create_run(config, runs_dir)
    recorder = RunRecorder(run_dir)
    result = train(config, run_dir, fan_out(recorder, extra))
    recorder.close()
    return run_dir, result


def test_run_directory_holds_every_file_and_a_well_formed_log(runs_dir):
    run_dir, result = _train_into(runs_dir, tiny_config("lstm", training__epochs=2))
    names = {p.name for p in run_dir.iterdir()}
    assert {"config.json", "events.jsonl", "history.csv", "summary.txt", "checkpoints",
            "assets"} <= names
    assert {p.name for p in (run_dir / "checkpoints").iterdir()} >= {"last.keras", "best.keras"}
    assert (run_dir / "assets" / "vocab.txt").read_text().splitlines()[:2] == ["", "[UNK]"]
    assert json.loads((run_dir / "config.json").read_text())["model"]["units"] == [8]

    events = read_events(run_dir / "events.jsonl")
    kinds = [e["type"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert all("time" in e for e in events)
    body = [k for k in kinds if k not in ("checkpoint_saved",)]
    first_epoch = body.index("epoch_started")
    assert set(body[1:first_epoch]) == {"stage"}
    assert body.count("epoch_started") == body.count("epoch_ended") == 2
    assert "batch" in body
    ready = next(e for e in events if e.get("stage") == "ready")
    assert ready["params"] == result["params"] > 0
    assert ready["steps_per_epoch"] == next(e for e in events if e["type"] == "batch")["steps"]

    with open(run_dir / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["epoch"] for r in rows] == ["0", "1"]
    ended = [e for e in events if e["type"] == "epoch_ended"]
    assert float(rows[1]["val_accuracy"]) == pytest.approx(ended[1]["logs"]["val_accuracy"])
    assert set(rows[0]) == {"epoch", "accuracy", "loss", "val_accuracy", "val_loss"}

    info = read_run(run_dir)
    assert info.status == "completed"
    assert info.epochs_done == 2 and info.best("val_accuracy") is not None
    assert "Total params" in (run_dir / "summary.txt").read_text()


def test_batch_events_carry_progress(runs_dir):
    run_dir, _ = _train_into(runs_dir, tiny_config("gap"))
    batches = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "batch"]
    last = batches[-1]
    assert last["step"] == last["steps"]  # the last batch of an epoch is always reported
    assert {"loss", "accuracy"} <= set(last["logs"]) and last["examples_per_sec"] > 0


def test_stop_request_ends_after_the_current_batch_with_a_checkpoint(runs_dir):
    config = tiny_config("gap", training__epochs=5, training__batch_size=8)
    run_dir = create_run(config, runs_dir)

    def stop_on_third_batch(event):
        if event["type"] == "batch" and event["step"] >= 1:
            request_stop(run_dir)

    recorder = RunRecorder(run_dir)
    result = train(config, run_dir, fan_out(recorder, stop_on_third_batch))
    assert result["status"] == "stopped"
    events = read_events(run_dir / "events.jsonl")
    ended = [e for e in events if e["type"] == "epoch_ended"]
    assert len(ended) == 1 and ended[0]["partial"] is True
    assert (run_dir / "checkpoints" / "last.keras").exists()
    assert read_run(run_dir).status == "stopped"
    assert read_run(run_dir).epochs_done == 0  # a partial epoch is not a finished one


def test_pause_and_resume_between_batches(runs_dir):
    config = tiny_config("gap", training__epochs=1, training__batch_size=8)
    run_dir = create_run(config, runs_dir)
    paused_at = []

    def pause_once(event):
        if event["type"] == "batch" and not paused_at:
            paused_at.append(time.monotonic())
            request_pause(run_dir)
            threading.Timer(0.6, request_resume, args=(run_dir,)).start()

    recorder = RunRecorder(run_dir)
    train(config, run_dir, fan_out(recorder, pause_once))
    kinds = [e["type"] for e in read_events(run_dir / "events.jsonl")]
    assert kinds.index("paused") < kinds.index("resumed") < kinds.index("run_finished")
    paused = next(e for e in read_events(run_dir / "events.jsonl") if e["type"] == "paused")
    resumed = next(e for e in read_events(run_dir / "events.jsonl") if e["type"] == "resumed")
    assert resumed["time"] - paused["time"] >= 0.5


def test_early_stopping_restores_the_best_weights(runs_dir):
    # A learning rate far too high makes validation loss bounce, so patience 1 runs out.
    config = tiny_config("gap", training__epochs=12, training__early_stopping=1,
                         training__learning_rate=0.5)
    run_dir, result = _train_into(runs_dir, config)
    assert result["status"] == "early_stopped"
    info = read_run(run_dir)
    assert info.status == "early_stopped" and info.epochs_done < 12
    best_epoch, best_loss = info.best("val_loss")
    assert result["best_epoch"] == best_epoch
    ids = result["tokenizer"].encode(result["data"].val_texts).to_tensor()
    loss = result["model"].evaluate(ids, np.asarray(result["data"].val_labels), verbose=0,
                                    batch_size=1000)[0]
    assert loss == pytest.approx(best_loss, rel=1e-3)


def test_multiclass_data_trains_a_softmax_head(runs_dir, monkeypatch):
    import seqtui.engine.data.dataset as data_module

    original = data_module.load_dataset

    def three_classes(config, listener=None):
        data = original(config, listener)
        data.train_labels = [i % 3 for i in range(len(data.train_labels))]
        data.test_labels = [i % 3 for i in range(len(data.test_labels))]
        data.class_names = ["a", "b", "c"]
        return data

    monkeypatch.setattr("seqtui.engine.training.train.load_dataset", three_classes)
    run_dir, result = _train_into(runs_dir, tiny_config("gap"))
    assert result["model"].output_shape == (None, 3)
    ready = next(e for e in read_events(run_dir / "events.jsonl") if e.get("stage") == "ready")
    assert ready["class_names"] == ["a", "b", "c"]


def test_config_json_records_the_vocabulary_that_ran_and_retrains_the_same_model(runs_dir):
    """The subwords default asks for 10,000 but builds the seeds' 8,185 ids: config.json says
    8,185, and training again from that file gives the same model."""
    from helpers import TINY_FLAGS, run_seqtui

    first = run_seqtui("train", *TINY_FLAGS, "--preset", "gap", "--tokenizer", "subwords",
                       "--epochs", "1", runs_dir=runs_dir)
    assert first.returncode == 0, first.stderr
    (run_dir,) = runs_dir.iterdir()
    saved = json.loads((run_dir / "config.json").read_text())
    assert saved["tokenizer"]["vocab_size"] == 8185
    rows = (run_dir / "summary.txt").read_text().splitlines()
    embedding = next(line for line in rows if line.startswith("embedding"))
    assert embedding.split()[-1] == f"{8185 * 8:,}"  # input_dim x embedding_dim

    again = run_seqtui("train", "--config", str(run_dir / "config.json"), runs_dir=runs_dir)
    assert again.returncode == 0, again.stderr
    (second,) = (p for p in runs_dir.iterdir() if p != run_dir)
    assert json.loads((second / "config.json").read_text())["tokenizer"] == saved["tokenizer"]
    assert (second / "summary.txt").read_text() == (run_dir / "summary.txt").read_text()


def test_paused_time_is_left_out_of_epoch_seconds_and_rates(runs_dir):
    config = tiny_config("gap", training__epochs=2, training__batch_size=8)
    run_dir = create_run(config, runs_dir)
    pause = 2.0

    def pause_once_in_epoch_2(event):
        if event["type"] == "epoch_started" and event["epoch"] == 2:  # held after batch 1
            request_pause(run_dir)
            threading.Timer(pause, request_resume, args=(run_dir,)).start()

    recorder = RunRecorder(run_dir)
    train(config, run_dir, fan_out(recorder, pause_once_in_epoch_2))
    events = read_events(run_dir / "events.jsonl")
    started = next(e for e in events if e["type"] == "epoch_started" and e["epoch"] == 2)
    ended = next(e for e in events if e["type"] == "epoch_ended" and e["epoch"] == 2)
    resumed = next(e for e in events if e["type"] == "resumed")
    wall = ended["time"] - started["time"]
    assert wall > pause
    # The epoch's seconds are its training time: the wall time less the pause.
    assert ended["seconds"] < wall - pause + 0.3
    assert resumed["paused_seconds"] == pytest.approx(pause, abs=0.5)
    after = next(e for e in events if e["type"] == "batch" and e["time"] > resumed["time"])
    assert after["elapsed"] < after["time"] - started["time"] - pause + 0.3
    finished = next(e for e in events if e["type"] == "run_finished")
    assert finished["paused_seconds"] == pytest.approx(pause, abs=0.5)


def test_the_embedding_is_sized_to_the_vocabulary_learned(runs_dir):
    """The demo data has a few hundred words: asking for 10,000 builds an embedding of the words
    there are, and the log, config.json, summary.txt and the report all give that figure."""
    from seqtui.engine.reports.writer import write_report

    config = tiny_config("gap")
    assert config.tokenizer.vocab_size == 10000
    run_dir, result = _train_into(runs_dir, config)
    words = (run_dir / "assets" / "vocab.txt").read_text().splitlines()
    learned = len(words)
    assert 50 < learned < 10000
    assert json.loads((run_dir / "config.json").read_text())["tokenizer"]["vocab_size"] == learned
    [layer] = [x for x in result["model"].layers if type(x).__name__ == "Embedding"]
    assert layer.input_dim == learned
    embedding = next(line for line in (run_dir / "summary.txt").read_text().splitlines()
                     if line.startswith("embedding"))
    assert embedding.split()[-1] == f"{learned * 8:,}"
    messages = [e.get("message", "") for e in read_events(run_dir / "events.jsonl")
                if e["type"] == "stage"]
    assert f"learned a vocabulary of {learned:,} ids (at most 10,000 asked)" in messages
    md_path, _ = write_report(run_dir)
    assert f"- vocabulary size: {learned:,}" in md_path.read_text()


def test_fit_traces_its_step_without_creating_variables(runs_dir):
    """A tf.function that creates variables is traced twice, a second or more of every run's
    first epoch: the optimizer's, loss's and metrics' variables must exist before fit traces
    its step, and the best checkpoint's metrics before the test split is scored."""
    import tensorflow as tf

    made_in_trace = []

    def creator(next_creator, **kwargs):
        if tf.inside_function():
            made_in_trace.append(kwargs.get("name"))
        return next_creator(**kwargs)

    with tf.variable_creator_scope(creator):
        _run_dir, result = _train_into(runs_dir, tiny_config("lstm", training__epochs=1))
    assert result["status"] == "completed"
    assert made_in_trace == []
