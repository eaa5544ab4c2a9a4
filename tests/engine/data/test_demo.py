"""The demo dataset: deterministic, balanced, offline, and order-dependent enough that the
embedding + pooling baseline stays well behind a recurrent model."""

from __future__ import annotations

from helpers import tiny_config
from seqtui.engine.data.demo import demo_splits, make_demo
from seqtui.engine.training.train import train


def test_demo_is_deterministic_and_balanced():
    texts, labels = make_demo(1000)
    assert (texts, labels) == make_demo(1000)
    assert sum(labels) == 500
    assert len(set(texts)) > 900  # varied, not a handful of sentences repeated


def test_train_and_test_splits_are_different_text():
    (train_x, _), (test_x, test_y) = demo_splits(400)
    assert len(test_x) == 100 and sum(test_y) == 50
    assert len(set(train_x) & set(test_x)) < 5


def test_same_words_carry_both_labels():
    """'X but Y' puts a positive and a negative clause in every such review: a bag of words
    cannot tell which one counts."""
    texts, labels = make_demo(400)
    but = [(t, y) for t, y in zip(texts, labels, strict=True) if " but " in t]
    assert len(but) > 50
    assert {y for _, y in but} == {0, 1}


def _val_accuracy(preset: str) -> float:
    config = tiny_config(preset, training__epochs=6, training__learning_rate=0.005)
    config.data.demo_size = 2000
    config.model.embedding_dim = 16
    config.model.dense_units = 16
    config.model.units = None if preset == "gap" else [16]
    result = train(config)
    return float(result["model"].evaluate(
        *_test_arrays(result), verbose=0, batch_size=64)[1])


def _test_arrays(result):
    import numpy as np

    ids = result["tokenizer"].encode(result["data"].test_texts).to_tensor()
    return ids, np.asarray(result["data"].test_labels)


def test_lstm_beats_the_bag_of_words_baseline_by_ten_points():
    gap, lstm = _val_accuracy("gap"), _val_accuracy("lstm")
    assert lstm >= gap + 0.10, (gap, lstm)
    assert lstm > 0.75
