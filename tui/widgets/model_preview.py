"""The live model preview: layers, output shapes and parameters from the pure-Python summary."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from seqtui.engine.config import Config
from seqtui.engine.models.specs import layer_specs
from seqtui.engine.models.summary import format_shape, summarize

_CELLS = {"lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN"}
# Short names a Keras user reads at a glance (the engine's own layer classes, such as
# MaskedConv1D, are its business), narrow enough for the preview at 80 columns.
_NAMES = {"embedding": "Embedding", "conv1d": "Conv1D", "maxpool": "MaxPool1D",
          "avgpool": "AvgPool1D", "globalavg": "GlobalAvg1D", "globalmax": "GlobalMax1D",
          "flatten": "Flatten", "spatialdropout": "SpatialDrop", "dropout": "Dropout",
          "layernorm": "LayerNorm", "positions": "Positions", "transformer": "Transformer",
          "dense": "Dense"}


def layer_name(spec: dict[str, Any]) -> str:
    """A recurrent layer says its cell (BiLSTM, GRU); the rest their Keras family."""
    kind = spec["kind"]
    if kind in _CELLS:
        return ("Bi" if spec.get("bidirectional") else "") + _CELLS[kind]
    return _NAMES.get(kind, kind)


def compact_shape(shape: tuple[int | None, ...]) -> str:
    """A shape without its batch dimension, ? for a length known only at run time: 64, ?x64."""
    return "x".join("?" if d is None else str(d) for d in shape[1:])


KERAS_SHAPES_ROOM = 40  # the preview's width from which Keras's shapes are shown, if they fit


class ModelPreview(Static):
    """Redrawn whenever the form's config changes; says why when it cannot be drawn. Shapes are
    Keras's `(None, None, 64)` where the panel is wide and they fit, `?x64` (no batch
    dimension) otherwise."""

    shown_config: tuple[Config | None, str] = (None, "")

    def on_resize(self) -> None:
        self.show(*self.shown_config)

    def show(self, config: Config | None, problem: str = "") -> None:
        self.shown_config = (config, problem)
        if config is None:
            self.unavailable(problem)
            return
        try:
            summary = summarize(config)
            names = [layer_name(spec) for spec in layer_specs(config)]
        except (ValueError, TypeError, KeyError) as exc:
            self.unavailable(str(exc))
            return
        if len(names) != len(summary.rows):
            names = [row.type for row in summary.rows]
        counts = [f"{row.params:,}" for row in summary.rows]
        total = f"{summary.total_params:,}"
        shapes = [format_shape(row.output_shape) for row in summary.rows]
        room = self.content_size.width or KERAS_SHAPES_ROOM
        # Narrow (the form at 80 columns), shapes are always ?x64: whether Keras's fitted
        # depended on the model's names and counts, so one model read (None, 128) and the
        # next 128 at the same width.
        if room < KERAS_SHAPES_ROOM or \
                max(map(len, names)) + max(map(len, shapes)) + len(total) + 2 > room:
            shapes = [compact_shape(row.output_shape) for row in summary.rows]
        table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, expand=True)
        table.add_column("layer", overflow="ellipsis", no_wrap=True,
                         min_width=min(11, max(map(len, names))))
        table.add_column("output", overflow="ellipsis", no_wrap=True)  # the first to give way
        table.add_column("params", justify="right", no_wrap=True, min_width=len(total))
        for name, shape, count in zip(names, shapes, counts, strict=True):
            table.add_row(name, shape, count)
        table.add_section()
        table.add_row(Text("Total", style="bold"), "", Text(total, style="bold"))
        self.update(table)
        self.border_subtitle = f"{total} params"

    def unavailable(self, problem: str) -> None:
        self.update(Text(f"No preview: {problem}", style="italic"))
        self.border_subtitle = ""  # not the last good model's count
