"""Models as data: the pure-Python summary equals Keras for every layer kind, every preset and
generated stacks, and reproduces the seven parameter totals printed in the seeds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layer_stacks import stack_config, stacks
from seqtui.engine.config import PRESETS, Config
from seqtui.engine.models.keras_builder import build_keras_model
from seqtui.engine.models.kinds import KINDS, parse_layers
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

# One stack per layer kind (and the compact names a user types), each checked against Keras.
EVERY_KIND = {
    "embedding": ("embedding(12, trainable=false) globalavg dense(4)", None),
    "rnn": ("rnn(5) dense(4)", None),
    "lstm": ("lstm(5, dropout=0.2) dense(4)", None),
    "gru": ("bigru(5, recurrent_dropout=0.1) dense(4)", None),
    "conv1d": ("conv1d(6, 3, stride=2) conv1d(4, 3, dilation=2, activation=tanh) globalavg",
               None),
    "maxpool": ("maxpool(3) lstm(4)", 20),
    "avgpool": ("avgpool(2, stride=1) gru(4)", None),
    "globalmax": ("globalmax dense(4)", None),
    "globalavg": ("globalavg", None),
    "spatialdropout": ("spatialdropout(0.2) bilstm(4)", None),
    "dropout": ("lstm(4) dropout(0.5)", None),
    "dense": ("dense(3) lstm(4) dense(5, activation=gelu)", None),
    "layernorm": ("layernorm bilstm(4) layernorm", None),
    "transformer": ("transformer(2, 4, 16) transformer(heads=1) globalmax", 24),
    "flatten": ("flatten dense(4)", 12),
}


def make(preset, vocab=1000, dim=16, units=None, max_length=None) -> Config:
    c = Config()
    c.model.preset, c.tokenizer.vocab_size, c.model.embedding_dim = preset, vocab, dim
    c.model.units, c.tokenizer.max_length = units, max_length
    return c.validate()


def assert_summary_equals_keras(config: Config, classes: int = 2) -> None:
    summary = summarize(config, num_classes=classes)
    model = build_keras_model(config, num_classes=classes)
    assert summary.total_params == model.count_params()
    # Same layers, same shapes, same per-layer counts (Keras adds the InputLayer only).
    keras_rows = [(tuple(layer.output.shape), layer.count_params()) for layer in model.layers
                  if layer.__class__.__name__ != "InputLayer"]
    assert [(r.output_shape, r.params) for r in summary.rows] == keras_rows
    trainable = sum(int(w.shape.num_elements()) for w in model.trainable_weights)
    assert summary.trainable_params == trainable


@pytest.mark.parametrize("preset, vocab, dim, units, length, total", SEED_TOTALS)
def test_seed_parameter_totals(preset, vocab, dim, units, length, total):
    config = make(preset, vocab, dim, units, length)
    assert summarize(config).total_params == total
    assert build_keras_model(config).count_params() == total


def test_seed_layer_rows_match_the_notebook():
    config = make("stacked-bilstm", 8185, 64, [64, 32])
    config.model.dropout = 0.0  # the notebook's model has none
    rows = summarize(config).rows
    assert [(r.name, r.output_shape, r.params) for r in rows] == [
        ("embedding", (None, None, 64), 523_840),
        ("bidirectional", (None, None, 128), 66_048),
        ("bidirectional_1", (None, 64), 41_216),
        ("dense", (None, 64), 4_160),
        ("dense_1", (None, 1), 65),
    ]


def test_every_kind_has_a_case():
    assert sorted(EVERY_KIND) == sorted(KINDS)


@pytest.mark.parametrize("kind", sorted(EVERY_KIND))
def test_summary_equals_keras_for_every_kind(kind):
    text, length = EVERY_KIND[kind]
    config = stack_config(parse_layers(text), vocab=50, dim=8, max_length=length)
    assert kind in {layer["kind"] for layer in parse_layers(text)}
    assert_summary_equals_keras(config)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("classes", [2, 4])
def test_every_preset_matches_keras(preset, classes):
    length = 30 if preset in ("flatten", "transformer") else None
    assert_summary_equals_keras(make(preset, max_length=length), classes)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_summary_equals_keras_for_generated_stacks(data):
    max_length = data.draw(st.sampled_from([None, 5, 17]))
    layers = data.draw(stacks(max_length=max_length))
    classes = data.draw(st.sampled_from([2, 3]))
    assert_summary_equals_keras(stack_config(layers, max_length=max_length), classes)


def test_more_than_two_classes_change_the_head():
    config = make("lstm")
    two, four = summarize(config, num_classes=2), summarize(config, num_classes=4)
    assert two.rows[-1].output_shape == (None, 1)
    assert four.rows[-1].output_shape == (None, 4)
    model = build_keras_model(config, num_classes=4)
    assert model.layers[-1].activation.__name__ == "softmax"
    assert build_keras_model(config).layers[-1].activation.__name__ == "sigmoid"


def test_the_seeds_exercise_stack_has_the_expected_layers():
    config = stack_config(parse_layers("conv1d(128,5) maxpool(2) bigru(64) dropout(0.3) "
                                       "dense(64)"), vocab=8185, dim=64)
    rows = summarize(config).rows
    assert [r.type for r in rows] == ["Embedding", "MaskedConv1D", "MaskedPooling1D",
                                      "Bidirectional", "Dropout", "Dense", "Dense"]
    # Conv1D(128, 5) over 64 features; a BiGRU(64) over 128 (reset_after: two biases).
    assert rows[1].params == 5 * 64 * 128 + 128
    assert rows[3].params == 2 * 3 * (128 * 64 + 64 * 64 + 2 * 64)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_summary_table_fits_80_columns_with_its_longest_layer_names(preset):
    config = Config()
    config.model.preset = preset
    config.tokenizer.max_length = 120  # flatten and the transformer need one
    lines = summarize(config.resolved()).table().splitlines()
    assert max(map(len, lines)) <= 78, "\n".join(lines)
    header, rule = lines[0], lines[1]
    assert len(rule) == len(header)  # the header spans the table: no row sticks out
    pooled = [line for line in lines if "global_average_pooling1d" in line]
    if pooled:  # the longest name, with its type, in its column, its figures in theirs
        assert pooled[0].index("(None, ") == header.index("Output Shape")


def test_a_narrow_summary_puts_a_long_layer_type_on_its_own_line():
    config = Config()
    config.model.preset = "gap"
    lines = summarize(config.resolved()).table(width=60).splitlines()
    assert max(map(len, lines)) <= 60
    at = next(i for i, line in enumerate(lines) if line.startswith("global_average_pooling1d "))
    assert lines[at + 1] == "(GlobalAveragePooling1D)"
    assert lines[at].rstrip().endswith(" 0")  # its figures stay on the name's line
