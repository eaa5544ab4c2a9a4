"""Compare marked runs: their curves overlaid for a chosen metric, and a table of best values with
their epoch, parameters, seconds per epoch, and only the hyperparameters that differ.

One run can be pinned as the baseline (drawn in bold white, and the table gives every other run's
difference from it); runs can be hidden from the chart; the chart takes the dashboard's controls.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Select, Static

from seqtui.engine.config import differing_settings
from seqtui.engine.runs.status import RunInfo
from seqtui.tui.chartview import ChartView, next_after
from seqtui.tui.widgets.curves_panel import chart_bindings
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.metric_plot import MetricPlot

METRICS = ("val_accuracy", "val_loss", "accuracy", "loss")
# One point character per run, so curves stay apart on a terminal without colour.
MARKERS = ("●", "+", "x", "◆", "■", "▲", "*", "o")
MAX_RUNS = len(MARKERS)


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


def logged_metrics(runs: list[RunInfo]) -> list[str]:
    """Every metric the runs' epochs logged: the usual four first, then the rest by name."""
    names = {k for run in runs for e in run.epochs for k, v in (e.get("logs") or {}).items()
             if isinstance(v, int | float)}
    return [m for m in METRICS if m in names or not names] + sorted(names - set(METRICS))


def lower_is_better(metric: str) -> bool:
    return "loss" in metric or "error" in metric


