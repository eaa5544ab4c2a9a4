"""Dashboard of one run: stage, epoch and batch progress with ETA and examples/s, curves, the
epoch table, an overfitting call-out and the log; stop, pause/resume, back (the run goes on).

The run is followed only through its directory: new lines of events.jsonl are read in a thread a
few times a second and folded into a RunState; one message per poll, so a burst of batch events
costs one redraw.
"""

from __future__ import annotations

import json
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import RichLog, Static, TabbedContent, TabPane

from seqtui.engine.errors import BadInput
from seqtui.engine.runs.control import (
    is_paused,
    request_pause,
    request_resume,
    request_stop,
)
from seqtui.engine.runs.events import Event, EventTail
from seqtui.engine.runs.process import PID_FILE, process_alive
from seqtui.engine.runs.resume import prepare_resume
from seqtui.tui.runstate import RunState, overfitting_note
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.screens.dashboard_text import (
    format_analysis,
    interrupted_note,
    title_line,
    worker_log_tail,
)
from seqtui.tui.widgets.curves_panel import CurvesPanel, chart_bindings
from seqtui.tui.widgets.epoch_table import EpochTable
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.progress_panel import ProgressPanel
from seqtui.tui.widgets.system_panel import SystemPanel
from seqtui.tui.workarounds import RestyleWhenStale

POLL_SECONDS = 0.25
# "Train further" adds this many epochs, as `seqtui resume`'s hint suggests.
FURTHER_EPOCHS = 5
# Which keys each status offers: the others are left out of the key bar and do nothing.
ACTION_STATUSES = {
    "stop": ("running", "queued", "pending"),
    "pause": ("running",),
    "resume": ("stopped", "died", "failed"),
    "train_further": ("completed", "early_stopped"),
}
TABS = ("curves", "epochs", "log", "model", "errors", "system")
GONE_NOTE = ("This run's directory is gone (deleted, or moved away): what is shown is what was "
             "read before. Escape goes back to the runs list.")


class EventsRead(Message):
    """New events of the followed run and whether its process is alive, read off the UI thread."""

    def __init__(self, events: list[Event], alive: bool, has_pid: bool, log_tail: str,
                 analysis: dict | None = None, gone: bool = False) -> None:
        super().__init__()
        self.analysis = analysis
        self.gone = gone  # the run directory is no longer there
        self.events = events
        self.alive = alive
        self.has_pid = has_pid
        self.log_tail = log_tail


