"""`seqtui sweep`: search config fields with Optuna, each trial an ordinary run; `seqtui sweeps`
lists the sweeps.

Everything (the base config, the space, the storage) is checked before the sweep directory is
made. Without --detach the controller runs in this process and prints a line per trial; the
trials are detached training processes either way.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from seqtui.cli import EXIT_OK, add_runs_dir, runs_dir_of
from seqtui.engine.errors import BadInput
from seqtui.options import add_config_flags, config_from_args

ORDER = 15
SAMPLERS = ("tpe", "random", "grid")  # as engine/sweeps/study.py, without loading Optuna
PRUNERS = ("median", "hyperband", "none")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sweep", help="search settings with Optuna: each trial a run, losers pruned",
        description="Search config fields: --search FIELD=LOW:HIGH, FIELD=LOW:HIGH:log or "
                    "FIELD=A,B,C (repeatable), or --space FILE with a [space] table. The other "
                    "flags set the base config, as for `seqtui train`.")
    group = parser.add_argument_group("sweep")
    group.add_argument("--search", action="append", default=[], metavar="FIELD=SPEC",
                       help="a field to search, e.g. model.dropout=0:0.5, "
                            "training.learning_rate=1e-4:1e-2:log, model.preset=lstm,bigru")
    group.add_argument("--space", metavar="FILE", help="a TOML file with a [space] table")
    group.add_argument("--trials", type=_positive, default=None, metavar="N",
                       help="trials in all (default 10; grid: every combination)")
    group.add_argument("--parallel", type=_positive, default=1, metavar="N",
                       help="trials side by side (default 1; on GPUs one each, round robin)")
    group.add_argument("--sampler", choices=SAMPLERS, default="tpe",
                       help="tpe (default, seeded by --seed), random or grid")
    group.add_argument("--pruner", choices=PRUNERS, default="median",
                       help="median (default), hyperband or none")
    group.add_argument("--pruner-startup", type=_count, default=None, metavar="N",
                       help="median: trials that run to the end before any is pruned (default: "
                            "an eighth of --trials, 2 to 5)")
    group.add_argument("--pruner-warmup", type=_count, default=0, metavar="N",
                       help="epochs every trial runs before it may be pruned (median: its "
                            "warm-up; hyperband: its smallest budget) (default 0)")
    group.add_argument("--storage", metavar="URL",
                       help="an Optuna RDB URL (e.g. postgresql://user@host/db) to share the "
                            "study; default: a journal file in the sweep directory")
    group.add_argument("--join", metavar="SWEEP",
                       help="run another controller for a sweep in --storage")
    group.add_argument("--detach", action="store_true",
                       help="run the controller in the background")
    parser.add_argument("--controller", metavar="DIR", help=argparse.SUPPRESS)
    add_runs_dir(parser)
    add_config_flags(parser, "a TOML or JSON base config")
    parser.set_defaults(handler=handle)

    sweeps = sub.add_parser("sweeps", help="list sweeps (--json for scripts)",
                            description="List the sweeps in the runs directory, newest first.")
    sweeps.add_argument("--json", action="store_true", help="one JSON array of sweeps")
    add_runs_dir(sweeps)
    sweeps.set_defaults(handler=handle_sweeps)


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least `minimum`."""
    least = "be 0 or more" if minimum == 0 else f"be at least {minimum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must {least}, got {value}")
        return value

    return parse


_positive = _whole_number(1)
_count = _whole_number(0)


def handle(args: argparse.Namespace) -> int:
    if args.controller:
        return _controller_process(Path(args.controller))
    runs_dir = runs_dir_of(args)
    sweep_dir = _join(args, runs_dir) if args.join else _create(args, runs_dir)
    return start(sweep_dir, detach=args.detach)


def _create(args: argparse.Namespace, runs_dir: Path) -> Path:
    from seqtui.engine.sweeps.space import check_space, parse_search, read_space_file
    from seqtui.engine.training.inventory import check_devices
    from seqtui.engine.training.preflight import preflight

    base = config_from_args(args)
    if base.hardware.strategy == "multi-worker":
        raise BadInput("--strategy multi-worker: a sweep's trials each train on one machine; "
                       "share a study across machines with --storage URL and --join instead")
    params = [parse_search(text) for text in args.search]
    if args.space:
        params += read_space_file(args.space)
    check_space(params, base, args.sampler)
    preflight(base)
    if base.hardware.device != "auto":
        check_devices(base.hardware)  # a GPU that is not there (loads TensorFlow to look)
    from seqtui.engine.sweeps.create import create_sweep

    return create_sweep(base, params, runs_dir, trials=args.trials, parallel=args.parallel,
                        sampler=args.sampler, pruner=args.pruner, storage=args.storage,
                        pruner_startup=args.pruner_startup, pruner_warmup=args.pruner_warmup)


def _join(args: argparse.Namespace, runs_dir: Path) -> Path:
    if not args.storage:
        raise BadInput("--join needs --storage URL: the database that holds the shared study")
    if args.search or args.space:
        raise BadInput("--join takes the sweep's space from its study; leave out --search and "
                       "--space")
    from seqtui.engine.sweeps.create import join_sweep

    return join_sweep(args.join, args.storage, runs_dir,
                      parallel=args.parallel if args.parallel != 1 else None)