class CompareScreen(Screen):
    """Follows the marked runs live, like the runs list does."""

    BINDINGS = [
        Binding("m", "next_metric", "Metric", tooltip="Show the next metric", id="compare.metric"),
        Binding("b", "baseline", "Baseline", tooltip="Pin the highlighted run as the baseline "
                "(again to unpin)", id="compare.baseline"),
        Binding("v", "visible", "Show/hide", tooltip="Show or hide the highlighted run's curve",
                id="compare.visible"),
        *chart_bindings("compare", smoothed="the curves"),
        Binding("escape", "back", "Back", tooltip="Back to the runs list", id="compare.back"),
        Binding("question_mark", "app.help", "Help", id="compare.help"),
        Binding("q", "app.quit", "Quit", tooltip="Quit the TUI", id="compare.quit"),
    ]

    def __init__(self, run_paths: list[Path]) -> None:
        super().__init__()
        ids = [Path(p).name for p in run_paths]
        self.run_ids = ids[:MAX_RUNS]
        self.left_out = len(ids) - len(self.run_ids)
        self.metric = METRICS[0]
        self.view = ChartView()
        self.baseline: str | None = None
        self.hidden: set[str] = set()
        self._offered: list[str] = list(METRICS)

    def compose(self) -> ComposeResult:
        yield Select([(m, m) for m in METRICS], value=self.metric, allow_blank=False,
                     compact=True, id="compare-metric")
        yield Static(id="compare-controls")
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
        self.query_one("#compare-metric", Select).value = next_after(self._offered, self.metric)

    def action_back(self) -> None:
        self.app.pop_screen()

    def highlighted(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return key.value

    def action_baseline(self) -> None:
        run_id = self.highlighted()
        if run_id is not None:
            self.baseline = None if self.baseline == run_id else run_id
            self.hidden.discard(run_id)
            self.redraw()

    def action_visible(self) -> None:
        run_id = self.highlighted()
        if run_id is not None:
            self.hidden ^= {run_id}
            self.redraw()

    def action_chart(self, what: str, *args: int) -> None:
        longest = max([r.epochs_done for r in self.runs()] or [0])
        self.view.control(what, *args, epochs_seen=longest)
        self.redraw()

    def redraw(self) -> None:
        runs = self.runs()
        offered = logged_metrics(runs)
        if offered != self._offered:
            self._offered = offered
            self.query_one("#compare-metric", Select).set_options([(m, m) for m in offered])
            if self.metric in offered:
                self.query_one("#compare-metric", Select).value = self.metric
        if self.baseline not in {r.id for r in runs}:
            self.baseline = None
        self.draw_chart(runs)
        self.fill_table(runs)

    def draw_chart(self, runs: list[RunInfo]) -> None:
        view = self.view
        labels = curve_labels(runs)
        longest = max([r.epochs_done for r in runs] or [0])
        series, markers = {}, {}
        steps = False
        for index, run in enumerate(runs):
            if run.id in self.hidden:
                continue
            points = [(e["epoch"], e["logs"].get(self.metric)) for e in run.epochs]
            points = [(x, y) for x, y in points if y is not None]
            per_epoch = next((e.get("steps") for e in run.epochs if e.get("steps")), None)
            steps = steps or (view.x_axis == "steps" and bool(per_epoch))
            series[labels[run.id]] = view.apply(([p[0] for p in points], [p[1] for p in points]),
                                                longest, per_epoch)
            markers[labels[run.id]] = MARKERS[index]
        longest_total = max([r.epochs_total or 0 for r in runs] or [0])
        x_range = None
        window = view.window(longest)
        if window or steps:
            xs = [x for xs, _ in series.values() for x in xs]
            x_range = (min(xs, default=0), max(xs, default=1)) if xs else None
            if x_range and x_range[0] == x_range[1]:
                x_range = (x_range[0] - 1, x_range[1] + 1)
        self.query_one("#compare-controls", Static).update(
            f"{view.describe()}   keys: x [ ] l z Z")
        self.query_one(MetricPlot).show(
            self.metric, series, epochs_total=longest_total or None, x_range=x_range,
            xlabel="step" if steps else "epoch", log_y=view.log_y, markers=markers,
            baseline=labels.get(self.baseline) if self.baseline else None)

    def fill_table(self, runs: list[RunInfo]) -> None:
        differing = differing_settings([r.config for r in runs]) if len(runs) > 1 else []
        differing = [k for k in differing if k != "name"]
        base = next((r for r in runs if r.id == self.baseline), None)
        base_best = base.best(self.metric) if base else None
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        columns = ["run", f"best {self.metric}", "epoch", "test acc", "params", "s/epoch",
                   *differing]
        if base_best:
            columns.insert(2, "vs baseline")
        for label in columns:
            table.add_column(label.removeprefix("model.").removeprefix("training."), key=label)
        for index, run in enumerate(runs):
            best = run.best(self.metric)
            test = (run.test_metrics or {}).get("accuracy")
            on_test = "*" if run.validated_on_test and self.metric.startswith("val_") else ""
            hidden = run.id in self.hidden
            cells = [
                Text(f"{'·' if hidden else MARKERS[index]} {run.id}",
                     style="dim" if hidden else "bold" if run.id == self.baseline else ""),
                f"{best[1]:.4f}{on_test}" if best else "-",
                str(best[0]) if best else "-",
                f"{test:.4f}" if test is not None else "-",
                f"{run.params:,}" if run.params else "-",
                f"{run.seconds_per_epoch:.1f}" if run.seconds_per_epoch else "-",
                *(short_value(flat_get(run.config, k)) for k in differing),
            ]
            if base_best:
                cells.insert(2, "baseline" if run.id == self.baseline else
                             difference(best[1], base_best[1], self.metric) if best else "-")
            table.add_row(*cells, key=run.id)
        if runs:
            table.move_cursor(row=min(cursor, len(runs) - 1), animate=False)
        missing = len(self.run_ids) - len(runs)
        note = f"{len(runs)} runs"
        if base:
            note += f" · baseline {base.id}"
        if self.hidden & {r.id for r in runs}:
            note += f" · {len(self.hidden & {r.id for r in runs})} hidden from the chart"
        if differing:
            note += f" · differing: {', '.join(differing)}"
        if missing:
            note += f" · {missing} marked run(s) no longer exist"
        if self.left_out:
            note += f" · {self.left_out} more marked run(s) left out (up to {MAX_RUNS})"
        if any(r.validated_on_test for r in runs) and self.metric.startswith("val_"):
            note += " · * validated on the test split"
        self.query_one("#compare-note", Static).update(note)


def difference(value: float, base: float, metric: str) -> str:
    """A signed difference, with whether it is better (for loss, lower is better)."""
    delta = value - base
    if abs(delta) < 5e-5:
        return "±0.0000"
    better = (delta < 0) == lower_is_better(metric)
    return f"{delta:+.4f} {'better' if better else 'worse'}"
