"""The Optuna side without training: samplers, pruners, the grid queued in order, the journal
file in the sweep directory, and a sweep directory that is never half-made."""

from __future__ import annotations

import optuna
import pytest

from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.sweeps.create import create_sweep
from seqtui.engine.sweeps.space import parse_search
from seqtui.engine.sweeps.state import read_spec, read_sweep
from seqtui.engine.sweeps.study import distributions, load_study, make_pruner, make_sampler


def spec(**overrides):
    base = {"sampler": "tpe", "pruner": "median", "seed": 42, "parallel": 1,
            "base": Config().to_dict(), "pruner_startup": 5, "pruner_warmup": 0}
    return {**base, **overrides}


def test_samplers_and_pruners_by_name():
    assert isinstance(make_sampler(spec()), optuna.samplers.TPESampler)
    assert isinstance(make_sampler(spec(sampler="random")), optuna.samplers.RandomSampler)
    assert isinstance(make_pruner(spec()), optuna.pruners.MedianPruner)
    assert isinstance(make_pruner(spec(pruner="hyperband")), optuna.pruners.HyperbandPruner)
    assert isinstance(make_pruner(spec(pruner="none")), optuna.pruners.NopPruner)


def test_a_seeded_tpe_sweep_asks_the_same_points_again(tmp_path):
    params = [parse_search("training.learning_rate=1e-4:1e-1:log"),
              parse_search("model.preset=lstm,bigru")]
    asked = []
    for name in ("a", "b"):
        path = create_sweep(Config(), params, tmp_path / name, trials=3)
        study = load_study(read_spec(path), path)
        asked.append([study.ask(distributions(params)).params for _ in range(3)])
        assert (path / "study.journal").exists()
    assert asked[0] == asked[1]


def test_the_grid_is_queued_in_the_users_order_and_sets_the_trial_count(tmp_path):
    params = [parse_search("model.preset=gap,lstm"), parse_search("model.dropout=0.1,0.2")]
    path = create_sweep(Config(), params, tmp_path, trials=None, sampler="grid")
    sweep = read_sweep(path)
    assert sweep.trials_total == 4 and sweep.status == "pending"
    study = load_study(sweep.spec, path)
    order = [study.ask(distributions(params)).params for _ in range(4)]
    assert order == [{"model.preset": "gap", "model.dropout": 0.1},
                     {"model.preset": "gap", "model.dropout": 0.2},
                     {"model.preset": "lstm", "model.dropout": 0.1},
                     {"model.preset": "lstm", "model.dropout": 0.2}]


def test_an_unreachable_storage_leaves_no_sweep_directory(tmp_path):
    with pytest.raises(BadInput, match="cannot open the database"):
        create_sweep(Config(), [parse_search("model.dropout=0:0.5")], tmp_path / "runs",
                     trials=2, storage="postgresql://nobody@127.0.0.1:9/none")
    assert not (tmp_path / "runs").exists()
