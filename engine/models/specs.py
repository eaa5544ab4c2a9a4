"""Architectures as data: a config's layer stack (its own, or its preset's) resolved into the
specs from which both the Keras model (models.keras_builder) and the TensorFlow-free summary
(models.summary) are derived.

Resolving is where the shape rules live, in plain Python: the embedding is implied unless the
stack starts with one, `return_sequences` is set here (never by the user), a Transformer block
gets learned position embeddings, the output layer follows the data, and a stack that cannot
work is refused with one line naming the layer.
"""

from __future__ import annotations

from typing import Any

from seqtui.engine.config import PRESETS, Config
from seqtui.engine.errors import ConfigError
from seqtui.engine.models.kinds import (
    NEEDS_SEQUENCE,
    POOLS,
    RECURRENT,
    Layer,
    format_layer,
    normalize_layer,
    parse_layers,
)
from seqtui.engine.models.presets import preset_layers

Spec = dict[str, Any]


def stack_of(config: Config) -> list[Layer]:
    """The stack the user asked for, normalized: `model.layers`, or the preset's."""
    m = config.model
    if m.layers is None:
        if m.preset not in PRESETS:
            raise ConfigError(f"unknown preset {m.preset!r}", key="model.preset")
        return [normalize_layer(layer, i) for i, layer in enumerate(
            preset_layers(m.preset, m.units, m.dense_units, m.dropout, m.kernel_size))]
    raw = m.layers
    if isinstance(raw, str):
        return parse_layers(raw)
    if not isinstance(raw, list) or not raw:
        raise ConfigError("the layer stack is empty; give at least one layer, e.g. "
                          "\"bilstm(64) dense(64)\"", key="model.layers")
    return [normalize_layer(layer, i) for i, layer in enumerate(raw)]


def fixed_length(config: Config) -> bool:
    """Whether the model needs every batch padded to the max length (Flatten does)."""
    return any(layer["kind"] == "flatten" for layer in stack_of(config))


def input_length(config: Config, specs: list[Spec]) -> int | None:
    """The model's input length: the max length for a model that needs every batch padded to
    it (Flatten), else None, since batches are padded to their own longest text."""
    return config.tokenizer.max_length if not specs[0]["mask_zero"] else None


def stack_errors(config: Config) -> list[ConfigError]:
    """The stack's problems (none, or the first one), for forms and flag checks."""
    try:
        layer_specs(config)
    except ConfigError as exc:
        return [exc if exc.key else ConfigError(str(exc), key="model.layers")]
    return []


def layer_specs(config: Config, num_classes: int = 2, vocab_size: int | None = None) -> list[Spec]:
    """The model as data: the embedding, the stack with the engine's settings, the output."""
    stack = stack_of(config)
    length = config.tokenizer.max_length
    fixed = any(layer["kind"] == "flatten" for layer in stack)
    embedding: Layer = {"kind": "embedding", "dim": config.model.embedding_dim,
                        "trainable": True}
    offset = 1 if stack[0]["kind"] == "embedding" else 0  # layer numbers as the user wrote them
    if offset:
        embedding = {**embedding, **{k: v for k, v in stack[0].items() if v is not None}}
        stack = stack[1:]
    for i, layer in enumerate(stack):
        if layer["kind"] == "embedding":
            raise ConfigError(f"layer {i + 1 + offset} ({format_layer(layer)}): an embedding "
                              "can only be the first layer", key="model.layers")
    if config.model.embeddings:  # pretrained vectors: frozen unless asked
        embedding["trainable"] = config.model.embeddings_trainable
    specs: list[Spec] = [{"kind": "embedding", "input_dim": vocab_size or
                          config.planned_vocab_size, "output_dim": embedding["dim"],
                          "mask_zero": not fixed, "trainable": embedding["trainable"]}]
    sequence, steps, dim = True, length, embedding["dim"]
    positions_added = False
    pooled_by: str | None = None
    for i, layer in enumerate(stack):
        kind = layer["kind"]
        label = f"layer {i + 1 + offset} ({format_layer(layer)})"
        if kind in NEEDS_SEQUENCE and not sequence:
            raise ConfigError(f"{label} needs a sequence, but {pooled_by} before it made one "
                              f"vector; put {kind} before {pooled_by}", key="model.layers")
        spec: Spec = dict(layer)
        if kind in RECURRENT:
            # A later layer that reads a sequence needs every step: the engine's job.
            spec["return_sequences"] = any(later["kind"] in NEEDS_SEQUENCE
                                           for later in stack[i + 1:])
            if not spec["return_sequences"]:
                sequence, pooled_by = False, label
            dim = layer["units"] * (2 if layer["bidirectional"] else 1)
        elif kind == "conv1d":
            reach = layer["dilation"] * (layer["kernel"] - 1) + 1
            if layer["stride"] > 1 and layer["dilation"] > 1:
                raise ConfigError(f"{label}: a stride and a dilation cannot both be above 1; "
                                  "keep one of them at 1", key="model.layers")
            if steps is not None and reach > steps:
                raise ConfigError(f"{label}: the kernel spans {reach} steps but the sequence "
                                  f"has {steps} (max length {length}); use a kernel of at most "
                                  f"{steps} or a longer max length", key="model.layers")
            steps = _strided(steps, layer["stride"])
            dim = layer["filters"]
        elif kind in ("maxpool", "avgpool"):
            spec["stride"] = layer.get("stride") or layer["size"]
            if steps is not None and layer["size"] > steps:
                raise ConfigError(f"{label}: the pool spans {layer['size']} steps but the "
                                  f"sequence has {steps}; use a pool of at most {steps}",
                                  key="model.layers")
            steps = _strided(steps, spec["stride"])
        elif kind == "transformer":
            if steps is None:
                raise ConfigError(f"{label} needs a max length for its learned position "
                                  "embeddings: set --max-length (e.g. 512)",
                                  key="tokenizer.max_length")
            if not positions_added:
                specs.append({"kind": "positions", "length": steps, "dim": dim})
                positions_added = True
            spec["key_size"] = layer.get("key_size") or max(1, dim // layer["heads"])
            spec["ff"] = layer.get("ff") or 2 * dim
        elif kind == "flatten":
            if length is None:
                raise ConfigError(f"{label} needs a fixed length: set --max-length (the seeds "
                                  "use 120)", key="tokenizer.max_length")
            sequence, pooled_by = False, label
            dim = steps * dim
        elif kind in POOLS:
            sequence, pooled_by = False, label
        elif kind == "dense":
            dim = layer["units"]
        specs.append(spec)
    if sequence:
        last = f"layer {len(stack) + offset} ({format_layer(stack[-1])})" if stack else \
            "the embedding"
        raise ConfigError(f"the stack ends with a sequence after {last}; the output layer "
                          "needs one vector: end with a recurrent layer (lstm, bigru), a global "
                          "pooling (globalmax, globalavg) or flatten", key="model.layers")
    binary = num_classes <= 2
    specs.append({"kind": "dense", "units": 1 if binary else num_classes,
                  "activation": "sigmoid" if binary else "softmax", "output": True})
    return specs


def _strided(steps: int | None, stride: int) -> int | None:
    """Steps after a right-padded window of this stride: ceil(steps / stride)."""
    return None if steps is None else -(-steps // stride)
