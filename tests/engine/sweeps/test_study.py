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


def test_the_median_pruner_starts_up_on_an_eighth_of_the_trials_unless_told(tmp_path):
    space = [parse_search("model.dropout=0:0.5")]
    for trials, startup, asked in [(10, 2, None), (16, 2, None), (24, 3, None), (40, 5, None),
                                   (100, 5, None), (16, 0, 0), (16, 7, 7)]:
        path = create_sweep(Config(), space, tmp_path / f"{trials}-{asked}", trials=trials,
                            pruner_startup=asked)
        spec = read_spec(path)
        assert spec["pruner_startup"] == startup, (trials, asked)
        assert make_pruner(spec)._n_startup_trials == startup  # what Optuna was given


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


@pytest.mark.parametrize("storage", ["journal", "sqlite"])
def test_two_controllers_asking_at_the_same_instant_run_no_more_than_the_total(tmp_path,
                                                                               storage):
    from seqtui.engine.sweeps.controller import Controller
    from seqtui.engine.sweeps.study import NOT_RUN_ATTR

    # A base that cannot train (flatten without a max length): each trial started fails at
    # once, counted as a trial, with no training process.
    base = Config()
    base.model.preset = "flatten"
    url = f"sqlite:///{tmp_path / 'study.db'}" if storage == "sqlite" else None
    path = create_sweep(base, [parse_search("model.dropout=0:0.5")], tmp_path / "runs",
                        trials=1, pruner="none", storage=url)
    first, second = Controller(path, gpus=[]), Controller(path, gpus=[])
    asks = first.study.ask

    def ask_while_the_other_asks(*args, **kwargs):
        # Both have counted 0 of 1 trials begun: the second asks, and starts its trial, first.
        second.launch()
        return asks(*args, **kwargs)

    first.study.ask = ask_while_the_other_asks
    first.launch()

    assert first.started() == second.started() == 1
    events = read_sweep(path).events
    assert [e["trial"] for e in events if e["type"] == "trial_failed"] == [0]
    study = load_study(read_spec(path), path)
    [ran, extra] = study.get_trials()
    assert ran.state == extra.state == optuna.trial.TrialState.FAIL
    assert not ran.user_attrs.get(NOT_RUN_ATTR) and extra.user_attrs[NOT_RUN_ATTR] is True


@pytest.mark.parametrize("pruner", ["median", "hyperband"])
def test_a_trial_worse_than_the_others_is_asked_to_stop_as_pruned_after_its_warmup(tmp_path,
                                                                                 pruner):
    from seqtui.engine.runs.control import CONTROL_DIR, stop_reason
    from seqtui.engine.runs.events import EventTail
    from seqtui.engine.sweeps.controller import Active, Controller

    base = Config()
    base.training.epochs = 5  # hyperband: budgets 2 to 5 epochs, one bracket
    path = create_sweep(base, [parse_search("model.dropout=0:0.5")], tmp_path / "runs",
                        trials=2, pruner=pruner, pruner_startup=1, pruner_warmup=1)
    controller = Controller(path, gpus=[])

    def follow(number, losses):
        run_dir = tmp_path / f"run{number}"
        (run_dir / CONTROL_DIR).mkdir(parents=True)
        active = Active(controller.study.ask(controller.dists), run_dir, number,
                        EventTail(run_dir / "events.jsonl"))
        for epoch, loss in enumerate(losses, start=1):
            controller.report(active, {"type": "epoch_ended", "epoch": epoch,
                                       "logs": {"val_loss": loss}})
            if active.prune_asked:
                break
        return active, epoch

    learner, _ = follow(0, [0.6, 0.4, 0.3, 0.25, 0.2])
    assert not learner.prune_asked and stop_reason(learner.run_dir) is None
    controller.study.tell(learner.trial, 0.2)
    stuck, epoch = follow(1, [0.69, 0.69, 0.69, 0.69, 0.69])
    assert stuck.prune_asked and epoch == 2  # not in its warm-up epoch; at the first after it
    assert stop_reason(stuck.run_dir) == "pruned"  # the run's stop control, with the reason
