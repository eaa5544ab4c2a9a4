"""The table of runs on the home screen: live status, data, preset, params, epochs, best val acc
(marked * when measured on the test split) and the test accuracy scored at the end.

The table lays its columns out itself, to the width it has: every cell whole (a status, a number
or an id cut short says nothing), the least needed columns left out first when the terminal is
narrow (as `seqtui runs` does), and more figures shown when it is wide.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from seqtui.engine.runs.status import RunInfo
from seqtui.tui.counts import compact_count
from seqtui.tui.runqueue import display_status
from seqtui.tui.widgets.progress_panel import STATUS_STYLE

MARK = "●"
GROUP_KEY = "\0group:"  # row keys of group headers; a run id never holds a NUL


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    number: bool = False  # right-aligned
    # 0: always shown; otherwise the higher, the sooner it gives way to a narrow terminal.
    drop: int = 0


COLUMNS = (
    Column("run", "run"),
    Column("status", "status"),
    Column("data", "data", drop=2),
    Column("model", "preset"),
    Column("params", "params", number=True, drop=3),
    Column("epochs", "epochs", number=True),
    Column("acc", "val acc", number=True),
    Column("test", "test acc", number=True),
    Column("val_loss", "val loss", number=True, drop=4),
    Column("speed", "s/epoch", number=True, drop=5),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
MIN_ID_WIDTH = 12  # a run id is never cut shorter (its date and time)


def row_cells(run: RunInfo, marked: bool, queued: set[str]) -> dict[str, Text]:
    """Every column's cell for a run, by column key."""
    status = display_status(run, queued)
    best = run.best("val_accuracy")
    best_loss = run.best("val_loss")
    test = (run.test_metrics or {}).get("accuracy")
    seconds = run.seconds_per_epoch
    # * marks a val acc measured on the test split; other values keep its place, so the
    # figures stay aligned.
    val = f"{best[1]:.4f}{'*' if run.validated_on_test else ' '}" if best else "- "
    cells = {
        "run": Text(f"{MARK if marked else ' '} {run.id}", style="bold" if marked else ""),
        "status": Text(status.replace("_", " "), style=STATUS_STYLE.get(status, "")),
        "data": Text(run.dataset),
        "model": Text(run.preset),
        "params": Text(compact_count(run.params)),
        "epochs": Text(f"{run.epochs_done}/{run.epochs_total or '?'}"),
        "acc": Text(val),
        "test": Text(f"{test:.4f}" if test is not None else "-"),
        "val_loss": Text(f"{best_loss[1]:.4f}" if best_loss else "-"),
        "speed": Text(f"{seconds:.1f}" if seconds else "-"),
    }
    for column in COLUMNS:
        if column.number:
            cells[column.key].justify = "right"
    return cells


def fit_columns(widths: dict[str, int], room: int, padding: int) -> dict[str, int]:
    """The columns to show and their widths: `widths` (by key, in table order) are what the
    cells need; columns go by their drop rank until the rest fit in `room` cells (each takes
    `padding` more); then the run ids give way, down to MIN_ID_WIDTH. Room left over widens
    the run column, so the table spans the terminal."""
    shown = dict(widths)

    def used() -> int:
        return sum(shown.values()) + padding * len(shown)

    for column in sorted(COLUMNS, key=lambda c: -c.drop):
        if used() <= room or not column.drop:
            break
        shown.pop(column.key, None)
    if "run" in shown:
        shown["run"] = max(min(shown["run"], MIN_ID_WIDTH), shown["run"] + room - used())
    return shown


