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
GROUP_KEY = "\0group:"  # row keys of group headers; a run id never holds a NUL
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
        self._columns = list(COLUMNS)
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def show(self, runs: list[RunInfo], marked: set[str], queued: set[str], *,
             groups: list[tuple[str, list[RunInfo]]] | None = None,
             folded: set[str] | frozenset = frozenset(),
             hidden: set[str] | frozenset = frozenset(),
             sort: tuple[str, bool] | None = None) -> None:
        """Rows for `runs`, or under a header row per group (a folded group shows only its
        header); `hidden` column keys are left out; `sort` (column, descending) marks a header."""
        columns = [(key, label + (("▼" if sort[1] else "▲") if sort and sort[0] == key else ""))
                   for key, label in COLUMNS if key not in hidden]
        if columns != getattr(self, "_columns", None):
            self._columns = columns
            self._signature = None
            self.clear(columns=True)
            for key, label in columns:
                self.add_column(label, key=key)
        keep = [i for i, (key, _) in enumerate(COLUMNS) if key not in hidden]

        def cells(run: RunInfo) -> tuple:
            full = row_cells(run, run.id in marked, queued)
            return tuple(full[i] for i in keep)

        rows: dict[str, tuple] = {}
        for name, members in groups if groups is not None else [("", runs)]:
            if groups is not None:
                fold = "▸" if name in folded else "▾"
                rows[GROUP_KEY + name] = (Text(f"{fold} {name} ({len(members)})",
                                               style="bold"),) + ("",) * (len(keep) - 1)
                if name in folded:
                    continue
            rows.update((run.id, cells(run)) for run in members)
        signature = tuple((rid, tuple(str(c) for c in row)) for rid, row in rows.items())
        if getattr(self, "_signature", None) == signature:
            return
        self._signature = signature
        current = self.current_key
        self.clear()
        for key, row in rows.items():
            self.add_row(*row, key=key)
        if current in rows:
            self.move_cursor(row=self.get_row_index(current), animate=False)

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return key.value

    @property
    def current_run_id(self) -> str | None:
        key = self.current_key
        return None if key is None or key.startswith(GROUP_KEY) else key

    @property
    def current_group(self) -> str | None:
        """The group whose header row the cursor is on."""
        key = self.current_key
        return key[len(GROUP_KEY):] if key and key.startswith(GROUP_KEY) else None
