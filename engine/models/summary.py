"""Layers, output shapes and parameter counts from the specs alone, without TensorFlow: the
TUI's live preview and `seqtui summary` use it; a test proves it equals Keras's count."""

from __future__ import annotations

from dataclasses import dataclass

from seqtui.engine.config import Config
from seqtui.engine.models.specs import layer_specs


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
