"""`seqtui runs`: a table of the runs in the runs dir, with live status; --json for scripts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from seqtui.cli import add_runs_dir, runs_dir_of
from seqtui.engine.runs.status import RunInfo
from seqtui.engine.runs.store import list_runs
from seqtui.tui.runqueue import display_status, read_queue

ORDER = 30

STATUS_STYLE = {"completed": "green", "early_stopped": "green", "stopped": "yellow",
                "failed": "red", "died": "red", "running": "cyan", "paused": "yellow",
                "pending": "dim", "queued": "dim"}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("runs", help="list runs (--json for scripts)",
                            description="List the runs in the runs directory, newest first.")
    parser.add_argument("--json", action="store_true", help="one JSON array of runs")
    add_runs_dir(parser)
    parser.set_defaults(handler=handle)


def run_record(run: RunInfo, queued: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    best = run.best("val_accuracy")
    return {
        "id": run.id,
        "path": str(run.path),
        "status": run.status,
        "shown_status": display_status(run, set(queued)),
        "paused": run.paused,
        "dataset": run.dataset,
        "preset": run.preset,
        "params": run.params,
        "epochs_done": run.epochs_done,
        "epochs": run.epochs_total,
        "best_val_accuracy": best[1] if best else None,
        "best_val_accuracy_epoch": best[0] if best else None,
        "seconds_per_epoch": run.seconds_per_epoch,
        "seconds": run.duration,
        "started": run.started,
        "message": run.message,
    }


def handle(args: argparse.Namespace) -> int:
    runs = list_runs(runs_dir_of(args))
    queued = set(read_queue(runs_dir_of(args)))
    if args.json:
        print(json.dumps([run_record(r, queued) for r in runs], indent=2))
        return 0
    console = Console()
    if not runs:
        console.print(f"no runs in {runs_dir_of(args)}; start one with `seqtui train`")
        return 0
    rows = []
    for run in runs:
        record = run_record(run, queued)
        best = record["best_val_accuracy"]
        shown = record["shown_status"]
        rows.append([
            run.id,
            f"[{STATUS_STYLE.get(shown, '')}]{shown}[/]",
            run.dataset,
            run.preset,
            f"{run.params:,}" if run.params else "-",
            f"{run.epochs_done}/{run.epochs_total or '?'}",
            f"{best:.4f} e{record['best_val_accuracy_epoch']}" if best is not None else "-",
        ])
    table = Table(box=None, header_style="bold", pad_edge=False)
    headers = ("run", "status", "dataset", "preset", "params", "epochs", "val acc")
    for i, header in enumerate(headers):
        width = max(len(header), *(len(row[i]) for row in rows))
        if header in ("dataset", "status"):  # these give way when the terminal is narrow
            table.add_column(header, overflow="ellipsis", no_wrap=True)
        else:  # the id is what a user types next; numbers must stay whole
            table.add_column(header, no_wrap=True, min_width=width,
                             justify="right" if i >= 4 else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return 0
