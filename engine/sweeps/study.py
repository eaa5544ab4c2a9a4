"""The Optuna side of a sweep: storage, study, sampler, pruner and the search distributions.

The only module, with the controller, that imports Optuna (never the TUI, never a training
process). The default storage is Optuna's journal file in the sweep directory: no server.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from seqtui.engine.errors import BadInput
from seqtui.engine.sweeps.space import Param, grid
from seqtui.engine.sweeps.state import JOURNAL_FILE, direction_of

SAMPLERS = ("tpe", "random", "grid")
PRUNERS = ("median", "hyperband", "none")
SPEC_ATTR = "seqtui_spec"  # the study remembers its spec, so `--join` needs nothing else
# A trial asked for beyond the sweep's total (two controllers asked at once): told failed so no
# sampler learns from it, and counted nowhere.
NOT_RUN_ATTR = "seqtui_not_run"
# How seqtui says a trial ended (completed, early_stopped, pruned, stopped, failed): Optuna's
# states have no `stopped`, and tell a stopped trial without a value as failed.
STATUS_ATTR = "seqtui_status"

optuna.logging.set_verbosity(logging.WARNING)


def open_storage(spec: dict[str, Any], sweep_dir: Path) -> optuna.storages.BaseStorage:
    url = spec.get("storage")
    if not url:
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        return JournalStorage(JournalFileBackend(str(Path(sweep_dir) / JOURNAL_FILE)))
    return rdb_storage(url)


def rdb_storage(url: str) -> optuna.storages.BaseStorage:
    """An Optuna RDB storage; an unreachable or malformed URL is bad input, said in one line."""
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs={"pool_pre_ping": True})
    except ImportError as exc:
        raise BadInput(f"--storage {_safe(url)}: the database driver is missing "
                       f"({exc.name or exc}); for PostgreSQL: pip install 'seqtui[postgres]'") \
            from None
    except Exception as exc:  # noqa: BLE001 - sqlalchemy's errors are many and verbose
        raise BadInput(f"--storage {_safe(url)}: cannot open the database: "
                       f"{_first_line(exc)}") from None


def _safe(url: str) -> str:
    """A URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def make_sampler(spec: dict[str, Any]) -> optuna.samplers.BaseSampler:
    seed = spec.get("seed")
    if spec["sampler"] == "tpe":
        # Trials side by side: the constant liar keeps parallel trials from all picking the same
        # promising point.
        return optuna.samplers.TPESampler(seed=seed, constant_liar=spec.get("parallel", 1) > 1)
    # grid: every combination is queued in the study, in the user's order, when it is created;
    # the sampler then only ever sees fixed parameters.
    return optuna.samplers.RandomSampler(seed=seed)


def make_pruner(spec: dict[str, Any]) -> optuna.pruners.BasePruner:
    # Steps are epochs, counted from 1; the warm-up is the epochs every trial runs before it
    # may be pruned, so the first that may be judged is the one after them (the median
    # pruner's earliest step, hyperband's smallest budget).
    first = spec.get("pruner_warmup", 0) + 1
    if spec["pruner"] == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=spec.get("pruner_startup", 5),
                                           n_warmup_steps=first)
    if spec["pruner"] == "hyperband":
        epochs = max(int(spec["base"]["training"]["epochs"]), 1)
        return optuna.pruners.HyperbandPruner(min_resource=min(first, epochs),
                                              max_resource=epochs)
    return optuna.pruners.NopPruner()


def distributions(params: list[Param]) -> dict[str, BaseDistribution]:
    out: dict[str, BaseDistribution] = {}
    for p in params:
        if p.kind == "categorical":
            out[p.name] = CategoricalDistribution(list(p.choices))
        elif p.kind == "int":
            out[p.name] = IntDistribution(int(p.low), int(p.high), log=p.log)
        else:
            out[p.name] = FloatDistribution(float(p.low), float(p.high), log=p.log)
    return out


def create_study(spec: dict[str, Any], sweep_dir: Path, params: list[Param]) -> optuna.Study:
    storage = open_storage(spec, sweep_dir)
    try:
        study = optuna.create_study(storage=storage, study_name=spec["study"],
                                    direction=direction_of(spec["monitor"]),
                                    sampler=make_sampler(spec), pruner=make_pruner(spec))
    except optuna.exceptions.DuplicatedStudyError:
        raise BadInput(f"a study named {spec['study']} already exists in that storage; "
                       f"join it with --join {spec['study']}") from None
    except Exception as exc:  # noqa: BLE001 - a database that refuses: one line
        raise BadInput(f"cannot create the study: {_first_line(exc)}") from None
    study.set_user_attr(SPEC_ATTR, spec)
    if spec["sampler"] == "grid":
        for combo in grid(params)[: spec["trials"]]:
            study.enqueue_trial(combo)
    return study


def load_study(spec: dict[str, Any], sweep_dir: Path) -> optuna.Study:
    return optuna.load_study(study_name=spec["study"], storage=open_storage(spec, sweep_dir),
                             sampler=make_sampler(spec), pruner=make_pruner(spec))


def spec_in_storage(url: str, name: str) -> dict[str, Any]:
    """The spec of the study a `--join` names; BadInput when the storage has no such sweep."""
    storage = rdb_storage(url)
    try:
        names = [s.study_name for s in optuna.study.get_all_study_summaries(storage)]
    except Exception as exc:  # noqa: BLE001
        raise BadInput(f"--storage: cannot read the studies: {_first_line(exc)}") from None
    if name not in names:
        known = ", ".join(names[:5]) or "none"
        raise BadInput(f"--join {name}: no such sweep in that storage (sweeps there: {known})")
    study = optuna.load_study(study_name=name, storage=storage)
    spec = study.user_attrs.get(SPEC_ATTR)
    if not isinstance(spec, dict):
        raise BadInput(f"--join {name}: that study was not made by `seqtui sweep`")
    return spec


def counts_toward_total(trial: optuna.trial.FrozenTrial) -> bool:
    """Begun (not a queued grid point) and not one asked for beyond the total."""
    return trial.state != optuna.trial.TrialState.WAITING and not trial.user_attrs.get(NOT_RUN_ATTR)


def all_trials(spec: dict[str, Any], sweep_dir: Path) -> list[optuna.trial.FrozenTrial]:
    """Every trial of the study, whichever machine ran it (the leaderboard of a shared study)."""
    with contextlib.suppress(Exception):
        return [t for t in load_study(spec, sweep_dir).get_trials(deepcopy=False)
                if not t.user_attrs.get(NOT_RUN_ATTR)]
    return []