def start(sweep_dir: Path, detach: bool) -> int:
    """Run the controller here (a line per trial) or in the background."""
    from seqtui.engine.sweeps.state import read_spec

    spec = read_spec(sweep_dir)
    name = sweep_dir.name
    if detach:
        from seqtui.engine.sweeps.create import spawn_controller

        pid = spawn_controller(sweep_dir)
        print(f"{name}: sweep of {spec['trials']} trials in the background (pid {pid})")
        print(f"  follow: seqtui show {name}    stop: seqtui stop {name}")
        return EXIT_OK
    from seqtui.engine.sweeps.controller import run_controller

    print(f"{name}: {spec['trials']} trials, {spec['parallel']} at a time, "
          f"{spec['sampler']} sampler, {spec['pruner']} pruner, {spec['monitor']}", flush=True)
    status = run_controller(sweep_dir, listener=lambda event: _print_event(event, spec))
    print(f"{name}: {status}; report: {sweep_dir / 'report.html'}")
    return EXIT_OK


def _controller_process(sweep_dir: Path) -> int:
    """The detached controller: background priority, like detached runs."""
    import os

    from seqtui.engine.training.priority import DEFAULT_NICE, background_nice, lower_priority

    os.umask(0o077)
    try:
        nice = background_nice()
    except ValueError as exc:
        print(f"{exc}; using nice {DEFAULT_NICE}", file=sys.stderr, flush=True)
        nice = DEFAULT_NICE
    print(lower_priority(nice), file=sys.stderr, flush=True)
    from seqtui.engine.sweeps.controller import run_controller

    status = run_controller(sweep_dir, listener=lambda event: _print_event(event, {}))
    print(f"sweep {status}", flush=True)
    return EXIT_OK


def _print_event(event: dict, spec: dict) -> None:
    kind, n = event.get("type"), event.get("trial")
    params = ", ".join(f"{k}={_fmt(v)}" for k, v in (event.get("params") or {}).items())
    monitor = spec.get("monitor", "value")
    if kind == "trial_started":
        line = f"trial {n} started: {params}  ({event.get('run')})"
    elif kind in ("trial_finished", "trial_pruned", "trial_stopped"):
        word = {"trial_finished": "finished", "trial_pruned": "pruned",
                "trial_stopped": "stopped"}[kind]
        done = event.get("epochs_done")
        if event.get("value") is None:  # ended before its first epoch did
            line = f"trial {n} {event.get('message') or word} ({_fmt(event.get('seconds'))} s)"
        else:
            line = (f"trial {n} {word}: {monitor} {_fmt(event.get('value'))} at epoch "
                    f"{event.get('epoch')} ({done} epoch{'s' * (done != 1)}, "
                    f"{_fmt(event.get('seconds'))} s)")
    elif kind == "trial_failed":
        line = f"trial {n} failed: {event.get('message')}"
    elif kind == "sweep_finished":
        best = event.get("best_trial")
        line = (f"best: trial {best}, {monitor} {_fmt(event.get('best_value'))}"
                if best is not None else "no trial finished")
    else:
        return
    print(line, flush=True)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def sweep_record(sweep) -> dict:
    best = sweep.best
    return {
        "id": sweep.id, "path": str(sweep.path), "status": sweep.status,
        "trials": sweep.trials_total, "done": sweep.count("completed", "early_stopped"),
        "running": sweep.count("running"), "pruned": sweep.count("pruned"),
        "failed": sweep.count("failed", "died"), "stopped": sweep.count("stopped"),
        "monitor": sweep.monitor, "sampler": sweep.spec.get("sampler"),
        "pruner": sweep.spec.get("pruner"),
        "best_trial": best.number if best else None, "best_value": best.value if best else None,
        "best_run": best.run if best else None,
    }


def handle_sweeps(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from seqtui.engine.sweeps.state import list_sweeps

    sweeps = list_sweeps(runs_dir_of(args))
    if args.json:
        print(json.dumps([sweep_record(s) for s in sweeps], indent=2))
        return EXIT_OK
    console = Console()
    if not sweeps:
        console.print(f"no sweeps in {runs_dir_of(args)}; start one with `seqtui sweep`")
        return EXIT_OK
    table = Table(box=None, header_style="bold", pad_edge=False)
    monitors = {s.monitor for s in sweeps}
    # trials: ended/asked for; best: the monitored value and the trial that reached it
    headers = ("sweep", "status", "trials", "run", "pruned", "failed",
               monitors.pop() if len(monitors) == 1 else "best")
    rows = []
    for sweep in sweeps:
        r = sweep_record(sweep)
        best = (f"{r['best_value']:.4f} t{r['best_trial']}" if r["best_value"] is not None
                else "-")
        ended = r["done"] + r["pruned"] + r["failed"] + r["stopped"]
        rows.append([r["id"], r["status"], f"{ended}/{r['trials']}", str(r["running"]),
                     str(r["pruned"]), str(r["failed"]), best])
    for i, header in enumerate(headers):
        width = max(len(header), *(len(row[i]) for row in rows))
        table.add_column(header, no_wrap=True, min_width=width,
                         justify="left" if i in (0, 1, 6) else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return EXIT_OK
