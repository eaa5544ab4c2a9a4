"""Error analysis on the test split: the arithmetic on known numbers, then a real tiny run whose
analysis.json must agree with Keras's own validation accuracy and with one-text predictions."""

from __future__ import annotations

import json

import pytest

from helpers import tiny_config
from seqtui.engine.config import Config
from seqtui.engine.data.dataset import load_dataset
from seqtui.engine.data.textdata import TextData
from seqtui.engine.reports.analysis import error_analysis, read_analysis
from seqtui.engine.runs.events import fan_out, read_events
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import RunRecorder, create_run
from seqtui.engine.training.evaluate import finish_run


def test_confusion_matrix_precision_recall_and_the_surest_mistakes():
    classes = ["world", "sports", "business"]
    true = [0, 0, 0, 1, 1, 2, 2, 2]
    probs = [[0.9, 0.05, 0.05],  # right
             [0.2, 0.7, 0.1],    # wrong: sports, 0.7
             [0.6, 0.3, 0.1],    # right
             [0.1, 0.8, 0.1],    # right
             [0.05, 0.05, 0.9],  # wrong: business, 0.9
             [0.1, 0.1, 0.8],    # right
             [0.3, 0.2, 0.5],    # right
             [0.55, 0.4, 0.05]]  # wrong: world, 0.55
    texts = [f"text {i} " + "word " * (100 if i == 4 else 1) for i in range(8)]
    result = error_analysis(true, probs, texts, classes, wrong_examples=2)
    assert result["confusion_matrix"] == [[2, 1, 0], [0, 1, 1], [1, 0, 2]]
    assert result["examples"] == 8 and result["errors"] == 3
    assert result["accuracy"] == pytest.approx(5 / 8)
    by_class = {c["class"]: c for c in result["per_class"]}
    assert by_class["world"]["precision"] == pytest.approx(2 / 3)
    assert by_class["world"]["recall"] == pytest.approx(2 / 3)
    assert by_class["sports"]["precision"] == pytest.approx(1 / 2)
    assert by_class["sports"]["recall"] == pytest.approx(1 / 2)
    assert by_class["business"]["precision"] == pytest.approx(2 / 3)
    assert by_class["business"]["recall"] == pytest.approx(2 / 3)
    assert by_class["sports"]["f1"] == pytest.approx(0.5)
    assert result["macro_f1"] == pytest.approx((2 / 3 + 1 / 2 + 2 / 3) / 3)
    wrong = result["confidently_wrong"]
    assert [(w["index"], w["true"], w["predicted"]) for w in wrong] == [
        (4, "sports", "business"), (1, "world", "sports")]
    assert wrong[0]["confidence"] == pytest.approx(0.9)
    assert len(wrong[0]["text"]) == 300 and wrong[0]["text"].endswith("…")


