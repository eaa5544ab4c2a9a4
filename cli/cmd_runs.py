"""`seqtui runs`: a table of the runs in the runs dir, with live status; --json for scripts."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from seqtui.cli import add_runs_dir, runs_dir_of
from seqtui.engine.runs.status import RunInfo
from seqtui.engine.runs.store import list_runs
from seqtui.engine.sweeps.state import is_sweep_dir
from seqtui.tui.runqueue import display_status, read_queue

ORDER = 30

STATUS_STYLE = {"completed": "green", "early_stopped": "green", "stopped": "yellow",
                "pruned": "yellow", "failed": "red", "died": "red", "running": "cyan",
                "paused": "yellow", "pending": "dim", "queued": "dim"}


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
        "validation": "test" if run.validated_on_test else "split",
        "test_accuracy": (run.test_metrics or {}).get("accuracy"),
        "test_loss": (run.test_metrics or {}).get("loss"),
        "seconds_per_epoch": run.seconds_per_epoch,
        "seconds": run.duration,
        "started": run.started,
        "message": run.message,
        "sweep": run.sweep,
        "trial": run.trial,
    }


def sweep_handles(sweep_ids: set[str]) -> dict[str, str]:
    """The shortest part of each sweep id that names it alone among them, as `seqtui show`,
    `stop` and `report` take it: its time of day (094000), else its date and time, else all of
    it."""
    handles = {}
    for sweep_id in sweep_ids:
        stamp = re.match(r"\d{4}-(\d{2}-\d{2}_(\d{6}))_", sweep_id)
        candidates = [stamp.group(2), stamp.group(1)] if stamp else []
        handles[sweep_id] = next((c for c in candidates
                                  if sum(c in other for other in sweep_ids) == 1), sweep_id)
    return handles


def _sweep_cells(runs: list[RunInfo], runs_dir) -> list[str] | None:
    """Each run's sweep and trial number ("094000 t3"; "-" for a run of its own), or None when
    no run here is a sweep's trial."""
    if not any(r.sweep for r in runs):
        return None
    ids = {r.sweep for r in runs if r.sweep}
    if runs_dir.is_dir():
        ids |= {p.name for p in runs_dir.iterdir() if is_sweep_dir(p)}
    handles = sweep_handles(ids)
    return [f"{handles[r.sweep]} t{r.trial}" if r.sweep and r.trial is not None
            else handles[r.sweep] if r.sweep else "-" for r in runs]


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
        test = record["test_accuracy"]
        on_test = "*" if run.validated_on_test else ""
        rows.append([
            run.id,
            f"[{STATUS_STYLE[shown]}]{shown}[/]" if shown in STATUS_STYLE else shown,
            run.dataset,
            run.preset,
            f"{run.params:,}" if run.params else "-",
            f"{run.epochs_done}/{run.epochs_total or '?'}",
            f"{best:.4f} e{record['best_val_accuracy_epoch']}{on_test}" if best is not None
            else "-",
            f"{test:.4f}" if test is not None else "-",
        ])
    headers = ["run", "status", "dataset", "preset", "params", "epochs", "val acc", "test acc"]
    sweep_cells = _sweep_cells(runs, runs_dir_of(args))
    if sweep_cells is not None:  # beside the status: which sweep made the run, which trial
        headers.insert(2, "sweep")
        for row, cell in zip(rows, sweep_cells, strict=True):
            row.insert(2, cell)
    widths = [max(len(h), *(Text.from_markup(row[i]).cell_len for row in rows))
              for i, h in enumerate(headers)]

    # Every cell stays whole (an id is what a user types next; a status or a number cut short
    # says nothing): when the terminal is narrow, whole columns go, the least needed first.
    def fits() -> bool:
        return sum(widths) + len(widths) - 1 < console.width  # one spare, as Rich keeps

    def drop(header: str) -> None:
        i = headers.index(header)
        del headers[i], widths[i]
        for row in rows:
            del row[i]

    for header in ("params", "dataset"):
        if fits():
            break
        drop(header)
    if not fits() and "sweep" in headers:  # the trial number is in the run's id (NAME-tN)
        i = headers.index("sweep")
        for row in rows:
            row[i] = row[i].split()[0]
        widths[i] = max(len(headers[i]), *(len(row[i]) for row in rows))
    if not fits():  # the best epoch's number goes before the value
        i = headers.index("val acc")
        for row in rows:
            row[i] = re.sub(r" e\d+", "", row[i])
        widths[i] = max(len(headers[i]), *(len(row[i]) for row in rows))
    if not fits():  # the preset gives way last: a default id names the preset too
        i = headers.index("preset")
        room = max(len(headers[i]), widths[i] - (sum(widths) + len(widths) - 1
                                                 - console.width + 1))
        for row in rows:
            row[i] = row[i] if len(row[i]) <= room else row[i][:room - 1] + "…"
        widths[i] = room
    if not fits():  # too narrow even so: the preset goes whole, as the default id names it
        drop("preset")
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1, 0, 0))
    for header, width in zip(headers, widths, strict=True):
        table.add_column(header, no_wrap=True, min_width=width, max_width=width,
                         justify="right" if header in ("params", "epochs", "val acc",
                                                       "test acc") else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if any(r.validated_on_test and r.epochs for r in runs):
        console.print("* validated on the test split (--validation test, or a run from before "
                      "validation splits): its val acc is a test figure", style="dim")
    return 0