class RunsTable(DataTable):
    """Rows keyed by run id, so the cursor stays on its run while rows change around it; when
    its run goes (deleted, archived, filtered out), the cursor stays at its place."""

    # The table has focus on the Runs screen, so enter is bound here (it replaces DataTable's
    # hidden select binding); the screen opens the run on RowSelected. Home and end move the
    # cursor (DataTable's own only scroll sideways, which a row cursor never needs).
    BINDINGS = [
        Binding("enter", "select_cursor", "Open", tooltip="Open the run's dashboard",
                id="runs.open"),
        Binding("home", "scroll_top", "First", show=False, tooltip="Go to the first run",
                id="runs.first"),
        Binding("end", "scroll_bottom", "Last", show=False, tooltip="Go to the last run",
                id="runs.last"),
    ]

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self._layout: list[tuple[str, str, int]] | None = None
        self._signature: tuple | None = None
        self._shown: tuple | None = None

    @property
    def shown_columns(self) -> list[str]:
        """The keys of the columns on screen now."""
        return [key for key, _, _ in self._layout or []]

    def room(self, rows: int) -> int:
        """The cells the columns can take: the table's width (the terminal's before the first
        layout), less a vertical scrollbar when the rows will not all fit under the header."""
        width = self.size.width or self.app.size.width
        height = self.size.height or self.app.size.height
        if rows > height - 1:
            width -= self.styles.scrollbar_size_vertical
        return width

    def on_resize(self) -> None:
        if self._shown is not None:
            self.show(*self._shown[0], **self._shown[1])

    def show(self, runs: list[RunInfo], marked: set[str], queued: set[str], *,
             groups: list[tuple[str, list[RunInfo]]] | None = None,
             folded: set[str] | frozenset = frozenset(),
             hidden: set[str] | frozenset = frozenset(),
             sort: tuple[str, bool] | None = None) -> None:
        """Rows for `runs`, or under a header row per group (a folded group shows only its
        header); `hidden` column keys are left out; `sort` (column, descending) marks a header."""
        self._shown = ((runs, marked, queued), {"groups": groups, "folded": folded,
                                                "hidden": hidden, "sort": sort})
        keys = [key for key in COLUMN_KEYS if key not in hidden]
        labels = {c.key: c.label + (("▼" if sort[1] else "▲") if sort and sort[0] == c.key
                                    else "") for c in COLUMNS}
        rows: dict[str, dict[str, Text]] = {}
        for name, members in groups if groups is not None else [("", runs)]:
            if groups is not None:
                fold = "▸" if name in folded else "▾"
                # A group's name spans the row; its width is not a column's.
                rows[GROUP_KEY + name] = {"run": Text(f"{fold} {name} ({len(members)})",
                                                      style="bold")}
                if name in folded:
                    continue
            rows.update((run.id, row_cells(run, run.id in marked, queued)) for run in members)
        needed = {key: max([len(labels[key])] + [row[key].cell_len for rid, row in rows.items()
                                                 if not rid.startswith(GROUP_KEY)])
                  for key in keys}
        widths = fit_columns(needed, self.room(len(rows)), 2 * self.cell_padding)
        layout = [(key, labels[key], widths[key]) for key in keys if key in widths]
        signature = tuple((rid, tuple(str(c) for c in row.values())) for rid, row in rows.items())
        if layout == self._layout and signature == self._signature:
            return
        if layout == self._layout and self._signature is not None and \
                [rid for rid, _ in signature] == [rid for rid, _ in self._signature]:
            # The same rows in the same order, some of them changed (a run training moves on
            # every scan): their cells are rewritten in place. Clearing and adding every row
            # made the table lay out and the whole screen repaint, 40 ms once a second.
            before = dict(self._signature)
            self.rewrite_rows({rid: [(column, self.cell(row, column, width))
                                     for column, _, width in layout]
                               for (rid, cells), row in zip(signature, rows.values(), strict=True)
                               if before[rid] != cells})
            self._signature = signature
            return
        current = self.current_key
        at = self.cursor_row
        if layout != self._layout:
            self._layout = layout
            self.clear(columns=True)
            for key, label, width in layout:
                number = next(c.number for c in COLUMNS if c.key == key)
                self.add_column(Text(label, justify="right" if number else "left"),
                                width=width, key=key)
        self._signature = signature
        self.clear()
        for key, row in rows.items():
            self.add_row(*(self.cell(row, column, width) for column, _, width in layout),
                         key=key)
        if current in rows:
            self.move_cursor(row=self.get_row_index(current), animate=False)
        elif self.row_count:
            self.move_cursor(row=min(at, self.row_count - 1), animate=False)

    def rewrite_rows(self, changed: dict[str, list[tuple[str, Text | str]]]) -> None:
        """New values for the cells of some rows (by run id, then column key), re-rendering
        only those rows.

        DataTable.update_cell counts every update in `_update_count`, which is part of the
        key of every cached cell, row and line render: one changed cell made the next frame
        render every visible cell of the table again, 30 to 50 ms with a screenful of runs on
        a loaded machine, once per epoch of each training run (and in the key that showed the
        list again after a run's epoch had ended behind another screen). Here only the
        changed rows' cached renders are dropped, and the lines (put together from the
        cached rows) rebuilt. A Textual without these caches gets update_cell."""
        from textual.widgets.data_table import ColumnKey, RowKey

        if not changed:
            return
        data = getattr(self, "_data", None)
        caches = [getattr(self, name, None) for name in (
            "_cell_render_cache", "_row_render_cache", "_line_cache", "_row_renderable_cache")]
        if not isinstance(data, dict) or not all(
                callable(getattr(cache, "keys", None)) and callable(getattr(cache, "discard", None))
                and callable(getattr(cache, "clear", None)) for cache in caches):
            for rid, cells in changed.items():
                for column, value in cells:
                    self.update_cell(rid, column, value)
            return
        keys = {RowKey(rid) for rid in changed}
        for rid, cells in changed.items():
            row = data[RowKey(rid)]
            for column, value in cells:
                row[ColumnKey(column)] = value
        cell_cache, row_cache, line_cache, renderables = caches
        for cache in (cell_cache, row_cache):
            for cache_key in [k for k in cache.keys() if k and k[0] in keys]:  # noqa: SIM118
                cache.discard(cache_key)
        # The cells' renderables are cached by (update count, row index): without dropping
        # them the row would be drawn again from its old values.
        indices = {self.get_row_index(rid) for rid in changed}
        for cache_key in [k for k in renderables.keys() if k[1] in indices]:  # noqa: SIM118
            renderables.discard(cache_key)
        line_cache.clear()
        for rid in changed:
            self.refresh_row(self.get_row_index(rid))

    @staticmethod
    def cell(row: dict[str, Text], key: str, width: int) -> Text | str:
        text = row.get(key)
        if text is None:
            return ""
        if text.cell_len > width:  # only a run id or a group's name, and only when narrow
            text = text.copy()
            text.truncate(width, overflow="ellipsis")
        return text

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

    def move_to_run(self, run_id: str) -> bool:
        """Put the cursor on the run's row, if it is listed."""
        try:
            row = self.get_row_index(run_id)
        except RowDoesNotExist:
            return False
        self.move_cursor(row=row, animate=False)
        return True
