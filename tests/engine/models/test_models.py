"""Models as data: the pure-Python summary equals Keras for every preset and random configs, and
reproduces the seven parameter totals printed in the seeds."""

from __future__ import annotations

import random

import pytest

from seqtui.engine.config import PRESETS, Config
from seqtui.engine.models.keras_builder import build_keras_model
from seqtui.engine.models.summary import summarize

# (preset, vocab, embedding dim, units, max length, total params printed in the seeds)
SEED_TOTALS = [
    ("lstm", 10000, 32, None, 120, 349_057),
    ("bilstm", 8185, 64, None, None, 598_209),
    ("bilstm", 10000, 32, None, 120, 377_985),
    ("stacked-bilstm", 8185, 64, [64, 32], None, 635_329),
    ("stacked-bilstm", 10000, 32, [64, 64], 120, 476_801),
    ("bigru", 8185, 64, None, None, 582_081),
    ("conv1d", 8185, 64, None, 120, 573_249),
]


def make(preset, vocab=1000, dim=16, units=None, max_length=None) -> Config:
    c = Config()
    c.model.preset, c.tokenizer.vocab_size, c.model.embedding_dim = preset, vocab, dim
    c.model.units, c.tokenizer.max_length = units, max_length
    return c.validate()


@pytest.mark.parametrize("preset, vocab, dim, units, length, total", SEED_TOTALS)
def test_seed_parameter_totals(preset, vocab, dim, units, length, total):
    config = make(preset, vocab, dim, units, length)
    assert summarize(config).total_params == total
    assert build_keras_model(config).count_params() == total


def test_seed_layer_rows_match_the_notebook():
    rows = summarize(make("stacked-bilstm", 8185, 64, [64, 32])).rows
    assert [(r.name, r.output_shape, r.params) for r in rows] == [
        ("embedding", (None, None, 64), 523_840),
        ("bidirectional", (None, None, 128), 66_048),
        ("bidirectional_1", (None, 64), 41_216),
        ("dense", (None, 64), 4_160),
        ("dense_1", (None, 1), 65),
    ]


def _random_config(rng: random.Random) -> tuple[Config, int]:
    preset = rng.choice(PRESETS)
    c = Config()
    c.model.preset = preset
    c.tokenizer.vocab_size = rng.randint(3, 3000)
    c.model.embedding_dim = rng.randint(1, 48)
    c.model.dense_units = rng.randint(1, 40)
    c.model.dropout = rng.choice([0.0, 0.3])
    c.model.kernel_size = rng.randint(1, 7)
    c.tokenizer.max_length = rng.choice([None, rng.randint(5, 50)])
    if preset == "flatten":
        c.tokenizer.max_length = rng.randint(5, 50)
    if preset in ("gap", "flatten"):
        c.model.units = None
    else:
        c.model.units = [rng.randint(1, 24) for _ in range(rng.randint(1, 3))]
    return c.validate(), rng.choice([2, 2, 3, 5])


@pytest.mark.parametrize("seed", range(16))
def test_summary_equals_keras_for_random_configs(seed):
    config, classes = _random_config(random.Random(seed))
    summary = summarize(config, num_classes=classes)
    model = build_keras_model(config, num_classes=classes)
    assert summary.total_params == model.count_params()
    # Same layers, same shapes, same per-layer counts (Keras adds the InputLayer only).
    keras_rows = [(tuple(layer.output.shape), layer.count_params()) for layer in model.layers
                  if layer.__class__.__name__ != "InputLayer"]
    assert [(r.output_shape, r.params) for r in summary.rows] == keras_rows


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_builds_and_matches(preset):
    config = make(preset, max_length=30 if preset == "flatten" else None)
    assert summarize(config).total_params == build_keras_model(config).count_params()


def test_more_than_two_classes_change_the_head():
    config = make("lstm")
    two, four = summarize(config, num_classes=2), summarize(config, num_classes=4)
    assert two.rows[-1].output_shape == (None, 1)
    assert four.rows[-1].output_shape == (None, 4)
    model = build_keras_model(config, num_classes=4)
    assert model.layers[-1].activation.__name__ == "softmax"
    assert build_keras_model(config).layers[-1].activation.__name__ == "sigmoid"
