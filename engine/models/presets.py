"""The built-in presets as named layer stacks: the seeds' models, a Transformer encoder (the
modern baseline) and a convolution under a BiLSTM. `--units`, `--dense-units`, `--dropout` and
`--kernel-size` fill in a preset's numbers, as they always did."""

from __future__ import annotations

from seqtui.engine.config import DEFAULT_UNITS, PRESETS
from seqtui.engine.models.kinds import Layer

RECURRENT_PRESETS = {"rnn": ("rnn", False), "lstm": ("lstm", False), "bilstm": ("lstm", True),
                     "stacked-bilstm": ("lstm", True), "bigru": ("gru", True)}
DESCRIPTIONS = {
    "gap": "the seeds' baseline: average of the embeddings",
    "flatten": "the embeddings flattened (needs --max-length)",
    "rnn": "SimpleRNN", "lstm": "LSTM", "bilstm": "bidirectional LSTM",
    "stacked-bilstm": "two bidirectional LSTMs", "bigru": "bidirectional GRU",
    "conv1d": "a masked convolution, averaged", "transformer": "a Transformer encoder block "
    "with learned positions (needs --max-length)",
    "cnn-bilstm": "a convolution and max pooling under a bidirectional LSTM",
}


def preset_layers(preset: str, units: list[int] | None = None, dense_units: int = 64,
                  dropout: float = 0.0, kernel_size: int = 5) -> list[Layer]:
    """The stack of a built-in preset: its body, the seeds' Dense head, with dropout after the
    body and the head when a rate is given."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}")
    units = list(DEFAULT_UNITS[preset] if units is None else units)
    body: list[Layer]
    if preset == "gap":
        body = [{"kind": "globalavg"}]
    elif preset == "flatten":
        body = [{"kind": "flatten"}]
    elif preset in RECURRENT_PRESETS:
        cell, bidirectional = RECURRENT_PRESETS[preset]
        body = [_recurrent(cell, u, bidirectional) for u in units]
    elif preset == "conv1d":
        body = [_conv(u, kernel_size) for u in units] + [{"kind": "globalavg"}]
    elif preset == "transformer":
        # One encoder block per value; the value is the block's feed-forward size.
        body = [{"kind": "transformer", "heads": 2, "ff": u, "dropout": 0.1} for u in units]
        body.append({"kind": "globalavg"})
    else:  # cnn-bilstm: filters, then LSTM units
        filters, lstm_units = (units + DEFAULT_UNITS["cnn-bilstm"][len(units):])[:2]
        body = [_conv(filters, kernel_size), {"kind": "maxpool", "size": 2},
                _recurrent("lstm", lstm_units, True)]
    stack = list(body)
    if dropout > 0:
        stack.append({"kind": "dropout", "rate": dropout})
    stack.append({"kind": "dense", "units": dense_units, "activation": "relu"})
    if dropout > 0:
        stack.append({"kind": "dropout", "rate": dropout})
    return stack


def _recurrent(cell: str, units: int, bidirectional: bool) -> Layer:
    return {"kind": cell, "units": units, "bidirectional": bidirectional, "dropout": 0.0,
            "recurrent_dropout": 0.0}


def _conv(filters: int, kernel: int) -> Layer:
    return {"kind": "conv1d", "filters": filters, "kernel": kernel, "stride": 1, "dilation": 1,
            "activation": "relu"}
