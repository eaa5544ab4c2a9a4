"""The table of runs on the home screen: live status, data, model, params, epochs, best val acc
(marked * when measured on the test split) beside the test accuracy scored at the end."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from seqtui.engine.runs.status import RunInfo
from seqtui.tui.runqueue import display_status
from seqtui.tui.widgets.progress_panel import STATUS_STYLE

MARK = "●"
COLUMNS = (("run", "run"), ("status", "status"), ("data", "data"), ("model", "model"),
           ("params", "params"), ("epochs", "ep"), ("acc", "val / test"))


def short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def compact_count(n: int | None) -> str:
    if not n:
        return "-"
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    return f"{n:,}"


def row_cells(run: RunInfo, marked: bool, queued: set[str]) -> tuple:
    status = display_status(run, queued)
    best = run.best("val_accuracy")
    test = (run.test_metrics or {}).get("accuracy")
    # One column for both, three places each, so the table still fits 80 columns; * marks a
    # val acc measured on the test split.
    val = f"{best[1]:.3f}{'*' if run.validated_on_test else ' '}" if best else "-     "
    acc = f"{val} {f'{test:.3f}' if test is not None else '-':>5}"
    return (
        Text(f"{MARK if marked else ' '} {run.id}", style="bold" if marked else ""),
        Text(short(status.replace("_", " "), 9), style=STATUS_STYLE.get(status, "")),
        short(run.dataset, 8),
        short(run.preset, 8),
        Text(compact_count(run.params), justify="right"),
        Text(f"{run.epochs_done}/{run.epochs_total or '?'}", justify="right"),
        Text(acc, justify="right"),
    )


class RunsTable(DataTable):
    """Rows keyed by run id, so the cursor stays on its run while rows change around it."""

    # The table has focus on the Runs screen, so enter is bound here (it replaces DataTable's
    # hidden select binding); the screen opens the run on RowSelected.
    BINDINGS = [Binding("enter", "select_cursor", "Open", tooltip="Open the run's dashboard",
                        id="runs.open")]

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, runs: list[RunInfo], marked: set[str], queued: set[str]) -> None:
        rows = {run.id: row_cells(run, run.id in marked, queued) for run in runs}
        signature = tuple((rid, tuple(str(c) for c in cells)) for rid, cells in rows.items())
        if getattr(self, "_signature", None) == signature:
            return
        self._signature = signature
        current = self.current_run_id
        self.clear()
        for run_id, cells in rows.items():
            self.add_row(*cells, key=run_id)
        if current in rows:
            self.move_cursor(row=self.get_row_index(current), animate=False)

    @property
    def current_run_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return key.value
