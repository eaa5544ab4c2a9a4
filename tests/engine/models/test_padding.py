"""Padding must not change a prediction: the same text gets the same score whether its batch
pads it by 0 or by 40 steps (DESIGN §3), for every preset and every stack that takes variable
lengths."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from layer_stacks import stack_config, stacks
from seqtui.engine.config import PRESETS, Config
from seqtui.engine.models.keras_builder import build_keras_model
from seqtui.engine.models.kinds import parse_layers
from seqtui.engine.models.specs import fixed_length

VARIABLE_LENGTH = [p for p in PRESETS if p != "flatten"]
LONGEST = 60  # the max length of stacks that need one (position embeddings)


def assert_padding_invariant(model, vocab: int = 50) -> None:
    rng = np.random.default_rng(0)
    short = rng.integers(1, vocab, size=7)
    alone = model(short[None, :], training=False).numpy()
    for pad in (1, 13, 40):
        # Right-padded with zeros, as the pipeline's padded batches are, next to a longer text.
        batch = np.zeros((2, len(short) + pad), dtype="int32")
        batch[0, :len(short)] = short
        batch[1] = rng.integers(1, vocab, size=len(short) + pad)
        padded = model(batch, training=False).numpy()[0]
        np.testing.assert_allclose(padded, alone[0], atol=1e-5)


def test_only_flatten_needs_a_fixed_length():
    for preset in PRESETS:
        c = Config()
        c.model.preset = preset
        assert fixed_length(c) == (preset == "flatten")


@pytest.mark.parametrize("preset", VARIABLE_LENGTH)
@pytest.mark.parametrize("classes", [2, 3])
def test_padding_does_not_change_a_prediction(preset, classes):
    import keras

    keras.utils.set_random_seed(7)
    c = Config()
    c.model.preset, c.tokenizer.vocab_size, c.model.embedding_dim = preset, 50, 8
    c.model.units = None if preset == "gap" else ([8, 6] if preset in ("stacked-bilstm",
                                                                        "cnn-bilstm") else [8])
    if preset == "transformer":
        c.tokenizer.max_length = LONGEST
    assert_padding_invariant(build_keras_model(c.validate(), num_classes=classes))


@pytest.mark.parametrize("text", [
    "conv1d(6,3,stride=2) maxpool(3) bigru(4) dense(4)",
    "conv1d(6,5,dilation=2) avgpool(2) globalmax",
    "spatialdropout(0.3) layernorm conv1d(4,4) maxpool(2,stride=1) globalavg",
    "dense(5) lstm(4) dense(3) layernorm",
])
def test_padding_does_not_change_a_prediction_of_a_stack(text):
    import keras

    keras.utils.set_random_seed(3)
    assert_padding_invariant(build_keras_model(stack_config(parse_layers(text), vocab=50)))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layers=stacks(max_length=LONGEST, variable_length=True))
def test_padding_does_not_change_a_prediction_of_generated_stacks(layers):
    import keras

    keras.utils.set_random_seed(5)
    model = build_keras_model(stack_config(layers, vocab=50, max_length=LONGEST))
    assert_padding_invariant(model)
