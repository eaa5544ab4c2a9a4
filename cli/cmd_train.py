"""`seqtui train`: headless training with Rich progress, or in the background with --detach.

Bad input is caught before any run directory is made. `--run-dir` is how a detached worker (and
`seqtui resume`) trains a run directory that already exists.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from seqtui.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, add_runs_dir, runs_dir_of
from seqtui.engine.config import Config
from seqtui.engine.errors import BadInput
from seqtui.engine.runs.status import FINISHED_STATUSES
from seqtui.engine.training.devices import cluster_task
from seqtui.engine.training.inventory import check_devices
from seqtui.engine.training.preflight import preflight
from seqtui.engine.training.priority import DEFAULT_NICE, background_nice, lower_priority
from seqtui.options import add_config_flags, config_from_args

ORDER = 10


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("train", help="train a model headless (Rich progress), or --detach",
                            description="Train a model; flags override --config.")
    parser.add_argument("--detach", action="store_true",
                        help="train in the background; follow with `seqtui attach`")
    parser.add_argument("--run-dir", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--resume", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--save-config", metavar="FILE",
                        help="write the resolved config as TOML and exit without training")
    add_runs_dir(parser)
    add_config_flags(parser, "a TOML or JSON config file")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    if args.run_dir:
        return train_run_dir(Path(args.run_dir), resume=args.resume, show=not _detached())
    config = config_from_args(args)
    preflight(config)
    check_devices(config.hardware)  # a GPU that is not there (loads TensorFlow to look)
    if args.save_config:
        Path(args.save_config).write_text(config.resolved().to_toml(), encoding="utf-8")
        print(args.save_config)
        return EXIT_OK
    task = cluster_task(config.hardware)
    if task is not None and not task.is_chief:  # only the chief makes a run directory
        from seqtui.multiworker import train_worker

        return train_worker(config, runs_dir_of(args), task, detach=args.detach)
    from seqtui.engine.runs.store import create_run

    run_dir = create_run(config, runs_dir_of(args))
    if args.detach:
        from seqtui.engine.training.launch import spawn_training

        pid = spawn_training(run_dir)
        print(f"{run_dir.name}: training in the background (pid {pid})")
        print(f"  follow: seqtui attach {run_dir.name}    stop: seqtui stop {run_dir.name}")
        return EXIT_OK
    return train_run_dir(run_dir, resume=False, show=True)




def _detached() -> bool:
    return os.environ.get("SEQTUI_DETACHED") == "1"


def train_run_dir(run_dir: Path, resume: bool, show: bool) -> int:
    """Train a run directory in this process: the training process of DESIGN §2."""
    from seqtui.engine.runs.process import write_pid
    from seqtui.engine.runs.store import RunRecorder

    if not (run_dir / "config.json").is_file():
        raise BadInput(f"{run_dir} is not a run directory (no config.json)")
    config = Config.from_file(run_dir / "config.json")
    if resume and config.hardware.strategy == "multi-worker":
        # Only the chief has the checkpoint and the epochs done: workers would start afresh.
        raise BadInput(f"{run_dir.name} is a multi-worker run, which cannot be resumed; "
                       "start it again")
    task = cluster_task(config.hardware)
    if task is not None and not task.is_chief:  # the chief's run, seen on a shared file system
        from seqtui.multiworker import train_worker

        return train_worker(config, run_dir.parent, task)
    os.umask(0o077)  # a shared GPU box has other users: everything the run writes is private
    if _detached():  # background work: before TensorFlow starts the threads that inherit it
        try:
            nice = background_nice()
        except ValueError as exc:  # preflight refuses it; the environment changed since
            print(f"{exc}; using nice {DEFAULT_NICE}", file=sys.stderr, flush=True)
            nice = DEFAULT_NICE
        print(lower_priority(nice), file=sys.stderr, flush=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # `seqtui stop --now`
    write_pid(run_dir)
    user_stderr = _stderr_to_worker_log(run_dir) if show else sys.stderr

    recorder = RunRecorder(run_dir)
    display = None
    if show:
        from rich.console import Console

        from seqtui.progress import RichProgress

        display = RichProgress(Console(), run_id=run_dir.name)

    from seqtui.engine.runs.events import fan_out
    from seqtui.engine.training.callbacks import ControlCallback
    from seqtui.engine.training.train import train

    listener = fan_out(recorder, display)
    control = ControlCallback(run_dir, listener)
    _graceful_stop_on(control)
    try:
        result = train(config, run_dir, listener, resume=resume, control=control)
    except BadInput as exc:
        print(f"seqtui: error: {exc}", file=user_stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"seqtui: {run_dir.name} interrupted; its last finished epoch is kept "
              f"(seqtui resume {run_dir.name})", file=user_stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the run's log has the traceback
        print(f"seqtui: training failed: {exc}; see {run_dir / 'worker.log'} and "
              f"{run_dir / 'events.jsonl'}", file=user_stderr)
        import traceback

        traceback.print_exc()  # into worker.log
        return EXIT_FAILED
    finally:
        if display:
            display.close()
        recorder.close()
        _write_report(run_dir)
    if show:
        print(f"run directory: {run_dir}")
    return EXIT_OK if result["status"] in FINISHED_STATUSES else EXIT_FAILED


def _write_report(run_dir: Path) -> None:
    """Every ending leaves a report of what exists; a report that fails must not mask the run's
    own outcome, so its error goes to stderr (worker.log) and nothing more."""
    try:
        from seqtui.engine.reports.writer import write_report

        write_report(run_dir)
    except Exception as exc:  # noqa: BLE001
        print(f"seqtui: could not write the report: {type(exc).__name__}: {exc}",
              file=sys.stderr)


def _graceful_stop_on(control) -> None:
    """SIGTERM asks for a stop after the current batch; a second SIGTERM ends at once."""

    def on_term(signum, frame):
        if control.stop_requested:
            raise KeyboardInterrupt
        control.stop_requested = True

    signal.signal(signal.SIGTERM, on_term)


def _stderr_to_worker_log(run_dir: Path):
    """TensorFlow's chatter goes to worker.log; return a stream to the user's own stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    fd = os.open(run_dir / "worker.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    user = os.fdopen(saved, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    return user
