"""`seqtui stop RUN` and `seqtui resume RUN`: control a run from any terminal.

stop: the first asks for a graceful stop (after the current batch, status `stopped`; the
checkpoint stays the last finished epoch's, so resume repeats the interrupted epoch) through the
run's control/ directory; a second stop, or --now, interrupts the training process at once
(SIGINT; it still records `stopped`). resume: continues a stopped, failed or died run from its
last finished epoch in the same run directory.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from pathlib import Path

from seqtui.cli import add_runs_dir, runs_dir_of
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.control import CONTROL_DIR, is_paused, request_resume, request_stop
from seqtui.engine.runs.process import PID_FILE
from seqtui.engine.runs.resume import prepare_resume
from seqtui.engine.runs.status import read_run
from seqtui.engine.runs.store import find_run
from seqtui.engine.sweeps.state import find_sweep

ORDER = 60


def register(sub: argparse._SubParsersAction) -> None:
    stop = sub.add_parser("stop", help="stop a run after its current batch (--now: at once)",
                          description="Stop a running run gracefully; again, or --now, at once.")
    stop.add_argument("run", metavar="RUN", help="a run or a sweep (its running trials stop)")
    stop.add_argument("--now", action="store_true", help="interrupt at once")
    add_runs_dir(stop)
    stop.set_defaults(handler=handle_stop)

    resume = sub.add_parser("resume", help="continue a stopped, failed or died run, or lift "
                            "a running run's pause",
                            description="Continue a run from its last finished epoch, in the "
                            "same run directory.")
    resume.add_argument("run", metavar="RUN",
                        help="a run, or a sweep (it continues to its number of trials)")
    resume.add_argument("--detach", action="store_true", help="continue in the background")
    resume.add_argument("--epochs", type=int, metavar="N",
                        help="train to N epochs in all: more than it has done (a finished run "
                        "trains further)")
    add_runs_dir(resume)
    resume.set_defaults(handler=handle_resume)


def _pid(run_dir: Path) -> int:
    return int(json.loads((run_dir / PID_FILE).read_text())["pid"])


def handle_stop(args: argparse.Namespace) -> int:
    sweep = find_sweep(args.run, runs_dir_of(args))
    if sweep is not None:
        from seqtui.sweepview import stop_sweep

        return stop_sweep(sweep, now=args.now)
    run_dir = find_run(args.run, runs_dir_of(args))
    info = read_run(run_dir)
    if info.status != "running":
        raise BadInput(f"run {info.id} is not running (status: {info.status})")
    already_asked = (run_dir / CONTROL_DIR / "stop").exists()
    if args.now or already_asked:
        try:
            os.kill(_pid(run_dir), signal.SIGINT)
        except (OSError, ValueError) as exc:
            raise BadInput(f"cannot signal run {info.id}: {exc}") from None
        print(f"{info.id}: interrupted; it records its status and exits")
        return 0
    request_stop(run_dir)
    print(f"{info.id}: stopping after the current batch (`seqtui resume {info.id}` repeats "
          f"the interrupted epoch from its start); `seqtui stop {info.id}` again ends it at once")
    return 0


def handle_resume(args: argparse.Namespace) -> int:
    sweep = find_sweep(args.run, runs_dir_of(args))
    if sweep is not None:
        from seqtui.sweepview import resume_sweep

        return resume_sweep(sweep, args)
    run_dir = find_run(args.run, runs_dir_of(args))
    info = read_run(run_dir)
    if info.status == "running" and is_paused(run_dir):
        request_resume(run_dir)
        print(f"{info.id}: was paused; training goes on")
        return 0
    info = prepare_resume(run_dir, args.epochs)
    if args.detach:
        from seqtui.engine.training.launch import spawn_training

        pid = spawn_training(run_dir, resume=True)
        print(f"{info.id}: resuming from epoch {info.epochs_done + 1} in the background "
              f"(pid {pid})")
        return 0
    from seqtui.cmd_train import train_run_dir

    return train_run_dir(run_dir, resume=True, show=True)
