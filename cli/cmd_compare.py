"""`seqtui compare RUN1 RUN2 ... [-o cmp.html|cmp.md]`: compare runs side by side.

Without -o, prints the Markdown comparison (text plots) to the terminal.
"""

from __future__ import annotations

import argparse

from seqtui.cli import add_runs_dir, runs_dir_of
from seqtui.engine.runs.store import find_run

ORDER = 55


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "compare", help="compare two or more runs (-o cmp.html or cmp.md)",
        description="Compare runs: overlaid curves per metric, best values with their epoch, "
                    "parameters, time per epoch, and only the settings that differ.")
    parser.add_argument("runs", metavar="RUN", nargs="+",
                        help="two or more run ids (or unique parts of them) or paths")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE: .html (self-contained) or .md; "
                             "default: print Markdown")
    add_runs_dir(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from seqtui.engine.errors import BadInput
    from seqtui.engine.reports.compare import load_runs, render_markdown, write_comparison

    if len(args.runs) < 2:
        raise BadInput("compare takes two or more runs")
    runs_dir = runs_dir_of(args)
    run_dirs = [find_run(ref, runs_dir) for ref in args.runs]
    if args.output:
        print(write_comparison(run_dirs, args.output))
    else:
        print(render_markdown(load_runs(run_dirs)))
    return 0
