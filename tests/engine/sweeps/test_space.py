"""The search space: flags and TOML files parsed by the field's type, checked against the config
schema; the grid in the user's order; GPU round robin without a GPU."""

from __future__ import annotations

import pytest

from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.sweeps.devices import trial_device, visible_gpus
from seqtui.engine.sweeps.space import (
    Param,
    apply_params,
    check_space,
    grid,
    parse_search,
    read_space_file,
)


def test_flags_follow_the_fields_type():
    assert parse_search("model.dropout=0:0.5") == Param("model.dropout", "float", 0.0, 0.5)
    assert parse_search("training.learning_rate=1e-4:1e-2:log") == Param(
        "training.learning_rate", "float", 1e-4, 1e-2, log=True)
    embedding = parse_search("model.embedding_dim=8:64")
    assert embedding.kind == "int" and embedding.low == 8 and isinstance(embedding.high, int)
    assert parse_search("model.preset=bilstm,bigru,conv1d").choices == (
        "bilstm", "bigru", "conv1d")
    assert parse_search("model.units=32,64,128").choices == (32, 64, 128)


def test_a_units_choice_becomes_a_layer_list_on_the_config():
    config = apply_params(Config(), {"model.units": 32, "model.dropout": 0.25})
    assert config.model.units == [32] and config.model.dropout == 0.25
    assert apply_params(Config(), {"model.units": "64,32"}).model.units == [64, 32]


def test_a_toml_space_file(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text('[space]\n"model.dropout" = {low = 0, high = 0.5}\n'
                    '"training.learning_rate" = {low = 1e-4, high = 1e-2, log = true}\n'
                    '[space.model]\npreset = {choices = ["lstm", "bigru"]}\n'
                    'units = {choices = [32, [64, 32]]}\n')
    params = {p.name: p for p in read_space_file(path)}
    assert params["model.dropout"] == Param("model.dropout", "float", 0.0, 0.5)
    assert params["training.learning_rate"].log
    assert params["model.preset"].choices == ("lstm", "bigru")
    assert params["model.units"].choices == (32, "64,32")
    check_space(list(params.values()), Config(), "tpe")


@pytest.mark.parametrize("text, words", [
    ("model.dropot=0:0.5", "did you mean 'model.dropout'"),
    ("dropout=0:0.5", "did you mean 'model.dropout'"),
    ("model.dropout=0.5:0.1", "low (0.5) must be below high (0.1)"),
    ("model.dropout=0.2:0.2", "must be below high"),
    ("model.preset=", "no values"),
    ("model.preset=lstm,,gap", "empty choice"),
    ("model.units=1.5,2", "'1.5' is not an integer"),
    ("model.embedding_dim=8:abc", "'abc' is not an integer"),
    ("model.preset=0:1", "takes a list of choices"),
    ("training.learning_rate=0:1e-2:log", "log range needs low > 0"),
    ("model.dropout", "expected FIELD=LOW:HIGH"),
    ("training.monitor=val_loss,val_accuracy", "cannot be searched"),
])
def test_bad_flags_say_what_is_wrong(text, words):
    with pytest.raises(BadInput, match=None) as caught:
        check_space([parse_search(text)], Config(), "tpe")
    assert words in str(caught.value)


@pytest.mark.parametrize("texts, sampler, words", [
    (["model.dropout=0:1"], "tpe", "dropout must be in [0, 1)"),
    (["model.preset=bilsm,gap"], "tpe", "did you mean 'bilstm'"),
    (["model.dropout=0:0.4"], "grid", "grid sampler needs a list of values"),
    (["model.dropout=0:0.4", "model.dropout=0.1,0.2"], "tpe", "given twice"),
    ([], "tpe", "nothing to search"),
])
def test_values_are_checked_against_the_schema(texts, sampler, words):
    with pytest.raises(BadInput) as caught:
        check_space([parse_search(t) for t in texts], Config(), sampler)
    assert words in str(caught.value)


def test_the_grid_keeps_the_users_order_and_expands_integer_ranges():
    params = [parse_search("model.preset=gap,lstm"), parse_search("model.embedding_dim=8:9")]
    assert grid(params) == [
        {"model.preset": "gap", "model.embedding_dim": 8},
        {"model.preset": "gap", "model.embedding_dim": 9},
        {"model.preset": "lstm", "model.embedding_dim": 8},
        {"model.preset": "lstm", "model.embedding_dim": 9}]


def test_gpus_round_robin_unless_the_user_fixed_a_device():
    two = visible_gpus(env={}, smi_output="GPU 0: A100 (UUID: x)\nGPU 1: A100 (UUID: y)\n")
    assert two == ["gpu:0", "gpu:1"]
    assert [trial_device("auto", slot, two) for slot in range(3)] == ["gpu:0", "gpu:1", "gpu:0"]
    assert trial_device("gpu:1", 0, two) == "gpu:1"
    assert trial_device("cpu", 1, two) == "cpu"
    assert trial_device("auto", 1, []) == "auto"  # the CPU: trials share the cores
    assert visible_gpus(env={"CUDA_VISIBLE_DEVICES": "3,5"}) == ["gpu:0", "gpu:1"]
    assert visible_gpus(env={"CUDA_VISIBLE_DEVICES": "-1"}) == []
