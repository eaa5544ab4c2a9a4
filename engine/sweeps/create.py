"""Making a sweep directory (or joining a shared study) and starting its controller process.

Everything is checked before the directory exists; if the study cannot be made, the directory is
removed again, so bad input never leaves a half-made sweep behind.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.control import CONTROL_DIR
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.process import write_pid
from seqtui.engine.runs.store import new_run_id
from seqtui.engine.sweeps.space import Param, grid
from seqtui.engine.sweeps.state import SPEC_FILE, direction_of


def default_pruner_startup(trials: int) -> int:
    """The median pruner's start-up trials (they run to the end before any trial is judged)
    when none are asked for: an eighth of the search, at least 2 (a median of one trial is
    that trial) and at most Optuna's own default of 5, reached at 40 trials. A fixed 5 would
    leave half of a 10-trial search beyond the pruner's reach; in the 16-trial search of
    bench/README.md, 2 instead of 5 cut the epochs run from 133 to 91 (171 unpruned) for the
    same best value."""
    return max(2, min(5, trials // 8))


def create_sweep(base: Config, params: list[Param], runs_dir: Path, *, trials: int | None,
                 parallel: int = 1, sampler: str = "tpe", pruner: str = "median",
                 storage: str | None = None, pruner_startup: int | None = None,
                 pruner_warmup: int = 0) -> Path:
    from seqtui.engine.sweeps.study import create_study, rdb_storage

    if sampler == "grid":
        size = len(grid(params))
        trials = min(trials, size) if trials else size
    trials = trials or 10
    if trials < 1 or parallel < 1:
        raise BadInput("--trials and --parallel must be at least 1")
    if pruner_startup is None:
        pruner_startup = default_pruner_startup(trials)
    if storage:
        rdb_storage(storage)  # unreachable: one line, before any directory exists
    resolved = base.resolved()
    name = resolved.name
    runs_dir = Path(runs_dir)
    try:
        runs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise BadInput(f"cannot create runs directory {runs_dir}: {exc.strerror}") from None
    sweep_id = new_run_id(f"sweep-{name}")
    path = runs_dir / sweep_id
    for attempt in range(2, 1000):
        if not path.exists():
            break
        path = runs_dir / f"{sweep_id}-{attempt}"
    spec = {
        "id": path.name, "study": path.name, "name": name, "base": resolved.to_dict(),
        "space": [p.to_dict() for p in params], "trials": trials, "parallel": parallel,
        "sampler": sampler, "pruner": pruner, "pruner_startup": pruner_startup,
        "pruner_warmup": pruner_warmup, "monitor": resolved.training.monitor,
        "direction": direction_of(resolved.training.monitor), "seed": resolved.training.seed,
        "storage": storage, "host": socket.gethostname(), "created": time.time(),
    }
    path.mkdir(mode=0o700)
    try:
        (path / CONTROL_DIR).mkdir(mode=0o700)
        write_private(path / SPEC_FILE, json.dumps(spec, indent=2) + "\n")
        create_study(spec, path, params)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return path


def join_sweep(name: str, storage: str, runs_dir: Path, parallel: int | None = None) -> Path:
    """A local sweep directory for another controller of a shared study: its own trials' runs
    and events; the spec comes from the study itself."""
    from seqtui.engine.sweeps.study import spec_in_storage

    spec: dict[str, Any] = dict(spec_in_storage(storage, name))
    spec.update(storage=storage, host=socket.gethostname(), joined=True, created=time.time())
    if parallel:
        spec["parallel"] = parallel
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = runs_dir / name
    for attempt in range(2, 1000):  # the same machine may hold the first controller's directory
        if not path.exists():
            break
        path = runs_dir / f"{name}.join{attempt}"
    spec["id"] = path.name
    path.mkdir(mode=0o700)
    (path / CONTROL_DIR).mkdir(mode=0o700)
    write_private(path / SPEC_FILE, json.dumps(spec, indent=2) + "\n")
    return path


def controller_command(sweep_dir: Path) -> list[str]:
    return [sys.executable, "-m", "seqtui", "sweep", "--controller", str(sweep_dir)]


def spawn_controller(sweep_dir: Path) -> int:
    """The controller in its own session (a hung-up terminal does not reach it), lowering its
    priority as detached runs do; its output goes to SWEEP/controller.log."""
    sweep_dir = Path(sweep_dir)
    log_fd = os.open(sweep_dir / "controller.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        process = subprocess.Popen(
            controller_command(sweep_dir), stdin=subprocess.DEVNULL, stdout=log_fd,
            stderr=log_fd, start_new_session=True, close_fds=True,
            env={**os.environ, "SEQTUI_DETACHED": "1"})
    finally:
        os.close(log_fd)
    write_pid(sweep_dir, process.pid)
    return process.pid
