"""Padding must not change a prediction: the same text gets the same score whether its batch
pads it by 0 or by 40 steps (DESIGN §3), for every preset that takes variable lengths."""

from __future__ import annotations

import numpy as np
import pytest

from seqtui.engine.config import Config
from seqtui.engine.models.keras_builder import build_keras_model
from seqtui.engine.models.specs import FIXED_LENGTH

VARIABLE_LENGTH = ["gap", "rnn", "lstm", "bilstm", "stacked-bilstm", "bigru", "conv1d"]


def test_the_list_covers_every_variable_length_preset():
    from seqtui.engine.config import PRESETS

    assert sorted(VARIABLE_LENGTH) == sorted(p for p in PRESETS if p not in FIXED_LENGTH)


@pytest.mark.parametrize("preset", VARIABLE_LENGTH)
@pytest.mark.parametrize("classes", [2, 3])
def test_padding_does_not_change_a_prediction(preset, classes):
    import keras

    keras.utils.set_random_seed(7)
    c = Config()
    c.model.preset, c.tokenizer.vocab_size, c.model.embedding_dim = preset, 50, 8
    c.model.units = None if preset == "gap" else ([8, 6] if preset == "stacked-bilstm" else [8])
    model = build_keras_model(c.validate(), num_classes=classes)
    rng = np.random.default_rng(0)
    short = rng.integers(1, 50, size=7)
    alone = model(short[None, :], training=False).numpy()
    for pad in (1, 13, 40):
        # Right-padded with zeros, as the pipeline's padded batches are, next to a longer text.
        batch = np.zeros((2, len(short) + pad), dtype="int32")
        batch[0, :len(short)] = short
        batch[1] = rng.integers(1, 50, size=len(short) + pad)
        padded = model(batch, training=False).numpy()[0]
        np.testing.assert_allclose(padded, alone[0], atol=1e-5)
