"""The compact form and the tables: parsed, normalized, written back, TOML round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from layer_stacks import stacks
from seqtui.engine.config import Config
from seqtui.engine.errors import ConfigError
from seqtui.engine.models.kinds import format_layers, normalize_layer, parse_layers


def test_the_compact_form_names_every_argument():
    assert parse_layers("conv1d(128,5) maxpool(2) bigru(64) dropout(0.3) dense(64)") == [
        {"kind": "conv1d", "filters": 128, "kernel": 5, "stride": 1, "dilation": 1,
         "activation": "relu"},
        {"kind": "maxpool", "size": 2},
        {"kind": "gru", "units": 64, "bidirectional": True, "dropout": 0.0,
         "recurrent_dropout": 0.0},
        {"kind": "dropout", "rate": 0.3},
        {"kind": "dense", "units": 64, "activation": "relu"},
    ]
    assert parse_layers("lstm(32, recurrent_dropout=0.2), globalmax")[0]["recurrent_dropout"] \
        == 0.2


def test_format_gives_the_compact_form_back():
    text = "embedding(100) spatialdropout(0.2) bilstm(64) globalmax dense(64)"
    assert format_layers(parse_layers(text)) == text
    assert format_layers(parse_layers("conv1d(8, 3, stride=2) lstm(4, dropout=0.1)")) == \
        "conv1d(8, 3, stride=2) lstm(4, dropout=0.1)"


@settings(max_examples=60, deadline=None)
@given(layers=stacks(max_length=30))
def test_tables_and_the_compact_form_agree(layers):
    normalized = [normalize_layer(layer, i) for i, layer in enumerate(layers)]
    assert parse_layers(format_layers(normalized)) == normalized
    c = Config()
    c.model.layers = normalized
    c.tokenizer.max_length = 30
    assert Config.from_toml_text(c.to_toml()) == c


@pytest.mark.parametrize("raw, words", [
    ({"kind": "lstmm", "units": 3}, "did you mean 'lstm'?"),
    ({"units": 3}, "every layer needs a kind"),
    ({"kind": "dense"}, "layer 1 (dense) needs units, e.g. dense(64)"),
    ({"kind": "conv1d", "filters": 8, "activation": "rel"}, "did you mean 'relu'?"),
    ({"kind": "lstm", "units": True}, "units must be a positive integer"),
    ({"kind": "globalmax", "size": 2}, "globalmax takes no arguments"),
])
def test_bad_tables_name_the_layer_and_the_fix(raw, words):
    with pytest.raises(ConfigError, match=None) as caught:
        normalize_layer(raw, 0)
    assert words in str(caught.value)