class DashboardScreen(RestyleWhenStale, Screen):
    """Follows one run directory; every control is a request file the training process obeys."""

    BINDINGS = [
        Binding("s", "stop", "Stop", tooltip="Stop after the current batch (asks first)",
                id="dash.stop"),
        Binding("p", "pause", "Pause/resume", tooltip="Pause or resume between batches",
                id="dash.pause"),
        # One key, two meanings: only one of them is offered for a given status (check_action).
        Binding("r", "resume", "Resume", tooltip="Continue a stopped or died run in the "
                "background, from its last finished epoch", id="dash.resume"),
        Binding("r", "train_further", "Train further",
                tooltip=f"Train a finished run {FURTHER_EPOCHS} more epochs in the background "
                "(asks first)", id="dash.train_further"),
        Binding("escape", "back", "Back", tooltip="Back to the runs list (the run goes on)",
                id="dash.back"),
        Binding("N", "new_from_run", "New from run", show=False,
                tooltip="New experiment from this run's config", id="dash.new_from_run"),
        Binding("1", "tab('curves')", "Curves", show=False, tooltip="Curves tab", id="dash.curves"),
        Binding("2", "tab('epochs')", "Epochs", show=False, tooltip="Epoch table tab",
                id="dash.epochs"),
        Binding("3", "tab('log')", "Log", show=False, tooltip="Log tab", id="dash.log"),
        Binding("4", "tab('model')", "Model", show=False, tooltip="Model summary tab",
                id="dash.model"),
        Binding("5", "tab('errors')", "Errors", show=False,
                tooltip="Error analysis on the test split (once the run is over)",
                id="dash.errors"),
        Binding("6", "tab('system')", "System", show=False,
                tooltip="CPU, memory and GPUs of the machine and of the training process",
                id="dash.system"),
        *chart_bindings("dash", smoothed="the step line"),
        Binding("m", "chart('metric', 0)", "Metric", show=False,
                tooltip="Next metric in the left chart", id="dash.metric_left"),
        Binding("M", "chart('metric', 1)", "Metric (right)", show=False,
                tooltip="Next metric in the right chart", id="dash.metric_right"),
        Binding("question_mark", "app.help", "Help", tooltip="Every key", id="dash.help"),
        Binding("q", "app.quit", "Quit", tooltip="Quit the TUI (the run goes on)",
                id="dash.quit"),
    ]

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        try:
            self.config = json.loads((self.run_dir / "config.json").read_text())
        except (OSError, json.JSONDecodeError):
            self.config = {}
        # The planned epochs are known from the config before the process says so.
        planned = (self.config.get("training") or {}).get("epochs")
        self.state = RunState(epochs_total=planned if isinstance(planned, int) else None)
        self.tail = EventTail(self.run_dir / "events.jsonl")
        self.status = "pending"
        self.alive = False
        self.has_pid = False
        self.gone = False  # its directory was deleted (or moved) under the screen
        self._reading = False
        self._read_once = False
        self._logged = 0
        self._log_tail_shown = False
        self._pause_requested: bool | None = None
        self._analysis_shown = False
        self._poll_timer: Timer | None = None
        # Set when this screen started a resume, until the new process's run_started is read:
        # the run reads as starting, not as the stopped run it was, and r cannot start it twice.
        self._resuming = False

    def compose(self) -> ComposeResult:
        yield Static(id="dash-title")
        yield Static(GONE_NOTE, id="dash-gone")
        yield ProgressPanel(id="dash-progress")
        yield Static(id="dash-overfit")
        with TabbedContent(id="dash-tabs", initial="curves"):
            with TabPane("Curves", id="curves"):
                yield CurvesPanel(id="dash-curves-panel")
            with TabPane("Epochs", id="epochs"):
                yield Static(id="dash-epochs-note")
                yield EpochTable(id="dash-epochs")
            with TabPane("Log", id="log"):
                yield RichLog(id="dash-log", wrap=True, markup=False, highlight=False)
            with TabPane("Model", id="model"):
                yield Static(id="dash-model")
            with TabPane("Errors", id="errors"), VerticalScroll():
                yield Static("The error analysis on the test split appears when the run is over.",
                             id="dash-errors")
            with TabPane("System", id="system"):
                yield SystemPanel(self.run_dir, id="dash-system")
        yield KeyBar()

    def on_mount(self) -> None:
        self.show_title()
        self.show_model()
        self.redraw()
        self.poll()
        # Built ahead of being opened (SeqtuiApp.prebuild_dashboard): the run is read once,
        # and followed from when the dashboard shows.
        self._poll_timer = self.set_interval(POLL_SECONDS, self.poll,
                                             pause=self not in self.app.screen_stack)

    def _ready_to_lay_out(self) -> bool:
        # Built ahead: laid out and painted out of sight once the run's events are drawn.
        return self._read_once

    def on_screen_suspend(self) -> None:
        # The app keeps recent dashboards: one closed (no longer on the screen stack, unlike
        # under a question or help) stops reading its run until it is opened again.
        if self._poll_timer is not None and self not in self.app.screen_stack:
            self._poll_timer.pause()
            self.query_one(SystemPanel).pause()

    def on_screen_resume(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.resume()
            self.query_one(SystemPanel).resume()
            self.poll()

    # ---- following -------------------------------------------------------------------------

    def poll(self) -> None:
        if not self._reading:
            self._reading = True
            self.read_events()

    @work(thread=True, exclusive=True, group="follow", exit_on_error=False)
    def read_events(self) -> None:
        try:
            gone = not self.run_dir.is_dir()
            events = self.tail.read_new()
            alive = process_alive(self.run_dir)
            has_pid = (self.run_dir / PID_FILE).exists()
            log_tail = ""
            failed = any(e.get("type") == "run_failed" for e in events)
            if (failed or (has_pid and not alive)) and not self._log_tail_shown:
                log_tail = worker_log_tail(self.run_dir)
            analysis = None
            if not self._analysis_shown and (not alive or any(
                    e.get("type") == "analysis" for e in events)):
                from seqtui.engine.reports.analysis import read_analysis

                analysis = read_analysis(self.run_dir)
        finally:
            self._reading = False
        self.post_message(EventsRead(events, alive, has_pid, log_tail, analysis, gone))

    @on(EventsRead)
    def events_read(self, message: EventsRead) -> None:
        changed = bool(message.events) or message.alive != self.alive \
            or message.has_pid != self.has_pid or message.gone != self.gone
        if message.gone != self.gone:
            self.gone = message.gone
            self.refresh_bindings()  # no control for a run that is not there
        self.alive, self.has_pid = message.alive, message.has_pid
        if self._resuming and (any(e.get("type") == "run_started" for e in message.events)
                               or (not message.alive and message.has_pid)):
            self._resuming = False
        self.state.feed(message.events)
        if message.analysis and not self._analysis_shown:
            self._analysis_shown = True
            self.query_one("#dash-errors", Static).update(format_analysis(message.analysis))
        if message.log_tail and not self._log_tail_shown:
            self._log_tail_shown = True
            self.state.log.append("--- worker.log (last lines) ---")
            self.state.log.extend(message.log_tail.splitlines())
        if changed:
            self.redraw()
        if not self._read_once:
            self._read_once = True
            if not self.is_current:
                self.call_after_refresh(self._lay_out_hidden)

    def current_status(self) -> str:
        if self.gone:
            return self.status  # as last read: without its pid file, a run would read as died
        if self._resuming:
            return "running"
        if self.state.outcome is not None:
            return self.state.outcome
        if self.alive:
            return "running"
        if self.has_pid or self.state.started:
            return "died"
        return "queued" if self.run_dir.name in self.app.queued else "pending"

    # ---- drawing ---------------------------------------------------------------------------

    def show_title(self) -> None:
        model = self.config.get("model", {})
        data = self.config.get("data", {})
        test = (self.state.test or {}).get("accuracy")
        width = self.query_one("#dash-title", Static).content_region.width or self.size.width
        self.query_one("#dash-title", Static).update(title_line(
            self.run_dir.name, str(model.get("preset", "?")), str(data.get("dataset", "?")),
            self.state.params, self.state.device, test, width))

    def on_resize(self) -> None:
        self.show_title()

    def show_model(self) -> None:
        summary = self.run_dir / "summary.txt"
        try:
            text = summary.read_text(encoding="utf-8", errors="replace")
        except OSError:  # not written yet, or the run was deleted
            text = ""
        if not text:
            from seqtui.engine.config import Config
            from seqtui.engine.models.summary import summarize

            try:
                config = Config.from_dict(self.config)
                text = summarize(config).table() + (
                    f"\n(planned, for at most {config.planned_vocab_size:,} ids: the embedding "
                    "takes the vocabulary size the data has, known once training starts)")
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                text = f"no model summary: {exc}"
        self.query_one("#dash-model", Static).update(text)

    def redraw(self) -> None:
        state = self.state
        status = self.current_status()
        if status != self.status:
            self.status = status
            self.refresh_bindings()  # the key bar offers what this status allows
        self.query_one("#dash-gone", Static).set_class(self.gone, "-shown")
        if self.status == "queued" and not state.started:
            state.stage = "waiting in the queue; it starts when the queued runs before it are done"
        self.show_title()
        self.query_one(ProgressPanel).show(state, self.status)
        epochs = state.finished_epochs
        note = overfitting_note(epochs)
        callout = self.query_one("#dash-overfit", Static)
        callout.update(note or "")
        callout.set_class(bool(note), "-shown")
        cut = state.interrupted() if self.status not in ("running", "queued", "pending") else None
        self.query_one(EpochTable).show(epochs, state.best_epoch, cut)
        epochs_note = self.query_one("#dash-epochs-note", Static)
        epochs_note.update(interrupted_note(cut, self.status) if cut else "")
        epochs_note.set_class(bool(cut), "-shown")
        log = self.query_one("#dash-log", RichLog)
        for line in state.log[self._logged:]:
            log.write(line)
        self._logged = len(state.log)
        self.draw_plots()
        if (self.run_dir / "summary.txt").is_file() and "planned" in \
                str(self.query_one("#dash-model", Static).render()):
            self.show_model()

    def draw_plots(self) -> None:
        self.query_one(CurvesPanel).draw(self.state)

    # ---- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_new_from_run(self) -> None:
        from seqtui.tui.screens.new import open_form_from_run

        open_form_from_run(self.app, self.run_dir)

    def action_chart(self, what: str, *args: int) -> None:
        self.query_one(CurvesPanel).change(what, *args)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Stop and pause only while the run trains, resume only once it has stopped."""
        statuses = ACTION_STATUSES.get(action)
        if statuses is not None and self.gone:
            return False  # its request file has no directory to go in (writing it raises)
        return statuses is None or self.current_status() in statuses

    def action_resume(self) -> None:
        try:
            line = resume_in_background(self.run_dir)
        except BadInput as exc:
            self.notify(str(exc), title="Cannot resume", severity="warning")
            return
        self.started_again(line)

    def action_train_further(self) -> None:
        done = max(self.state.epochs, default=0)
        target = done + FURTHER_EPOCHS
        question = (f"Train {self.run_dir.name} {FURTHER_EPOCHS} more epochs, to {target} in "
                    f"all? (`seqtui resume {self.run_dir.name} --epochs N` trains to N.)")

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                line = resume_in_background(self.run_dir, epochs=target)
            except BadInput as exc:
                self.notify(str(exc), title="Cannot train further", severity="warning")
                return
            self.config.setdefault("training", {})["epochs"] = target
            self.state.epochs_total = target
            self.started_again(line)

        self.app.push_screen(ConfirmScreen(question, yes="Train"), answered)

    def started_again(self, line: str) -> None:
        self._resuming = True
        self.state.stage = "starting the training process"
        self.notify(line, title="Resumed")
        self.app.scan_runs()
        self.redraw()

    def action_stop(self) -> None:
        status = self.current_status()
        if status not in ("running", "queued", "pending"):
            self.notify(f"This run is not training ({status.replace('_', ' ')}).",
                        severity="warning")
            return
        question = (f"Stop {self.run_dir.name} after the current batch? Resume repeats the "
                    "interrupted epoch from its start." if status == "running" else
                    f"Take {self.run_dir.name} off the queue? It will not start.")

        def answered(yes: bool | None) -> None:
            if yes and self.run_dir.is_dir():
                request_stop(self.run_dir)
                if self.state.paused or is_paused(self.run_dir):
                    request_resume(self.run_dir)
                self.notify("Stopping after the current batch…" if status == "running"
                            else "Taken off the queue.", title="Stop")

        self.app.push_screen(ConfirmScreen(question, yes="Stop"), answered)

    def action_pause(self) -> None:
        if self.current_status() != "running":
            self.notify("Only a running run can be paused.", severity="warning")
            return
        if self.state.paused or is_paused(self.run_dir):
            request_resume(self.run_dir)
            self.notify("Resuming…", title="Resume")
        else:
            request_pause(self.run_dir)
            self.notify("Pausing after the current batch…", title="Pause")


def resume_in_background(run_dir: Path, epochs: int | None = None) -> str:
    """Continue a run in the background from its last finished epoch, as `seqtui resume RUN
    --detach [--epochs N]` does; `epochs` (more than it has done) trains a finished run further.

    Returns the line to show; raises BadInput, changing nothing, when the run cannot resume.
    """
    from seqtui.engine.training.launch import spawn_training

    info = prepare_resume(run_dir, epochs, start_again="from the runs list (n)")
    try:
        spawn_training(run_dir, resume=True)
    except OSError as exc:
        raise BadInput(f"could not start the training process: {exc}") from None
    return f"{info.id}: resuming from epoch {info.epochs_done + 1} in the background"
