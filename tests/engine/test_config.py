"""The typed config: seeds' defaults, one clear message per bad field, TOML/JSON round trips."""

from __future__ import annotations

import json

import pytest

from seqtui.engine.config import Config, differing_settings
from seqtui.engine.config_rules import field_errors
from seqtui.engine.errors import ConfigError


def test_defaults_reproduce_the_seeds_bilstm():
    c = Config().resolved()
    assert (c.model.preset, c.model.embedding_dim, c.model.units, c.model.dense_units) == \
        ("bilstm", 64, [64], 64)
    assert (c.training.optimizer, c.training.batch_size, c.training.epochs) == ("adam", 64, 10)
    assert c.data.dataset == "demo"
    assert field_errors(c) == []


def test_stacked_preset_defaults_to_the_seeds_units():
    c = Config()
    c.model.preset = "stacked-bilstm"
    assert c.resolved().model.units == [64, 32]


def test_toml_and_json_round_trip():
    c = Config()
    c.model.preset = "stacked-bilstm"
    c.model.units = [64, 32]
    c.tokenizer.max_length = 120
    c.data.subset = 0.1
    c.training.learning_rate = 3e-4
    c.hardware.mixed_precision = True
    c.training.lr_schedule, c.training.lr_min, c.training.min_delta = "cosine", 1e-5, 0.001
    c.training.class_weight, c.training.metrics = "balanced", ["precision", "auc"]
    assert Config.from_toml_text(c.to_toml()) == c
    assert Config.from_dict(json.loads(c.to_json())) == c


@pytest.mark.parametrize("key, value, words", [
    ("model.preset", "bilstn", "did you mean 'bilstm'"),
    ("tokenizer.kind", "subword", "did you mean 'subwords'"),
    ("training.optimizer", "adma", "did you mean 'adam'"),
    ("training.epochs", 0, "positive integer"),
    ("training.batch_size", -3, "positive integer"),
    ("model.units", [64, 0], "positive integers"),
    ("tokenizer.vocab_size", 1, "at least 3"),
    ("tokenizer.max_length", 0, "positive integer"),
    ("model.dropout", 1.0, "[0, 1)"),
    ("model.dropout", -0.1, "[0, 1)"),
    ("training.learning_rate", 0, "positive number"),
    ("data.dataset", "imbd", "unknown dataset"),
    ("data.dataset", "folder:", "needs a name or path"),
    ("hardware.device", "tpu", "auto, cpu, gpu or gpu:N"),
    ("training.min_delta", -0.1, "at least 0"),
    ("training.min_delta", float("nan"), "at least 0"),
    ("training.lr_schedule", "cosin", "did you mean 'cosine'"),
    ("training.lr_factor", 1.0, "between 0 and 1"),
    ("training.lr_patience", -1, "at least 0"),
    ("training.lr_min", -1e-3, "at least 0"),
    ("training.class_weight", "balance", "did you mean 'balanced'"),
    ("training.metrics", ["precison"], "did you mean 'precision'"),
    ("training.metrics", ["auc", "auc"], "twice"),
    ("training.metrics", "auc", "a list of names"),
])
def test_each_bad_field_gets_one_message_naming_it(key, value, words):
    c = Config()
    section, name = key.split(".")
    setattr(getattr(c, section), name, value)
    errors = field_errors(c)
    assert [e.key for e in errors] == [key]
    assert words in str(errors[0])


def test_a_schedule_needs_a_floor_below_the_rate():
    c = Config()
    c.training.lr_min = 0.01  # above the default rate: harmless while the rate is constant
    assert field_errors(c) == []
    c.training.lr_schedule = "plateau"
    errors = field_errors(c)
    assert [e.key for e in errors] == ["training.lr_min"]
    assert "below the learning rate (0.001)" in str(errors[0])


def test_gap_takes_no_units():
    c = Config()
    c.model.preset = "gap"
    c.model.units = [16]
    assert [e.key for e in field_errors(c)] == ["model.units"]


def test_flatten_needs_a_max_length():
    c = Config()
    c.model.preset = "flatten"
    assert "max length" in str(field_errors(c)[0])


def test_unknown_key_is_an_error_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"unknown key 'model.embeding_dim'.*'embedding_dim'"):
        Config.from_toml_text("[model]\nembeding_dim = 32\n")
    with pytest.raises(ConfigError, match=r"unknown key 'trainig'.*'training'"):
        Config.from_toml_text("[trainig]\nepochs = 3\n")


def test_malformed_toml_names_the_line():
    with pytest.raises(ConfigError, match=r"line 3"):
        Config.from_toml_text("[model]\nunits = [64]\npreset = lstm\n")


def test_config_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        Config.from_file(tmp_path / "nope.toml")
    bad = tmp_path / "c.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="must be an object"):
        Config.from_file(bad)


def test_differing_settings_lists_only_what_differs():
    a, b = Config(), Config()
    b.model.preset = "lstm"
    b.training.epochs = 3
    assert differing_settings([a.to_dict(), b.to_dict()]) == ["model.preset", "training.epochs"]
