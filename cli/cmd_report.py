"""`seqtui report RUN`: (re)write a run's report.md and report.html and print their paths."""

from __future__ import annotations

import argparse

from seqtui.cli import add_runs_dir, runs_dir_of
from seqtui.engine.runs.store import find_run

ORDER = 50


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report", help="write a run's report.md and report.html",
        description="Write RUN/report.md and RUN/report.html (one self-contained file: open it "
                    "offline, in any browser) from the run directory, whatever state the run "
                    "is in, and print their paths.")
    parser.add_argument("run", metavar="RUN", help="run id (or a unique part of it) or path")
    add_runs_dir(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from seqtui.engine.sweeps.state import find_sweep

    sweep = find_sweep(args.run, runs_dir_of(args))
    if sweep is not None:
        from seqtui.sweepview import report_sweep

        return report_sweep(sweep)
    from seqtui.engine.reports.writer import write_report

    md_path, html_path = write_report(find_run(args.run, runs_dir_of(args)))
    print(md_path)
    print(html_path)
    return 0
