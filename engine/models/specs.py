"""Architectures as data: a preset is a list of layer specs, from which both the Keras model
(models.keras_builder) and the TensorFlow-free summary (models.summary) are derived."""

from __future__ import annotations

from typing import Any

from seqtui.engine.config import Config

RECURRENT = {"rnn": "SimpleRNN", "lstm": "LSTM", "bilstm": "LSTM", "stacked-bilstm": "LSTM",
             "bigru": "GRU"}
BIDIRECTIONAL = ("bilstm", "stacked-bilstm", "bigru")
# Presets whose input has a fixed length (Flatten needs one); every other preset takes any length.
FIXED_LENGTH = ("flatten",)

Spec = dict[str, Any]


def layer_specs(config: Config, num_classes: int = 2, vocab_size: int | None = None) -> list[Spec]:
    """The model as data: embedding, body, the seeds' head, and the output layer."""
    m = config.model
    preset = m.preset
    specs: list[Spec] = [{
        "kind": "embedding",
        "input_dim": vocab_size or config.planned_vocab_size,
        "output_dim": m.embedding_dim,
        "mask_zero": preset not in FIXED_LENGTH,
    }]
    units = config.units
    if preset == "gap":
        specs.append({"kind": "global_average_pooling"})
    elif preset == "flatten":
        specs.append({"kind": "flatten"})
    elif preset in RECURRENT:
        cell = RECURRENT[preset]
        for i, u in enumerate(units):
            # return_sequences for every recurrent layer but the last: the engine's job.
            specs.append({"kind": "recurrent", "cell": cell, "units": u,
                          "bidirectional": preset in BIDIRECTIONAL,
                          "return_sequences": i < len(units) - 1})
    elif preset == "conv1d":
        for u in units:
            specs.append({"kind": "conv1d", "filters": u, "kernel_size": m.kernel_size})
        specs.append({"kind": "global_average_pooling"})
    else:
        raise ValueError(f"unknown preset {preset!r}")
    if m.dropout > 0:
        specs.append({"kind": "dropout", "rate": m.dropout})
    specs.append({"kind": "dense", "units": m.dense_units, "activation": "relu"})
    if m.dropout > 0:
        specs.append({"kind": "dropout", "rate": m.dropout})
    binary = num_classes <= 2
    specs.append({"kind": "dense", "units": 1 if binary else num_classes,
                  "activation": "sigmoid" if binary else "softmax", "output": True})
    return specs
