"""The options a Keras user expects, on one tiny real run over unbalanced three-class data: cosine
decay with the rate logged each epoch, balanced class weights, macro precision/recall and
one-vs-rest AUC, and early stopping's min_delta; and the metrics' arithmetic on known inputs."""

from __future__ import annotations

import csv
import math
import random

import numpy as np
import pytest

from helpers import tiny_config
from seqtui.engine.runs.events import read_events
from seqtui.engine.runs.store import RunRecorder, create_run
from seqtui.engine.training.train import train

CLASSES = {"alpha": 90, "beta": 45, "gamma": 15}  # unbalanced 6:3:1
WORDS = {"alpha": "apple apricot", "beta": "banana blueberry", "gamma": "grape guava"}


def _write_csv(path):
    rng = random.Random(3)
    filler = "the a of and to in is it that was".split()
    rows = [(" ".join([*WORDS[label].split(), *rng.sample(filler, 4)]), label)
            for label, count in CLASSES.items() for _ in range(count)]
    rng.shuffle(rows)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)


def _train(config, runs_dir):
    run_dir = create_run(config, runs_dir)
    recorder = RunRecorder(run_dir)
    try:
        return run_dir, train(config, run_dir, recorder)
    finally:
        recorder.close()


@pytest.fixture(scope="module")
def options_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("keras-options")
    _write_csv(root / "fruit.csv")

    def config(**overrides):
        # A min_delta no change can meet: with patience 1, early stopping ends the run after
        # epoch 2 although val_loss falls (asserted below), where without it the run goes on.
        settings = dict(data__dataset=f"csv:{root / 'fruit.csv'}", training__epochs=3,
                        training__batch_size=16, training__learning_rate=0.02,
                        training__lr_schedule="cosine", training__lr_min=0.002,
                        training__class_weight="balanced",
                        training__metrics=["precision", "recall", "auc"],
                        training__early_stopping=1, training__min_delta=10.0)
        return tiny_config("gap", **{**settings, **overrides})

    weighted = _train(config(), root / "runs")
    # The same first epoch without class weights: its first batch meets the same weights and
    # texts, so only the weighting can change that batch's loss.
    plain = _train(config(training__class_weight="none", training__epochs=1), root / "runs")
    return weighted, plain


def _events(run_dir, kind):
    return [e for e in read_events(run_dir / "events.jsonl") if e["type"] == kind]


def test_balanced_class_weights_follow_the_training_split_and_reach_fit(options_run):
    (run_dir, _), (plain_dir, _) = options_run
    ready = next(e for e in read_events(run_dir / "events.jsonl") if e.get("stage") == "ready")
    counts = dict(zip(ready["class_names"], ready["dataset"]["train_class_counts"], strict=True))
    total = sum(counts.values())
    assert ready["class_weights"] == pytest.approx(
        {name: total / (3 * n) for name, n in counts.items()}, rel=1e-5)
    assert ready["class_weights"]["gamma"] > 2 > 1 > ready["class_weights"]["alpha"]
    assert "class_weights" not in next(e for e in read_events(plain_dir / "events.jsonl")
                                       if e.get("stage") == "ready")

    first_weighted = _events(run_dir, "batch")[0]
    first_plain = _events(plain_dir, "batch")[0]
    assert first_weighted["step"] == first_plain["step"] == 1
    # Same weights, same texts: unweighted, the two losses would be equal to float precision;
    # weighted, this batch's loss is scaled by its classes' weights.
    assert abs(first_weighted["logs"]["loss"] - first_plain["logs"]["loss"]) > 1e-3


def test_cosine_rate_and_extra_metrics_are_logged_every_epoch(options_run):
    (run_dir, result), _ = options_run
    ended = _events(run_dir, "epoch_ended")
    steps = ended[0]["steps"]
    # CosineDecay over 3 epochs of steps, from 0.02 down to lr_min: the rate each epoch began at.
    alpha = 0.002 / 0.02
    expected = [0.02 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * e * steps / (3 * steps)))
                        + alpha) for e in range(len(ended))]
    assert [e["logs"]["learning_rate"] for e in ended] == pytest.approx(expected, rel=1e-5)

    with open(run_dir / "history.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = {"learning_rate"} | {f"{p}{m}" for p in ("", "val_")
                                 for m in ("precision", "recall", "auc")}
    assert names <= set(rows[0])
    for row, event in zip(rows, ended, strict=True):
        for name in names - {"learning_rate"}:
            assert 0 <= float(row[name]) <= 1
            assert float(row[name]) == pytest.approx(event["logs"][name])
    # The test split is scored with them too, from best.keras (which loads its custom metrics).
    assert {"precision", "recall", "auc"} <= set(result["test"])
    assert result["test_checkpoint"] == "best"
    assert not [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "warning"]

    from seqtui.engine.reports.writer import write_report

    markdown = write_report(run_dir)[0].read_text()
    for title in ("learning_rate", "precision", "recall", "auc"):
        assert f" {title} " in markdown.split("## Curves")[1].split("## Epochs")[0], title
    assert "class weights (balanced): alpha 0." in markdown


def test_min_delta_stops_a_run_whose_val_loss_still_falls(options_run):
    (run_dir, result), _ = options_run
    ended = _events(run_dir, "epoch_ended")
    assert result["status"] == "early_stopped"
    assert [e["epoch"] for e in ended] == [1, 2]
    assert ended[1]["logs"]["val_loss"] < ended[0]["logs"]["val_loss"]


def test_macro_precision_recall_and_one_vs_rest_auc_on_known_predictions():
    from seqtui.engine.models.metrics import MacroPrecisionRecall, OneVsRestAUC

    labels = np.array([0, 0, 1, 1, 2, 2])
    scores = np.array([[.8, .1, .1], [.2, .7, .1], [.1, .8, .1], [.6, .3, .1], [.1, .1, .8],
                       [.1, .2, .7]])
    # Predicted 0,1,1,0,2,2: per class precision 1/2, 1/2, 1; recall 1/2, 1/2, 1.
    for kind in ("precision", "recall"):
        metric = MacroPrecisionRecall(3, kind=kind)
        metric.update_state(labels, scores)
        assert float(metric.result()) == pytest.approx((0.5 + 0.5 + 1) / 3, rel=1e-6), kind
    auc = OneVsRestAUC(3)
    auc.update_state(labels, scores)
    pairwise = []
    for c in range(3):
        pos, neg = scores[labels == c, c], scores[labels != c, c]
        pairwise.append(np.mean([(p > n) + 0.5 * (p == n) for p in pos for n in neg]))
    assert float(auc.result()) == pytest.approx(np.mean(pairwise), abs=0.02)
    restored = OneVsRestAUC.from_config(auc.get_config())
    assert restored.num_classes == 3 and restored.name == "auc"
