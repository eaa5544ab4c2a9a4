"""`seqtui attach [RUN]`: open the TUI on a run's dashboard (the newest running run by default).

Training never depends on this: attaching only reads the run directory, and quitting leaves the
run training.
"""

from __future__ import annotations

import argparse

from seqtui.cli import add_runs_dir, runs_dir_of
from seqtui.engine.errors import BadInput

ORDER = 45


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "attach", help="open the TUI on a run's dashboard (newest running run by default)",
        description="Follow a run (or a sweep's leaderboard) in the TUI. Without RUN: the newest "
                    "running run, else the newest run.")
    parser.add_argument("run", nargs="?", metavar="RUN",
                        help="run id, a unique prefix or suffix of it, or its directory; or a "
                             "sweep")
    add_runs_dir(parser)
    parser.set_defaults(handler=handle)


def pick_run(ref: str | None, runs_dir) -> str:
    """The run to attach to, as a path string; BadInput when there is none."""
    from seqtui.engine.runs.store import find_run, list_runs
    from seqtui.engine.sweeps.state import find_sweep

    if ref:
        sweep = find_sweep(ref, runs_dir)
        return str(sweep if sweep is not None else find_run(ref, runs_dir))
    runs = list_runs(runs_dir)
    if not runs:
        raise BadInput(f"no runs in {runs_dir}; start one with `seqtui` or `seqtui train`")
    running = [r for r in runs if r.status == "running"]
    return str((running or runs)[0].path)


def handle(args: argparse.Namespace) -> int:
    runs_dir = runs_dir_of(args)
    run = pick_run(args.run, runs_dir)
    from seqtui.tui.app import run_tui

    return run_tui(runs_dir, attach=run)
