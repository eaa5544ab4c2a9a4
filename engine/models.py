"""Architectures as data: a preset is a list of layer specs.

From the specs come both the Keras model (`build_keras_model`, imports TensorFlow when called) and
a pure-Python summary (`summarize`: layers, output shapes, parameter counts) that the TUI's live
preview and `seqtui summary` use without TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seqtui.engine.config import Config

RECURRENT = {"rnn": "SimpleRNN", "lstm": "LSTM", "bilstm": "LSTM", "stacked-bilstm": "LSTM",
             "bigru": "GRU"}
BIDIRECTIONAL = ("bilstm", "stacked-bilstm", "bigru")
# Presets whose input has a fixed length (Flatten needs one); every other preset takes any length.
FIXED_LENGTH = ("flatten",)

Spec = dict[str, Any]


def _planned_vocab_size(config: Config) -> int:
    """The embedding's input_dim before any data is seen (subwords: see engine/subwords.py)."""
    if config.tokenizer.kind == "subwords":
        from seqtui.engine.subwords import subword_vocab_size

        return subword_vocab_size(config)
    return config.tokenizer.vocab_size


def layer_specs(config: Config, num_classes: int = 2, vocab_size: int | None = None) -> list[Spec]:
    """The model as data: embedding, body, the seeds' head, and the output layer."""
    m = config.model
    preset = m.preset
    specs: list[Spec] = [{
        "kind": "embedding",
        "input_dim": vocab_size or _planned_vocab_size(config),
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


@dataclass
class LayerRow:
    name: str
    type: str
    output_shape: tuple[int | None, ...]
    params: int


@dataclass
class ModelSummary:
    rows: list[LayerRow]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    def table(self) -> str:
        """A text table in the shape of Keras's model.summary()."""
        width = (32, 26, 12)
        rule = "-" * sum(width)
        lines = [f"{'Layer (type)':<{width[0]}}{'Output Shape':<{width[1]}}{'Param #':>{width[2]}}",
                 "=" * sum(width)]
        for row in self.rows:
            label = f"{row.name} ({row.type})"
            lines.append(f"{label:<{width[0]}}{format_shape(row.output_shape):<{width[1]}}"
                         f"{row.params:>{width[2]},}")
        lines += [rule, f"Total params: {self.total_params:,}",
                  f"Trainable params: {self.total_params:,}", "Non-trainable params: 0"]
        return "\n".join(lines)


def format_shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def summarize(config: Config, num_classes: int = 2, vocab_size: int | None = None) -> ModelSummary:
    """Layers, output shapes and parameter counts, computed without TensorFlow."""
    specs = layer_specs(config, num_classes, vocab_size)
    length = config.tokenizer.max_length
    shape: tuple[int | None, ...] = (None, length)
    rows: list[LayerRow] = []
    seen: dict[str, int] = {}

    def name_for(base: str) -> str:
        n = seen.get(base, 0)
        seen[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    for spec in specs:
        kind = spec["kind"]
        if kind == "embedding":
            shape = (None, length, spec["output_dim"])
            rows.append(LayerRow(name_for("embedding"), "Embedding", shape,
                                 spec["input_dim"] * spec["output_dim"]))
        elif kind == "global_average_pooling":
            shape = (None, shape[-1])
            rows.append(LayerRow(name_for("global_average_pooling1d"), "GlobalAveragePooling1D",
                                 shape, 0))
        elif kind == "flatten":
            steps = shape[1]
            shape = (None, None if steps is None else steps * shape[-1])
            rows.append(LayerRow(name_for("flatten"), "Flatten", shape, 0))
        elif kind == "recurrent":
            d, u = int(shape[-1]), spec["units"]
            gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[spec["cell"]]
            bias = 2 * u if spec["cell"] == "GRU" else u  # GRU's reset_after keeps two biases
            params = gates * (d * u + u * u + bias)
            out = u
            if spec["bidirectional"]:
                params, out = 2 * params, 2 * u
            shape = (None, shape[1], out) if spec["return_sequences"] else (None, out)
            if spec["bidirectional"]:
                rows.append(LayerRow(name_for("bidirectional"), "Bidirectional", shape, params))
            else:
                rows.append(LayerRow(name_for(spec["cell"].lower()), spec["cell"], shape, params))
        elif kind == "conv1d":
            d = int(shape[-1])
            params = spec["kernel_size"] * d * spec["filters"] + spec["filters"]
            shape = (None, shape[1], spec["filters"])  # 'same' padding keeps the length
            rows.append(LayerRow(name_for("conv1d"), "MaskedConv1D", shape, params))
        elif kind == "dropout":
            rows.append(LayerRow(name_for("dropout"), "Dropout", shape, 0))
        elif kind == "dense":
            d = int(shape[-1])
            shape = (None, spec["units"])
            rows.append(LayerRow(name_for("dense"), "Dense", shape, d * spec["units"]
                                 + spec["units"]))
        else:
            raise ValueError(f"unknown layer kind {kind!r}")
    return ModelSummary(rows)


def build_keras_model(config: Config, num_classes: int = 2, vocab_size: int | None = None,
                      mixed_precision: bool = False) -> Any:
    """The Keras model for a config. Imports TensorFlow: call it only in a training process."""
    import keras

    from seqtui.engine.keras_layers import MaskedConv1D

    specs = layer_specs(config, num_classes, vocab_size)
    inputs = keras.Input(shape=(config.tokenizer.max_length,), dtype="int32", name="tokens")
    x = inputs
    for spec in specs:
        kind = spec["kind"]
        if kind == "embedding":
            x = keras.layers.Embedding(spec["input_dim"], spec["output_dim"],
                                       mask_zero=spec["mask_zero"], name="embedding")(x)
        elif kind == "global_average_pooling":
            x = keras.layers.GlobalAveragePooling1D()(x)
        elif kind == "flatten":
            x = keras.layers.Flatten()(x)
        elif kind == "recurrent":
            # Default activations and no recurrent dropout: the layer stays cuDNN-eligible.
            layer_cls = getattr(keras.layers, spec["cell"])
            layer = layer_cls(spec["units"], return_sequences=spec["return_sequences"])
            if spec["bidirectional"]:
                layer = keras.layers.Bidirectional(layer)
            x = layer(x)
        elif kind == "conv1d":
            x = MaskedConv1D(spec["filters"], spec["kernel_size"], activation="relu")(x)
        elif kind == "dropout":
            x = keras.layers.Dropout(spec["rate"])(x)
        elif kind == "dense":
            # The output layer computes in float32: mixed precision keeps a stable softmax/sigmoid.
            dtype = "float32" if spec.get("output") and mixed_precision else None
            x = keras.layers.Dense(spec["units"], activation=spec["activation"], dtype=dtype,
                                   name="output" if spec.get("output") else None)(x)
    return keras.Model(inputs, x, name=config.model.preset.replace("-", "_"))
