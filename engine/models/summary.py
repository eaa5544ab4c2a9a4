"""Layers, output shapes and parameter counts from the specs alone, without TensorFlow: the
TUI's live preview and `seqtui summary` use it; a test proves it equals Keras's count."""

from __future__ import annotations

from dataclasses import dataclass

from seqtui.engine.config import Config
from seqtui.engine.models.specs import input_length, layer_specs


@dataclass
class LayerRow:
    name: str
    type: str
    output_shape: tuple[int | None, ...]
    params: int
    trainable: bool = True


@dataclass
class ModelSummary:
    rows: list[LayerRow]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def trainable_params(self) -> int:
        return sum(r.params for r in self.rows if r.trainable)

    def table(self, width: int = 78) -> str:
        """A text table in the shape of Keras's model.summary(), at most `width` columns wide
        (78: an 80-column terminal, or the dashboard's Model tab in one). A `name (Type)` that
        does not fit its column puts the type on a line of its own, as Keras's own summary
        does, rather than pushing the other columns past the edge."""
        shapes = [format_shape(row.output_shape) for row in self.rows]
        counts = [f"{row.params:,}" for row in self.rows]
        shape_width = max([len("Output Shape"), *map(len, shapes)]) + 2
        count_width = max([len("Param #"), *map(len, counts)]) + 2
        labels = [f"{row.name} ({row.type})" for row in self.rows]
        name_width = min(max([32, *(len(label) + 1 for label in labels)]),
                         max(width - shape_width - count_width, 16))
        total = name_width + shape_width + count_width
        lines = [f"{'Layer (type)':<{name_width}}{'Output Shape':<{shape_width}}"
                 f"{'Param #':>{count_width}}", "=" * total]
        for row, shape, count in zip(self.rows, shapes, counts, strict=True):
            label = f"{row.name} ({row.type})"
            wrapped = len(label) >= name_width
            first = row.name if wrapped else label
            lines.append(f"{first:<{name_width}}{shape:<{shape_width}}{count:>{count_width}}")
            if wrapped:
                lines.append(f"({row.type})")
        lines += ["-" * total, f"Total params: {self.total_params:,}",
                  f"Trainable params: {self.trainable_params:,}",
                  f"Non-trainable params: {self.total_params - self.trainable_params:,}"]
        return "\n".join(lines)


def format_shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def summarize(config: Config, num_classes: int = 2, vocab_size: int | None = None) -> ModelSummary:
    """Layers, output shapes and parameter counts, computed without TensorFlow."""
    specs = layer_specs(config, num_classes, vocab_size)
    shape: tuple[int | None, ...] = (None, input_length(config, specs))
    rows: list[LayerRow] = []
    seen: dict[str, int] = {}

    def name_for(base: str) -> str:
        n = seen.get(base, 0)
        seen[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    for spec in specs:
        layer_type, params, shape = _layer(spec, shape)
        base = _POOL_NAMES.get(spec["kind"]) or _KERAS_NAMES.get(layer_type, layer_type.lower())
        row = LayerRow(name_for(base), layer_type, shape, params)
        if spec["kind"] == "embedding" and not spec["trainable"]:
            row.trainable = False
        rows.append(row)
    return ModelSummary(rows)


# Keras names a layer after its class: these are the names its summary shows.
_KERAS_NAMES = {"Embedding": "embedding", "Bidirectional": "bidirectional", "LSTM": "lstm",
                "GRU": "gru", "SimpleRNN": "simple_rnn", "MaskedConv1D": "conv1d",
"GlobalAveragePooling1D": "global_average_pooling1d",
                "MaskedGlobalMaxPooling1D": "global_max_pooling1d",
                "SpatialDropout1D": "spatial_dropout1d", "Dropout": "dropout", "Dense": "dense",
                "LayerNormalization": "layer_normalization", "PositionEmbedding": "positions",
                "TransformerEncoder": "transformer_encoder", "Flatten": "flatten"}
_POOL_NAMES = {"maxpool": "max_pooling1d", "avgpool": "average_pooling1d"}
_CELLS = {"rnn": ("SimpleRNN", 1), "lstm": ("LSTM", 4), "gru": ("GRU", 3)}


def _layer(spec: dict, shape: tuple[int | None, ...]) -> tuple[str, int,
                                                             tuple[int | None, ...]]:
    """One spec: its Keras class name, parameter count and output shape."""
    kind = spec["kind"]
    d = shape[-1] if len(shape) == 3 else None
    steps = shape[1]
    if kind == "embedding":
        return "Embedding", spec["input_dim"] * spec["output_dim"], \
            (None, steps, spec["output_dim"])
    if kind in _CELLS:
        cell, gates = _CELLS[kind]
        u = spec["units"]
        bias = 2 * u if kind == "gru" else u  # GRU's reset_after keeps two biases
        params = gates * (int(d) * u + u * u + bias)
        out = u
        if spec["bidirectional"]:
            params, out, cell = 2 * params, 2 * u, "Bidirectional"
        return cell, params, (None, steps, out) if spec["return_sequences"] else (None, out)
    if kind == "conv1d":
        params = spec["kernel"] * int(d) * spec["filters"] + spec["filters"]
        return "MaskedConv1D", params, (None, _strided(steps, spec["stride"]), spec["filters"])
    if kind in ("maxpool", "avgpool"):
        return "MaskedPooling1D", 0, (None, _strided(steps, spec["stride"]), d)
    if kind == "globalavg":
        return "GlobalAveragePooling1D", 0, (None, d)
    if kind == "globalmax":
        return "MaskedGlobalMaxPooling1D", 0, (None, d)
    if kind == "flatten":
        return "Flatten", 0, (None, None if steps is None else steps * int(d))
    if kind == "spatialdropout":
        return "SpatialDropout1D", 0, shape
    if kind == "dropout":
        return "Dropout", 0, shape
    if kind == "layernorm":
        return "LayerNormalization", 2 * int(shape[-1]), shape
    if kind == "positions":
        return "PositionEmbedding", spec["length"] * spec["dim"], shape
    if kind == "transformer":
        h, k, ff, dm = spec["heads"], spec["key_size"], spec["ff"], int(d)
        attention = 3 * (dm * h * k + h * k) + h * k * dm + dm
        feed_forward = dm * ff + ff + ff * dm + dm
        return "TransformerEncoder", attention + feed_forward + 4 * dm, shape
    if kind == "dense":
        u = spec["units"]
        return "Dense", int(shape[-1]) * u + u, (*shape[:-1], u)
    raise ValueError(f"unknown layer kind {kind!r}")


def _strided(steps: int | None, stride: int) -> int | None:
    return None if steps is None else -(-steps // stride)
