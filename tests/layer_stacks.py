"""Hypothesis strategies for valid layer stacks, shared by the summary and padding tests."""

from __future__ import annotations

from hypothesis import strategies as st

from seqtui.engine.config import Config


@st.composite
def stacks(draw, max_length: int | None = None, variable_length: bool = False) -> list[dict]:
    """A valid stack: sequence layers, one layer that makes a vector, then vector layers."""
    steps = max_length
    layers: list[dict] = []
    if draw(st.booleans()):
        layers.append({"kind": "embedding", "dim": draw(st.integers(2, 12)),
                       "trainable": draw(st.booleans())})
    for _ in range(draw(st.integers(0, 3))):
        kinds = ["conv1d", "maxpool", "avgpool", "spatialdropout", "layernorm", "dense",
                 "dropout", "lstm", "gru", "rnn"]
        if steps is not None:
            kinds.append("transformer")
        kind = draw(st.sampled_from(kinds))
        if kind == "conv1d":
            stride = draw(st.integers(1, 2))
            dilation = 1 if stride > 1 else draw(st.integers(1, 2))
            kernel = draw(st.integers(1, 4))
            if steps is not None and dilation * (kernel - 1) + 1 > steps:
                continue
            layers.append({"kind": "conv1d", "filters": draw(st.integers(1, 6)),
                           "kernel": kernel, "stride": stride, "dilation": dilation,
                           "activation": draw(st.sampled_from(["relu", "tanh", "linear"]))})
            steps = None if steps is None else -(-steps // stride)
        elif kind in ("maxpool", "avgpool"):
            size = draw(st.integers(1, 3))
            if steps is not None and size > steps:
                continue
            stride = draw(st.sampled_from([None, 1, 2]))
            layer = {"kind": kind, "size": size}
            if stride:
                layer["stride"] = stride
            layers.append(layer)
            steps = None if steps is None else -(-steps // (stride or size))
        elif kind in ("spatialdropout", "dropout"):
            layers.append({"kind": kind, "rate": 0.25})
        elif kind == "layernorm":
            layers.append({"kind": "layernorm"})
        elif kind == "dense":
            layers.append({"kind": "dense", "units": draw(st.integers(1, 6)),
                           "activation": "relu"})
        elif kind == "transformer":
            layers.append({"kind": "transformer", "heads": draw(st.integers(1, 3)),
                           "key_size": draw(st.integers(1, 4)), "ff": draw(st.integers(1, 8)),
                           "dropout": 0.1})
        else:
            layers.append({"kind": kind, "units": draw(st.integers(1, 5)),
                           "bidirectional": draw(st.booleans()),
                           "dropout": draw(st.sampled_from([0.0, 0.2])),
                           "recurrent_dropout": 0.0})
    reducers = ["globalmax", "globalavg", "lstm", "gru", "rnn"]
    if steps is not None and not variable_length:
        reducers.append("flatten")
    reducer = draw(st.sampled_from(reducers))
    if reducer in ("lstm", "gru", "rnn"):
        layers.append({"kind": reducer, "units": draw(st.integers(1, 5)),
                       "bidirectional": draw(st.booleans()), "dropout": 0.0,
                       "recurrent_dropout": 0.0})
    else:
        layers.append({"kind": reducer})
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):
            layers.append({"kind": "dense", "units": draw(st.integers(1, 6)),
                           "activation": "relu"})
        else:
            layers.append(draw(st.sampled_from([{"kind": "dropout", "rate": 0.3},
                                                {"kind": "layernorm"}])))
    return layers


def stack_config(layers, vocab: int = 40, dim: int = 6, max_length: int | None = None) -> Config:
    c = Config()
    c.model.layers, c.tokenizer.vocab_size, c.model.embedding_dim = layers, vocab, dim
    c.tokenizer.max_length = max_length
    return c.validate()