def test_a_class_never_predicted_has_zero_precision_not_an_error():
    result = error_analysis([0, 1, 1], [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3]], ["a", "b", "c"],
                            ["negative", "positive"])
    positive = result["per_class"][1]
    assert positive["precision"] == positive["recall"] == positive["f1"] == 0.0
    assert result["confusion_matrix"] == [[1, 0], [2, 0]]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny real run trained in this process: the engine writes analysis.json at its end."""
    from seqtui.engine.training.train import train

    config = tiny_config("gap", training__epochs=2, data__demo_size=240,
                         training__learning_rate=0.01)
    run_dir = create_run(config, tmp_path_factory.mktemp("runs"))
    recorder = RunRecorder(run_dir)
    seen: list[dict] = []
    train(config, run_dir, fan_out(recorder, seen.append))
    recorder.close()
    return run_dir, config, seen


def test_analysis_agrees_with_keras_validation_accuracy(trained):
    run_dir, config, seen = trained
    analysis = read_analysis(run_dir)
    assert analysis is not None
    run = read_run(run_dir)
    best_epoch, _ = run.best("val_loss")
    keras_accuracy = next(e for e in run.epochs if e["epoch"] == best_epoch)["logs"][
        "val_accuracy"]
    # Scored with the best checkpoint, in the test split's own order: the same accuracy as
    # Keras measured on the bucketed validation batches.
    assert analysis["checkpoint"] == "best" and analysis["epoch"] == best_epoch
    assert analysis["accuracy"] == pytest.approx(keras_accuracy, abs=1e-6)
    data = load_dataset(config.resolved())
    assert analysis["examples"] == len(data.test_texts) == 60
    matrix = analysis["confusion_matrix"]
    assert [sum(row) for row in matrix] == [data.test_labels.count(0),
                                            data.test_labels.count(1)]
    event = next(e for e in seen if e["type"] == "analysis")
    assert event["accuracy"] == analysis["accuracy"] and "test accuracy" in event["summary"]
    kinds = [e["type"] for e in read_events(run_dir / "events.jsonl")]
    assert kinds.index("analysis") < kinds.index("run_finished")


def test_confident_mistakes_match_each_text_predicted_alone(trained):
    from seqtui.engine.reports.predict import Predictor

    run_dir, config, _ = trained
    analysis = read_analysis(run_dir)
    data = load_dataset(config.resolved())
    wrong = analysis["confidently_wrong"]
    assert len(wrong) == min(10, analysis["errors"])
    if not wrong:
        pytest.skip("the tiny model made no mistake")
    predictor = Predictor(run_dir)
    texts = [data.test_texts[w["index"]] for w in wrong]
    alone = [predictor.predict([text])[0] for text in texts]
    for mistake, prediction, text in zip(wrong, alone, texts, strict=True):
        assert mistake["text"] == " ".join(text.split())[:300]
        assert prediction.label == mistake["predicted"] != mistake["true"]
        assert prediction.probability == pytest.approx(mistake["confidence"], abs=1e-5)
    confidences = [w["confidence"] for w in wrong]
    assert confidences == sorted(confidences, reverse=True)


def test_a_failing_analysis_is_a_warning_not_a_failed_run(tmp_path):
    events: list[dict] = []
    data = TextData(["a text"], [0], ["another"], [1], ["negative", "positive"])
    # No tokenizer: scoring fails, and the run must still end as it would have.
    assert finish_run(tmp_path, None, data, None, Config(), 32, True, events.append) == {}
    assert [e["type"] for e in events] == ["warning"]
    assert events[0]["message"].startswith("scoring the test split failed: ")
    assert not (tmp_path / "analysis.json").exists()


def test_read_analysis_tolerates_a_missing_or_damaged_file(tmp_path):
    assert read_analysis(tmp_path) is None
    (tmp_path / "analysis.json").write_text('{"examples": 3, "accur')
    assert read_analysis(tmp_path) is None
    (tmp_path / "analysis.json").write_text(json.dumps({"examples": 3}))
    assert read_analysis(tmp_path) == {"examples": 3}


@pytest.mark.parametrize("preset", ["gap", "conv1d", "flatten", "bigru"])
def test_batched_scores_keep_their_order_and_equal_each_text_alone(preset):
    """Batching by length reorders texts and pads them; the scores must not notice. A text
    with no tokens gets a real score, not the NaN of a fully masked average."""
    import numpy as np
    import tensorflow as tf

    from seqtui.engine.models.keras_builder import build_keras_model
    from seqtui.engine.reports.predict import probabilities

    config = tiny_config(preset).resolved()
    model = build_keras_model(config, num_classes=3, vocab_size=40)
    rows = [[3, 4, 5], [7], list(range(1, 30)), [], [9, 9], [2, 3, 4, 5, 6, 7]]
    ids = tf.ragged.constant(rows, dtype=tf.int32)
    max_length = config.tokenizer.max_length
    together = probabilities(model, ids, max_length, batch_size=4)
    alone = np.concatenate([probabilities(model, ids[i:i + 1], max_length)
                            for i in range(len(rows))])
    assert together.shape == (len(rows), 3)
    assert np.isfinite(together).all()
    assert together.sum(axis=1) == pytest.approx(np.ones(len(rows)), abs=1e-5)
    assert together == pytest.approx(alone, abs=1e-5)
