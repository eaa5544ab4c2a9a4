"""Compare marked runs: their curves overlaid for a chosen metric, and a table of best values with
their epoch, parameters, seconds per epoch, and only the hyperparameters that differ."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Select, Static

from seqtui.engine.config import differing_settings
from seqtui.engine.runs.status import RunInfo
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.metric_plot import MetricPlot

METRICS = ("val_accuracy", "val_loss", "accuracy", "loss")


def flat_get(config: dict, key: str) -> object:
    value: object = config
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def short_value(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return "-" if value is None else str(value)


def curve_labels(runs: list[RunInfo]) -> dict[str, str]:
    """Legend labels: the run's name, with its id when two runs share a name."""
    names = {r.id: r.id.split("_", 2)[-1] for r in runs}
    counts = {n: list(names.values()).count(n) for n in names.values()}
    return {rid: name if counts[name] == 1 else rid for rid, name in names.items()}


class CompareScreen(Screen):
    """Follows the marked runs live, like the runs list does."""

    BINDINGS = [
        Binding("m", "next_metric", "Metric", tooltip="Show the next metric", id="compare.metric"),
        Binding("escape", "back", "Back", tooltip="Back to the runs list", id="compare.back"),
        Binding("question_mark", "app.help", "Help", id="compare.help"),
        Binding("q", "app.quit", "Quit", tooltip="Quit the TUI", id="compare.quit"),
    ]

    def __init__(self, run_paths: list[Path]) -> None:
        super().__init__()
        self.run_ids = [Path(p).name for p in run_paths]
        self.metric = METRICS[0]

    def compose(self) -> ComposeResult:
        yield Select([(m, m) for m in METRICS], value=self.metric, allow_blank=False,
                     compact=True, id="compare-metric")
        yield MetricPlot(id="compare-plot")
        yield DataTable(id="compare-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="compare-note")
        yield KeyBar()

    def on_mount(self) -> None:
        self.app.runs_signal.subscribe(self, lambda _: self.redraw())
        self.redraw()
        self.query_one(DataTable).focus()

    def runs(self) -> list[RunInfo]:
        by_id = {r.id: r for r in self.app.runs}
        return [by_id[i] for i in self.run_ids if i in by_id]

    @on(Select.Changed, "#compare-metric")
    def metric_chosen(self, event: Select.Changed) -> None:
        self.metric = str(event.value)
        self.redraw()

    def action_next_metric(self) -> None:
        self.query_one("#compare-metric", Select).value = \
            METRICS[(METRICS.index(self.metric) + 1) % len(METRICS)]

    def action_back(self) -> None:
        self.app.pop_screen()

    def redraw(self) -> None:
        runs = self.runs()
        series = {}
        labels = curve_labels(runs)
        for run in runs:
            points = [(e["epoch"], e["logs"].get(self.metric)) for e in run.epochs]
            points = [(x, y) for x, y in points if y is not None]
            series[labels[run.id]] = ([p[0] for p in points], [p[1] for p in points])
        longest = max([r.epochs_total or 0 for r in runs] or [0])
        self.query_one(MetricPlot).show(self.metric, series, epochs_total=longest or None)

        differing = differing_settings([r.config for r in runs]) if len(runs) > 1 else []
        differing = [k for k in differing if k != "name"]
        table = self.query_one(DataTable)
        table.clear(columns=True)
        for label in ("run", f"best {self.metric}", "epoch", "test acc", "params", "s/epoch",
                      *differing):
            table.add_column(label.removeprefix("model.").removeprefix("training."), key=label)
        for run in runs:
            best = run.best(self.metric)
            test = (run.test_metrics or {}).get("accuracy")
            on_test = "*" if run.validated_on_test and self.metric.startswith("val_") else ""
            table.add_row(
                run.id,
                f"{best[1]:.4f}{on_test}" if best else "-",
                str(best[0]) if best else "-",
                f"{test:.4f}" if test is not None else "-",
                f"{run.params:,}" if run.params else "-",
                f"{run.seconds_per_epoch:.1f}" if run.seconds_per_epoch else "-",
                *(short_value(flat_get(run.config, k)) for k in differing),
                key=run.id,
            )
        missing = len(self.run_ids) - len(runs)
        note = f"{len(runs)} runs"
        if differing:
            note += f" · differing: {', '.join(differing)}"
        if missing:
            note += f" · {missing} marked run(s) no longer exist"
        if any(r.validated_on_test for r in runs) and self.metric.startswith("val_"):
            note += " · * validated on the test split"
        self.query_one("#compare-note", Static).update(note)
