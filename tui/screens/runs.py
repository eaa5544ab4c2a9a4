"""Runs (home): every run in the runs dir with live status; new, open, mark, compare, report,
delete, archive and restore; filter (tui/runlist.py's language), sort, group with folding, and
choose the columns."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from seqtui.engine.runs.status import RunInfo
from seqtui.tui.archive import ArchiveError, archive_dir, archive_run, restore_run
from seqtui.tui.runindex import RunIndex
from seqtui.tui.runlist import GROUPS, SORT_KEYS, FilterError, group_runs, parse_filter, sort_runs
from seqtui.tui.runqueue import dequeue, display_status
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.runs_table import COLUMNS, RunsTable

GROUP_CYCLE = (None, *GROUPS)
DEFAULT_SORT = ("run", True)  # newest first, as scanned; its header goes unmarked


def detail_line(run: RunInfo, status: str, width: int) -> str:
    """The run under the cursor: its status and its best epoch by the monitored metric, the one
    its dashboard marks (for a finished run, with the test score as the run-ended toast says
    it), then seconds per epoch, while they fit in `width` (the table has columns for the
    test score and the speed); then why it failed or what it is doing."""
    head = f"{run.id}: {status.replace('_', ' ')}"
    text = head
    best = run.best_epoch
    if best is not None:
        text += f", {best.text}"  # while it trains, the best so far (its status says so)
        outcome = run.outcome if run.status != "running" else ""
        if outcome.startswith(best.text) and len(head) + 2 + len(outcome) <= width:
            text = f"{head}, {outcome}"
    speed = f", {run.seconds_per_epoch:.1f}s/epoch" if run.seconds_per_epoch else ""
    if len(text) + len(speed) <= width:
        text += speed
    if run.message and run.status in ("failed", "died", "running"):
        text += f"  ·  {run.message}"
    return text


class RunsScreen(Screen):
    """The list refreshes from the app's scans of the runs dir (about once a second)."""

    BINDINGS = [
        Binding("n", "new", "New", tooltip="New experiment", id="runs.new"),
        Binding("N", "new_from_run", "New from run", show=False,
                tooltip="New experiment from this run's config", id="runs.new_from_run"),
        Binding("space", "mark", "Mark",
                tooltip="Mark or unmark the run for comparison, then move down", id="runs.mark"),
        Binding("c", "compare", "Compare", tooltip="Compare the marked runs", id="runs.compare"),
        Binding("r", "report", "Report", tooltip="Write the run's report (report.md/html)",
                id="runs.report"),
        Binding("d", "delete", "Delete", tooltip="Delete the run (asks first)",
                id="runs.delete"),
        Binding("p", "predict", "Predict", tooltip="Label a sentence with the run's model",
                id="runs.predict"),
        Binding("a", "archive", "Archive", show=False,
                tooltip="Archive the run (in the archive view: restore it)", id="runs.archive"),
        Binding("slash", "filter", "Filter", tooltip="Filter: preset:bilstm status:running "
                "val_acc>0.85, or any text", id="runs.filter"),
        Binding("o", "sort_next", "Sort", show=False, tooltip="Sort by the next column",
                id="runs.sort"),
        Binding("O", "sort_reverse", "Reverse", show=False, tooltip="Reverse the sort order",
                id="runs.sort_reverse"),
        Binding("g", "group_next", "Group", show=False,
                tooltip="Group by data, preset, sweep, status, or not (enter folds a group)",
                id="runs.group"),
        Binding("h", "columns", "Columns", show=False, tooltip="Choose the columns shown",
                id="runs.columns"),
        Binding("A", "toggle_archive", "Archive view", show=False,
                tooltip="Show the archived runs, or the runs again", id="runs.archive_view"),
        Binding("w", "sweeps", "Sweeps", tooltip="List the sweeps (searches over settings)",
                id="runs.sweeps"),
        Binding("question_mark", "app.help", "Help", tooltip="Every key", id="runs.help"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (runs keep training)", id="runs.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.marked: set[str] = set()
        self.filter_text = ""
        self.keep = parse_filter("")
        self.sort: tuple[str, bool] = DEFAULT_SORT
        self.group_by: str | None = None
        self.folded: set[str] = set()
        self.hidden_columns: set[str] = set()
        self.show_archive = False
        self._archive_index: RunIndex | None = None
        self._archived: list[RunInfo] = []

    def compose(self) -> ComposeResult:
        yield Static(id="runs-title")
        yield RunsTable(id="runs-table")
        yield Static(id="runs-detail")
        yield Static(id="runs-filter-error")
        yield Input(placeholder="filter: preset:bilstm status:running val_acc>0.85 or text "
                    "(escape clears)", id="runs-filter", compact=True)
        yield KeyBar(lines=2)  # every key of the home screen, even at 80 columns

    def on_mount(self) -> None:
        self.app.runs_signal.subscribe(self, self.refresh_runs)
        self.refresh_runs(None)
        self.query_one(RunsTable).focus()

    def on_screen_resume(self) -> None:
        """Back from a dashboard (however it was opened): the cursor goes to its run."""
        if self.app.screen is not self:  # shown and covered at once, as by `seqtui attach`
            return
        run_id, self.app.last_opened_run = self.app.last_opened_run, None
        if run_id is not None:
            self.table.move_to_run(run_id)

    # ---- data ----------------------------------------------------------------------------

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    def source_runs(self) -> list[RunInfo]:
        """The runs dir's runs, or the archived ones in the archive view."""
        return self._archived if self.show_archive else self.app.runs

    def visible_runs(self) -> list[RunInfo]:
        queued = self.app.queued
        runs = [r for r in self.source_runs() if self.keep(r, display_status(r, queued))]
        return sort_runs(runs, *self.sort)

    def refresh_runs(self, _: object) -> None:
        if self.show_archive and self._archive_index is not None:
            self._archived = self._archive_index.scan()
        runs = self.visible_runs()
        known = {r.id for r in self.source_runs()}
        self.marked &= known
        groups = group_runs(runs, self.group_by) if self.group_by else None
        self.table.show(runs, self.marked, self.app.queued, groups=groups, folded=self.folded,
                        hidden=self.hidden_columns,
                        sort=None if self.sort == DEFAULT_SORT else self.sort)
        total = len(self.source_runs())
        running = sum(r.status == "running" for r in self.source_runs())
        queued = len(self.app.queued & known)
        parts = [f"{total} {'archived ' * self.show_archive}run{'s' * (total != 1)}"]
        if running:
            parts.append(f"{running} running")
        if queued:
            parts.append(f"{queued} queued")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        if self.keep.text:
            parts.append(f"filter {self.keep.text!r}: {len(runs)} shown")
        if self.group_by:
            parts.append(f"by {self.group_by}")
        # The gap after the bold word is bold too: SVG renderers (rsvg) drop the leading
        # spaces of a span, so a screenshot read "seqtuiruns".
        self.query_one("#runs-title", Static).update(
            f"[b]seqtui  [/b]{self.app.runs_dir}  ·  " + " · ".join(parts))
        self.show_detail()
        if self.show_archive and not self._archived:
            self.query_one("#runs-detail", Static).update(
                "No archived runs. Press A to go back to the runs.")
        elif not self.app.runs and not self.show_archive:
            self.query_one("#runs-detail", Static).update(
                "No runs yet. Press n to start a new experiment." if self.app.scanned
                else f"Reading {self.app.runs_dir}…")

    def current_run(self) -> RunInfo | None:
        run_id = self.table.current_run_id
        return next((r for r in self.source_runs() if r.id == run_id), None)

    @on(DataTable.RowHighlighted)
    def cursor_moved(self) -> None:
        self.show_detail()
        self.app.cursor_moved()

    def show_detail(self) -> None:
        run = self.current_run()
        detail = self.query_one("#runs-detail", Static)
        if run is None:
            detail.update("")
            return
        width = self.size.width - detail.styles.gutter.width
        detail.update(detail_line(run, display_status(run, self.app.queued), width))

    def on_resize(self) -> None:
        self.show_detail()

    # ---- actions ---------------------------------------------------------------------------

    def action_new(self) -> None:
        self.app.action_new_experiment()

    def action_new_from_run(self) -> None:
        from seqtui.tui.screens.new import open_form_from_run

        run = self.current_run()
        if run is not None:
            open_form_from_run(self.app, run.path)

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        group = self.table.current_group
        if group is not None:
            self.folded ^= {group}
            self.refresh_runs(None)
            return
        run = self.current_run()
        if run is None:
            self.notify("No run to open; press n for a new experiment.", severity="warning")
            return
        self.app.open_dashboard(run.path)

    def action_sweeps(self) -> None:
        from seqtui.tui.screens.sweeps import SweepsScreen

        self.app.push_screen(SweepsScreen())

    def action_predict(self) -> None:
        run = self.current_run()
        if run is None:
            return
        if not any((run.path / "checkpoints" / name).exists()
                   for name in ("best.keras", "last.keras")):
            self.notify(f"{run.id} has no saved model yet (a checkpoint is written at the end "
                        "of each epoch).", severity="warning")
            return
        from seqtui.tui.screens.predict import PredictScreen

        self.app.push_screen(PredictScreen(run.path))

    def action_mark(self) -> None:
        run = self.current_run()
        if run is None:
            return
        self.marked ^= {run.id}
        row = self.table.cursor_row
        self.refresh_runs(None)
        if row + 1 < self.table.row_count:
            self.table.move_cursor(row=row + 1)

    def action_compare(self) -> None:
        runs = [r for r in self.source_runs() if r.id in self.marked]
        if len(runs) < 2:
            self.notify("Mark two or more runs with space, then press c.", severity="warning")
            return
        self.app.open_compare([r.path for r in runs])

    def action_filter(self) -> None:
        box = self.query_one("#runs-filter", Input)
        box.add_class("-shown")
        # Focus now, not after the keys already queued (as Widget.focus does): `/abc` in one
        # burst types abc into the filter, not a (archive), b and c into the list.
        self.set_focus(box)
        if self.focused is not box:
            box.focus()

    @on(Input.Changed, "#runs-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        error = self.query_one("#runs-filter-error", Static)
        try:
            self.keep = parse_filter(self.filter_text)
        except FilterError as exc:
            # The list keeps the last filter that meant something while the user fixes this one.
            error.update(f"filter: {exc}")
            error.add_class("-shown")
            return
        error.remove_class("-shown")
        self.refresh_runs(None)

    @on(Input.Submitted, "#runs-filter")
    def filter_done(self) -> None:
        box = self.query_one("#runs-filter", Input)
        if not box.value:
            box.remove_class("-shown")
        self.table.focus()

    def key_escape(self) -> None:
        box = self.query_one("#runs-filter", Input)
        if box.has_class("-shown"):
            box.value = ""
            box.remove_class("-shown")
            self.table.focus()
        elif self.show_archive:
            self.action_toggle_archive()

    def stopped_run(self) -> RunInfo | None:
        """The run under the cursor, unless it is training (deleting or moving its directory
        would pull it from under the training process); says so then."""
        run = self.current_run()
        if run is not None and run.status == "running":
            self.notify(f"{run.id} is training; stop it from its dashboard first.",
                        severity="warning")
            return None
        return run

    def action_delete(self) -> None:
        run = self.stopped_run()
        if run is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete_run(run.path)

        self.app.push_screen(ConfirmScreen(f"Delete run {run.id} and all its files "
                                           "(checkpoints, logs, report)?", yes="Delete"),
                             answered)

    @work(thread=True, group="delete")
    def delete_run(self, path: Path) -> None:
        dequeue(path)
        try:
            shutil.rmtree(path)
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Could not delete {path.name}: "
                                      f"{exc.strerror}", severity="error")
            return
        self.app.call_from_thread(self.notify, f"Deleted {path.name}")
        self.app.call_from_thread(self.app.scan_runs)

    def action_report(self) -> None:
        run = self.current_run()
        if run is None:
            return
        self.notify(f"Writing the report of {run.id}…", timeout=3)
        self.write_report(run.path)

    @work(thread=True, group="report")
    def write_report(self, path: Path) -> None:
        """`seqtui report RUN` in a subprocess: report code may load TensorFlow; we must not."""
        try:
            done = subprocess.run([sys.executable, "-m", "seqtui", "report", str(path)],
                                  capture_output=True, text=True, timeout=600,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.app.call_from_thread(self.notify, f"Report failed: {exc}", severity="error")
            return
        if done.returncode == 0:
            lines = [line for line in done.stdout.splitlines() if line.strip()]
            message = "\n".join(lines[-3:]) or f"Report written in {path}"
            self.app.call_from_thread(self.notify, message, title="Report")
        else:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            self.app.call_from_thread(self.notify, lines[-1] if lines else "report failed",
                                      title="Report failed", severity="error")

    # ---- sort, group, columns, archive ---------------------------------------------------------

    def sortable(self) -> list[str]:
        """The columns on screen, in order (a column left out for width is not sorted by)."""
        return [key for key in self.table.shown_columns if key in SORT_KEYS]

    def action_sort_next(self) -> None:
        keys = self.sortable()
        column, descending = self.sort
        at = keys.index(column) if column in keys else -1
        self.sort = (keys[(at + 1) % len(keys)], descending)
        self.refresh_runs(None)

    def action_sort_reverse(self) -> None:
        self.sort = (self.sort[0], not self.sort[1])
        self.refresh_runs(None)

    def action_group_next(self) -> None:
        self.group_by = GROUP_CYCLE[(GROUP_CYCLE.index(self.group_by) + 1) % len(GROUP_CYCLE)]
        self.folded.clear()
        self.refresh_runs(None)

    def action_columns(self) -> None:
        from seqtui.tui.screens.columns import ColumnsScreen

        def chosen(hidden: set[str] | None) -> None:
            if hidden is not None:
                self.hidden_columns = hidden - {"run"}
                if self.sort[0] in self.hidden_columns:
                    self.sort = DEFAULT_SORT
                self.refresh_runs(None)

        choices = [(column.key, column.label) for column in COLUMNS if column.key != "run"]
        squeezed = {key for key, _ in choices
                    if key not in self.hidden_columns and key not in self.table.shown_columns}
        self.app.push_screen(ColumnsScreen(choices, self.hidden_columns, squeezed), chosen)

    def action_toggle_archive(self) -> None:
        self.show_archive = not self.show_archive
        if self.show_archive and self._archive_index is None:
            self._archive_index = RunIndex(archive_dir(self.app.runs_dir))
        self.marked.clear()
        self.refresh_runs(None)

    def action_archive(self) -> None:
        run = self.stopped_run()
        if run is None:
            return
        try:
            if self.show_archive:
                restore_run(run.path, self.app.runs_dir)
                self.notify(f"Restored {run.id}")
            else:
                dequeue(run.path)
                archive_run(run.path, self.app.runs_dir)
                self.notify(f"Archived {run.id} (A shows the archive)")
        except ArchiveError as exc:
            self.notify(str(exc), severity="error")
            return
        self.app.scan_runs()
        self.refresh_runs(None)
