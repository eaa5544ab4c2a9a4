"""Getting a finished or interrupted run ready to train again from its last finished epoch: the
checks that refuse a resume, then the changes that make one (the epochs to train to, stale stop
and pause requests cleared). The CLI's `seqtui resume` and the TUI's resume keys both use it, so
the two cannot disagree on what may resume."""

from __future__ import annotations

from pathlib import Path

from seqtui.engine.errors import BadInput
from seqtui.engine.runs.control import CONTROL_DIR, request_resume
from seqtui.engine.runs.files import write_private
from seqtui.engine.runs.status import RunInfo, read_run


def prepare_resume(run_dir: Path, epochs: int | None = None,
                   start_again: str | None = None) -> RunInfo:
    """Check that the run can continue and clear what would stop it at once; `epochs` (more than
    it has done) trains a finished run further and is written to config.json, which the resumed
    process reads. Raises BadInput, having changed nothing, when the run cannot resume;
    `start_again` says how to start a run over that never finished an epoch."""
    run_dir = Path(run_dir)
    info = read_run(run_dir)
    if info.status == "running":
        raise BadInput(f"run {info.id} is still running; `seqtui attach {info.id}` follows it")
    if epochs is not None:
        if epochs <= info.epochs_done:
            raise BadInput(f"--epochs {epochs}: run {info.id} has done {info.epochs_done} "
                           f"epochs already; give more, e.g. --epochs {info.epochs_done + 5}")
        info.epochs_total = epochs
    if info.epochs_total and info.epochs_done >= info.epochs_total:
        raise BadInput(f"run {info.id} already finished all {info.epochs_total} epochs; "
                       f"`seqtui resume {info.id} --epochs {info.epochs_total + 5}` trains it "
                       "further")
    if not (run_dir / "checkpoints" / "last.keras").exists():
        again = start_again or f"seqtui train --config {run_dir / 'config.json'}"
        raise BadInput(f"run {info.id} has no checkpoint to resume from (no epoch finished); "
                       f"start it again: {again}")
    if epochs is not None:  # written once every check passed: a refusal changes nothing
        from seqtui.engine.config import Config

        config = Config.from_file(run_dir / "config.json")
        config.training.epochs = epochs
        write_private(run_dir / "config.json", config.to_json() + "\n")
    for name in ("stop", "stop-epoch"):
        (run_dir / CONTROL_DIR / name).unlink(missing_ok=True)
    request_resume(run_dir)  # a stale pause request would hold the run at its first batch
    return info
