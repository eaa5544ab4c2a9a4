"""Sweeps: every sweep in the runs dir (`w` on the Runs screen), and one sweep's live
leaderboard. Read from the sweep directories alone: the TUI never imports Optuna."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from seqtui.engine.runs.control import request_stop
from seqtui.engine.sweeps.state import SweepInfo, TrialInfo, list_sweeps, read_sweep
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.trial_plot import TrialPlot

SCAN_SECONDS = 1.0


def _value(value: float | None) -> str:
    return f"{value:.4f}" if value is not None else "-"


def _short(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def params_text(trial: TrialInfo) -> str:
    return " ".join(f"{k.split('.')[-1]}={_short(v)}" for k, v in trial.params.items())


def sweep_summary(sweep: SweepInfo) -> str:
    ended = len([t for t in sweep.trials if t.status != "running"])
    parts = [sweep.status, f"{ended}/{sweep.trials_total} trials"]
    for label, statuses in (("running", ("running",)), ("pruned", ("pruned",)),
                            ("failed", ("failed", "died"))):
        count = sweep.count(*statuses)
        if count:
            parts.append(f"{count} {label}")
    best = sweep.best
    if best is not None:
        parts.append(f"best {sweep.monitor} {best.value:.4f} (trial {best.number})")
    return " · ".join(parts)


class _Polling(Screen):
    """Reads its sweep directories in a thread about once a second while it is showing."""

    def on_mount(self) -> None:
        self.rescan()
        if getattr(self.app, "_scan_enabled", True):
            self.set_interval(SCAN_SECONDS, self.rescan)

    def rescan(self) -> None:
        if self.is_current:
            self.scan()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def scan(self) -> None:
        data = self.read()
        self.app.call_from_thread(self.show, data)

    def read(self):  # pragma: no cover - each screen reads its own
        raise NotImplementedError

    def show(self, data) -> None:  # pragma: no cover
        raise NotImplementedError


class SweepsScreen(_Polling):
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the runs list", id="sweeps.back"),
        Binding("question_mark", "app.help", "Help", id="sweeps.help"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (sweeps keep running)", id="sweeps.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sweeps: list[SweepInfo] = []

    def compose(self) -> ComposeResult:
        yield Static(id="sweeps-title")
        yield DataTable(id="sweeps-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="sweeps-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("sweep", "status", "trials", "pruned", "failed", "best"):
            table.add_column(label, key=label)
        table.focus()
        self.show(self.read())  # the first look before the first frame
        super().on_mount()

    def read(self) -> list[SweepInfo]:
        return list_sweeps(self.app.runs_dir)

    def show(self, sweeps: list[SweepInfo]) -> None:
        self.sweeps = sweeps
        table = self.query_one(DataTable)
        current = table.cursor_row
        table.clear()
        for s in sweeps:
            best = s.best
            ended = len([t for t in s.trials if t.status != "running"])
            table.add_row(s.id, s.status, f"{ended}/{s.trials_total}", str(s.count("pruned")),
                          str(s.count("failed", "died")),
                          f"{best.value:.4f} t{best.number}" if best else "-", key=s.id)
        if sweeps:
            table.move_cursor(row=min(current, len(sweeps) - 1))
        self.query_one("#sweeps-title", Static).update(
            f"[b]Sweeps  [/b]{self.app.runs_dir}  ·  {len(sweeps)} sweep"
            f"{'s' * (len(sweeps) != 1)}  ·  enter opens one")
        self.describe()
        if not sweeps:
            self.query_one("#sweeps-detail", Static).update(
                "No sweeps yet. Start one with `seqtui sweep --search FIELD=LOW:HIGH ...`.")

    def current(self) -> SweepInfo | None:
        row = self.query_one(DataTable).cursor_row
        return self.sweeps[row] if 0 <= row < len(self.sweeps) else None

    @on(DataTable.RowHighlighted)
    def describe(self) -> None:
        sweep = self.current()
        if sweep is not None:
            self.query_one("#sweeps-detail", Static).update(
                Text(f"{sweep.id}: {sweep_summary(sweep)}"))

    @on(DataTable.RowSelected)
    def open_sweep(self) -> None:
        sweep = self.current()
        if sweep is not None:
            self.app.push_screen(SweepScreen(sweep.path))

    def action_back(self) -> None:
        self.app.pop_screen()


class SweepScreen(_Polling):
    """One sweep: the leaderboard sorted by best value, updating live; trial values in order
    with the best so far; enter opens a trial's dashboard; s stops the sweep."""

    BINDINGS = [
        Binding("s", "stop", "Stop sweep", tooltip="Stop the sweep's running trials (asks first)",
                id="sweep.stop"),
        Binding("escape", "back", "Back", tooltip="Back to the sweeps", id="sweep.back"),
        Binding("question_mark", "app.help", "Help", id="sweep.help"),
        Binding("q", "app.quit", "Quit", tooltip="Quit (the sweep keeps running)",
                id="sweep.quit"),
    ]

    def __init__(self, sweep_dir: Path) -> None:
        super().__init__()
        self.sweep_dir = Path(sweep_dir)
        self.sweep: SweepInfo | None = None
        self.board: list[TrialInfo] = []

    def compose(self) -> ComposeResult:
        yield Static(id="sweep-title")
        yield TrialPlot(id="sweep-plot")
        yield DataTable(id="sweep-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="sweep-detail")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.show(self.read())
        super().on_mount()

    def read(self) -> SweepInfo:
        return read_sweep(self.sweep_dir)

    def show(self, sweep: SweepInfo) -> None:
        changed = self.sweep is None or self.sweep.status != sweep.status
        self.sweep = sweep
        if changed:
            self.refresh_bindings()  # `s` is offered only while the sweep runs
        self.board = sweep.leaderboard()
        table = self.query_one(DataTable)
        if not table.columns:
            for label in ("trial", "status", sweep.monitor, "epoch", "s", "parameters"):
                table.add_column(label, key=label)
        current = table.cursor_row
        table.clear()
        for t in self.board:
            table.add_row(str(t.number), t.status, _value(t.value),
                          f"{t.epoch}/{t.epochs_done}" if t.epoch is not None else "-",
                          f"{t.seconds:.0f}" if t.seconds is not None else "-", params_text(t),
                          key=str(t.number))
        if self.board:
            table.move_cursor(row=min(current, len(self.board) - 1))
        self.query_one("#sweep-title", Static).update(
            f"[b]{sweep.id}  [/b]{sweep_summary(sweep)}")
        self.query_one(TrialPlot).show(sweep.monitor, [(t.number, t.value) for t in sweep.trials
                                                       if t.status != "failed"],
                                       minimize=sweep.direction == "minimize")
        self.describe()

    def current(self) -> TrialInfo | None:
        row = self.query_one(DataTable).cursor_row
        return self.board[row] if 0 <= row < len(self.board) else None

    @on(DataTable.RowHighlighted)
    def describe(self) -> None:
        trial = self.current()
        detail = self.query_one("#sweep-detail", Static)
        if trial is None:
            detail.update("No trial yet.")
            return
        text = f"trial {trial.number}: {trial.status}"
        if trial.run:
            text += f" · {trial.run}"
        if trial.message:
            text += f" · {trial.message}"
        detail.update(Text(text))  # a failure's message may hold brackets: not markup

    @on(DataTable.RowSelected)
    def open_trial(self) -> None:
        trial = self.current()
        if trial is None:
            return
        if not trial.run or not (self.sweep_dir.parent / trial.run).is_dir():
            self.notify(f"Trial {trial.number} has no run here"
                        f"{': ' + trial.message if trial.message else ''}", severity="warning")
            return
        self.app.open_dashboard(self.sweep_dir.parent / trial.run)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "stop" or (self.sweep is not None and self.sweep.status == "running")

    def action_stop(self) -> None:

        def answered(yes: bool | None) -> None:
            if yes:
                request_stop(self.sweep_dir)
                self.notify("Stopping: running trials stop after their current batch.")

        self.app.push_screen(ConfirmScreen(f"Stop sweep {self.sweep.id}? Its running trials "
                                           "stop after their current batch.", yes="Stop"),
                             answered)

    def action_back(self) -> None:
        self.app.pop_screen()
