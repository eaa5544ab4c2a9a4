"""Runs (home): every run in the runs dir with live status; new, open, mark, compare, report,
delete, filter."""

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
from seqtui.tui.runqueue import display_status
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.runs_table import RunsTable


class RunsScreen(Screen):
    """The list refreshes from the app's scans of the runs dir (about once a second)."""

    BINDINGS = [
        Binding("n", "new", "New", tooltip="New experiment", id="runs.new"),
        Binding("space", "mark", "Mark", tooltip="Mark or unmark the run for comparison",
                id="runs.mark"),
        Binding("c", "compare", "Compare", tooltip="Compare the marked runs", id="runs.compare"),
        Binding("r", "report", "Report", tooltip="Write the run's report (report.md/html)",
                id="runs.report"),
        Binding("d", "delete", "Delete", tooltip="Delete the run (asks first)",
                id="runs.delete"),
        Binding("p", "predict", "Predict", tooltip="Label a sentence with the run's model",
                id="runs.predict"),
        Binding("slash", "filter", "Filter", tooltip="Filter runs by text", id="runs.filter"),
        Binding("question_mark", "app.help", "Help", tooltip="Every key", id="runs.help"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (runs keep training)", id="runs.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.marked: set[str] = set()
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="runs-title")
        yield RunsTable(id="runs-table")
        yield Static(id="runs-detail")
        yield Input(placeholder="filter: text in id, status, data or model (escape clears)",
                    id="runs-filter", compact=True)
        yield KeyBar()

    def on_mount(self) -> None:
        self.app.runs_signal.subscribe(self, self.refresh_runs)
        self.refresh_runs(None)
        self.query_one(RunsTable).focus()

    # ---- data ----------------------------------------------------------------------------

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    def visible_runs(self) -> list[RunInfo]:
        needle = self.filter_text.lower()
        queued = self.app.queued
        runs = self.app.runs
        if not needle:
            return list(runs)
        return [r for r in runs if needle in " ".join(
            (r.id, display_status(r, queued), r.dataset, r.preset)).lower()]

    def refresh_runs(self, _: object) -> None:
        runs = self.visible_runs()
        known = {r.id for r in self.app.runs}
        self.marked &= known
        self.table.show(runs, self.marked, self.app.queued)
        total = len(self.app.runs)
        running = sum(r.status == "running" for r in self.app.runs)
        queued = len(self.app.queued & known)
        parts = [f"{total} run{'s' * (total != 1)}"]
        if running:
            parts.append(f"{running} running")
        if queued:
            parts.append(f"{queued} queued")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}: {len(runs)} shown")
        self.query_one("#runs-title", Static).update(
            f"[b]seqtui[/b]  {self.app.runs_dir}  ·  " + " · ".join(parts))
        self.show_detail()
        if not self.app.runs:
            self.query_one("#runs-detail", Static).update(
                "No runs yet. Press n to start a new experiment." if self.app.scanned
                else f"Reading {self.app.runs_dir}…")

    def current_run(self) -> RunInfo | None:
        run_id = self.table.current_run_id
        return next((r for r in self.app.runs if r.id == run_id), None)

    @on(DataTable.RowHighlighted)
    def show_detail(self) -> None:
        run = self.current_run()
        detail = self.query_one("#runs-detail", Static)
        if run is None:
            detail.update("")
            return
        best = run.best("val_accuracy")
        text = f"{run.id}: {display_status(run, self.app.queued).replace('_', ' ')}"
        if best:
            text += f", best val acc {best[1]:.4f} at epoch {best[0]}"
        if run.seconds_per_epoch:
            text += f", {run.seconds_per_epoch:.1f}s/epoch"
        if run.message and run.status in ("failed", "died", "running"):
            text += f"  ·  {run.message}"
        detail.update(text)

    # ---- actions ---------------------------------------------------------------------------

    def action_new(self) -> None:
        self.app.action_new_experiment()

    @on(DataTable.RowSelected)
    def action_open(self) -> None:
        run = self.current_run()
        if run is None:
            self.notify("No run to open; press n for a new experiment.", severity="warning")
            return
        self.app.open_dashboard(run.path)

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
        runs = [r for r in self.app.runs if r.id in self.marked]
        if len(runs) < 2:
            self.notify("Mark two or more runs with space, then press c.", severity="warning")
            return
        self.app.open_compare([r.path for r in runs])

    def action_filter(self) -> None:
        box = self.query_one("#runs-filter", Input)
        box.add_class("-shown")
        box.focus()

    @on(Input.Changed, "#runs-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
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

    def action_delete(self) -> None:
        run = self.current_run()
        if run is None:
            return
        if run.status == "running":
            self.notify(f"{run.id} is training; stop it from its dashboard first.",
                        severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete_run(run.path)

        self.app.push_screen(ConfirmScreen(f"Delete run {run.id} and all its files "
                                           "(checkpoints, logs, report)?", yes="Delete"),
                             answered)

    @work(thread=True, group="delete")
    def delete_run(self, path: Path) -> None:
        from seqtui.tui.runqueue import dequeue

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
