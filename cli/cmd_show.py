"""`seqtui show RUN`: a run's epoch table and its loss/accuracy curves as text plots."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from rich.text import Text

from seqtui.cli import add_runs_dir, runs_dir_of
from seqtui.engine.reports.formatting import fmt_metric
from seqtui.engine.reports.textplot import line_plot
from seqtui.engine.runs.status import RunInfo, read_run
from seqtui.engine.runs.store import find_run
from seqtui.engine.sweeps.state import find_sweep

ORDER = 40


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("show", help="epoch table and text plots of a run",
                            description="Show a run: status, epoch table, loss/accuracy plots.")
    parser.add_argument("run", metavar="RUN", help="run id (or a unique part of it) or path")
    parser.add_argument("--width", type=int, default=None, help="plot width in columns")
    add_runs_dir(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    sweep = find_sweep(args.run, runs_dir_of(args))
    if sweep is not None:
        from seqtui.sweepview import show_sweep

        return show_sweep(sweep)
    run = read_run(find_run(args.run, runs_dir_of(args)))
    console = Console()
    cfg = run.config
    console.print(header(run, console.width), highlight=False)
    if run.message and run.status in ("failed", "died"):
        console.print(f"[red]{run.message}[/]")
    if not run.epochs:
        console.print("no finished epoch yet")
        return 0
    keys = sorted({k for e in run.epochs for k in e["logs"]},
                  key=lambda k: (k.startswith("val_"), k))
    monitor = cfg.get("training", {}).get("monitor", "val_loss")
    best = run.best(monitor)
    for table in epoch_tables(run.epochs, keys, best[0] if best else None, console):
        console.print(table)
    if best:
        console.print(f"* best epoch by {monitor}: {best[0]}")
    from seqtui.engine.reports.held_out import test_sentence, test_summary, validation_note

    console.print(validation_note(run), highlight=False)
    console.print(test_sentence(test_summary(run), run), highlight=False)
    width = args.width or min(console.width, 100)
    for metric in ("loss", "accuracy"):
        series = {name: [e["logs"].get(name) for e in run.epochs]
                  for name in (metric, f"val_{metric}")}
        console.print(line_plot(series, title=metric, width=width, height=14,
                                best_x=best[0] if best else None), markup=False,
                      highlight=False)
    return 0


def epoch_tables(epochs: list[dict], keys: list[str], best: int | None,
                 console: Console) -> list[Table]:
    """The epoch table, as one table when it fits the console, else as several (training
    metrics, then validation ones, then halves of those) that each do: squeezed columns cut
    every figure to "0.5…"."""
    groups = [keys]
    while True:
        tables = [_epoch_table(epochs, group, best, seconds=(i == 0))
                  for i, group in enumerate(groups)]
        roomy = console.options.update_width(10_000)  # the width each table would take
        widest = max(console.measure(t, options=roomy).maximum for t in tables)
        if widest <= console.width or all(len(g) <= 1 for g in groups):
            return tables
        split: list[list[str]] = []
        for group in groups:
            train = [k for k in group if not k.startswith("val_")]
            val = [k for k in group if k.startswith("val_")]
            if train and val:
                split += [train, val]
            elif len(group) > 1:
                half = (len(group) + 1) // 2
                split += [group[:half], group[half:]]
            else:
                split.append(group)
        groups = split


def _epoch_table(epochs: list[dict], keys: list[str], best: int | None,
                 seconds: bool) -> Table:
    table = Table(box=None, header_style="bold")
    for column in ("epoch", *keys, *(["seconds"] if seconds else [])):
        table.add_column(column, justify="right", no_wrap=True)
    for e in epochs:
        mark = " *" if e["epoch"] == best else ""
        table.add_row(f"{e['epoch']}{mark}", *(fmt_metric(k, e["logs"].get(k)) for k in keys),
                      *([f"{e.get('seconds', 0):.1f}"] if seconds else []))
    return table


def header(run: RunInfo, width: int) -> Text:
    """The run's id, status, model, data, size and progress, in as many lines of `width` as it
    takes, each part whole (a part cut in two by the terminal reads as two)."""
    parts = [run.status.replace("_", " "), f"{run.preset} on {run.dataset}",
             f"{(run.params or 0):,} params", f"{run.epochs_done}/{run.epochs_total} epochs"]
    lines = [run.id]
    for part in parts:
        if len(lines[-1]) + 2 + len(part) > width:
            lines.append(part)
        else:
            lines[-1] += "  " + part
    text = Text("\n".join(lines))
    text.stylize("bold", 0, len(run.id))
    return text

