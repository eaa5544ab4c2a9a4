"""Every layer kind trains on the demo data: a real epoch on a tiny model, finite losses."""

from __future__ import annotations

import math

import pytest

from helpers import tiny_config
from seqtui.engine.models.kinds import KINDS, parse_layers
from seqtui.engine.training.train import train

# Together these use every kind at least once (checked below).
STACKS = [
    ("embedding(8) spatialdropout(0.1) conv1d(8,3,stride=2) maxpool(2) layernorm bigru(4) "
     "dense(8) dropout(0.2)", None),
    ("lstm(4, recurrent_dropout=0.1) transformer(2,4,8) avgpool(2) rnn(4) dense(4)", 40),
    ("conv1d(8,3,dilation=2) globalmax dense(4)", None),
    ("gru(4) globalavg", None),
    ("flatten dense(4)", 20),
]


def test_the_stacks_cover_every_kind():
    used = {layer["kind"] for text, _ in STACKS for layer in parse_layers(text)}
    assert used == set(KINDS)


@pytest.mark.parametrize("text, max_length", STACKS)
def test_every_kind_trains_for_an_epoch_on_demo(text, max_length):
    config = tiny_config("gap")
    config.model.layers = parse_layers(text)
    config.tokenizer.max_length = max_length
    result = train(config)
    assert result["status"] == "completed"
    history = result["model"].history.history
    assert all(math.isfinite(v) for v in history["loss"] + history["val_loss"])
