"""The seqtui TUI: the app shell that owns the runs scan, notifications and navigation.

Screens live in seqtui.tui.screens, widgets in seqtui.tui.widgets, styles in the .tcss files
next to this module; seqtui.tui.screens_ahead keeps the screens built ahead and kept. The app
follows runs only by reading run directories; TensorFlow is never imported here (training runs
in its own detached process).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from textual import constants, events, on, work
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.message import Message
from textual.signal import Signal

from seqtui.engine.errors import BadInput
from seqtui.engine.runs.status import FINISHED_STATUSES, RunInfo
from seqtui.engine.runs.store import find_run
from seqtui.engine.sweeps.state import is_sweep_dir
from seqtui.tui import trace
from seqtui.tui.commands import SeqtuiCommands
from seqtui.tui.keymap import load_keymap
from seqtui.tui.runindex import RunIndex
from seqtui.tui.runqueue import read_queue
from seqtui.tui.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from seqtui.tui.screens_ahead import PREBUILD_IDLE_SECONDS, ScreensAhead
from seqtui.tui.workarounds import (
    IdleCollector,
    keep_typed_keys_in_order,
    release_closed_widgets,
    warm_imports,
)

SCAN_SECONDS = 1.0
COLLECT_CHECK_SECONDS = 0.1


class RunsScanned(Message):
    """A fresh look at every run in the runs dir (made in a thread)."""

    def __init__(self, runs: list[RunInfo], queued: set[str]) -> None:
        super().__init__()
        self.runs = runs
        self.queued = queued
        self.scanned = True


class SeqtuiApp(ScreensAhead, App, inherit_bindings=False):
    """ctrl+q belongs to the New experiment screen (queue), so the app does not bind it."""

    TITLE = "seqtui"
    CSS_PATH = ["app.tcss", "runs.tcss", "new.tcss", "dashboard.tcss", "compare.tcss",
                "sweeps.tcss"]
    COMMANDS = {SeqtuiCommands}  # it lists Textual's system commands too, after seqtui's
    BINDINGS = [
        Binding("ctrl+c", "quit", "Quit", show=False, id="app.quit"),
    ]

    def __init__(self, runs_dir: Path, attach: Path | None = None,
                 keymap: dict[str, str] | None = None, scan: bool = True,
                 first_scan_in_thread: bool = True, prebuild: bool = True) -> None:
        """`scan=False` reads the runs dir once and never again (deterministic screenshots);
        `first_scan_in_thread=False` lists the runs before the first frame (tests);
        `prebuild=False` builds the New experiment form and Help on the first `n` and `?`,
        not before."""
        super().__init__()
        keep_typed_keys_in_order()
        self.runs_dir = Path(runs_dir)
        self.attach_to = attach
        self.runs: list[RunInfo] = []
        self.scanned = False  # until the first scan, an empty list means "not read yet"
        self.queued: set[str] = set()
        self.runs_signal: Signal[list[RunInfo]] = Signal(self, "runs")
        self.index = RunIndex(self.runs_dir)
        self.notifications_sent: list[str] = []
        self._statuses: dict[str, str] = {}
        self._dashboards: list[str] = []  # names of the kept dashboards, least recent first
        # The run whose dashboard was opened last (by enter, the palette or attach): the runs
        # list puts its cursor there when it shows again.
        self.last_opened_run: str | None = None
        self.collector = IdleCollector()
        self._prebuild = prebuild
        self._prebuilding = False  # the idle build's chain of steps is under way
        self._prebuilt: str | None = None  # a dashboard built ahead and not opened yet
        self._mounting: set[str] = set()  # screens built ahead whose mount is under way
        self._prebuild_step_running = False
        self._shutting_down = False
        self._scanning = False
        self._scan_enabled = scan
        self._first_scan_in_thread = first_scan_in_thread and scan
        if keymap is None:
            keymap, self._keymap_problem = load_keymap()
        else:
            self._keymap_problem = None
        self.user_keymap = keymap

    def on_mount(self) -> None:
        from seqtui.tui.screens.runs import RunsScreen

        # Before any screen exists: what is frozen is never freed, and screens come and go.
        self.collector.start()
        self.set_interval(COLLECT_CHECK_SECONDS, self.collector.tick)

        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self._keymap_problem:
            self.notify(self._keymap_problem, severity="warning")
        # The first scan runs in a thread like every later one: the Runs screen draws at once
        # and fills in when the run directories have been read. (Without live scanning, as in
        # snapshot tests, the one scan is made here, so the first frame is always the same.)
        if not self._first_scan_in_thread:
            self.apply_scan(self.index.scan(), set(read_queue(self.runs_dir)))
        self.push_screen(RunsScreen())
        if self._first_scan_in_thread:
            self.scan_runs()
        if self.attach_to is not None and is_sweep_dir(self.attach_to):
            from seqtui.tui.screens.sweeps import SweepScreen

            self.push_screen(SweepScreen(self.attach_to))
        elif self.attach_to is not None:
            self.open_dashboard(self.attach_to)
        if self._scan_enabled:
            self.set_interval(SCAN_SECONDS, self.scan_runs)
        self.check_size()
        self.call_after_refresh(self.after_first_frame)

    def after_first_frame(self) -> None:
        warm_imports()
        if self._prebuild and not self._prebuilding:
            self._prebuilding = True
            self.set_timer(PREBUILD_IDLE_SECONDS, self.prebuild_screens)

    def on_unmount(self) -> None:
        self.collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.collector.input_seen()
            if trace.ON:
                trace.event("app.key", getattr(event, "key", ""))
        await super().on_event(event)

    async def _on_key(self, event: events.Key) -> None:
        """A character that comes back to the app unhandled while an input has focus was typed
        just after the key that focused it (`/abc` in one burst: / is a screen binding, which
        runs once its key has bubbled up, after a, b and c went to the list). It belongs in
        the input, so it goes there; otherwise Textual's own handling (the app's bindings)."""
        from textual.widgets import Input

        focused = self.focused
        if isinstance(focused, Input) and event.is_printable:
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))

    def get_driver_class(self) -> type[Driver]:
        """On Linux and macOS, Textual's driver with escape delivered when its wait is over
        (seqtui.tui.driver); elsewhere, or with TEXTUAL_DRIVER set, Textual's choice."""
        if sys.platform == "win32" or constants.DRIVER is not None:
            return super().get_driver_class()
        from seqtui.tui.driver import PromptEscapeDriver

        return PromptEscapeDriver

    # ---- runs ------------------------------------------------------------------------------

    def scan_runs(self) -> None:
        if not self._scanning:
            self._scanning = True
            self.scan_in_thread()

    @work(thread=True, group="scan", exit_on_error=False)
    def scan_in_thread(self) -> None:
        try:
            runs = self.index.scan()
            queued = set(read_queue(self.runs_dir))
        finally:
            self._scanning = False
        self.post_message(RunsScanned(runs, queued))

    @on(RunsScanned)
    def runs_scanned(self, message: RunsScanned) -> None:
        self.apply_scan(message.runs, message.queued)

    def apply_scan(self, runs: list[RunInfo], queued: set[str]) -> None:
        for run in runs:
            before = self._statuses.get(run.id)
            if before == "running" and run.status != "running":
                self.run_ended(run)
            self._statuses[run.id] = run.status
        self.runs = runs
        self.queued = queued
        self.scanned = True
        self.runs_signal.publish(runs)
        if self._dashboards or self._prebuilt:
            self.forget_dashboards({run.id for run in runs})

    def run_ended(self, run: RunInfo) -> None:
        """Toast, terminal bell and an OSC 9 desktop notification (it reaches the user's own
        terminal over SSH)."""
        if run.status in FINISHED_STATUSES:
            outcome = run.outcome
            text = f"{run.id} {run.status.replace('_', ' ')}" + (f"; {outcome}" if outcome else "")
            severity = "information"
        else:
            text = f"{run.id} {run.status}" + (f": {run.message}" if run.message else "")
            severity = "error"
        self.notify(text, title="Run ended", severity=severity, timeout=10)
        self.desktop_notify(f"seqtui: {text}")

    def desktop_notify(self, text: str) -> None:
        self.notifications_sent.append(text)
        self.bell()
        if self.is_headless or self._driver is None:
            return
        clean = "".join(ch for ch in text if ch.isprintable())[:200]
        escape = f"\x1b]9;{clean}\x07"
        if os.environ.get("TMUX"):
            escape = "\x1bPtmux;" + escape.replace("\x1b", "\x1b\x1b") + "\x1b\\"
        self._driver.write(escape)

    # ---- navigation ------------------------------------------------------------------------

    def pop_screen(self):
        """Back to the screen below; the closed screen's widgets can then be freed."""
        done = super().pop_screen()
        release_closed_widgets()
        if trace.ON:
            trace.event("app.popped", type(self.screen).__name__)
        return done

    def open_compare(self, run_dirs: list[Path]) -> None:
        from seqtui.tui.screens.compare import CompareScreen

        self.push_screen(CompareScreen(run_dirs))

    def action_new_experiment(self) -> None:
        self.install_new_form()
        self.push_screen("new")

    def help_sections(self) -> list[tuple[str, list[Binding]]]:
        """Every screen's bindings, as Help lists them."""
        from seqtui.tui.screens.compare import CompareScreen
        from seqtui.tui.screens.confirm import ConfirmScreen
        from seqtui.tui.screens.dashboard import DashboardScreen
        from seqtui.tui.screens.new import FormScroll, NewExperimentScreen
        from seqtui.tui.screens.predict import PredictScreen
        from seqtui.tui.screens.runs import RunsScreen
        from seqtui.tui.screens.sweeps import SweepScreen
        from seqtui.tui.widgets.runs_table import RunsTable

        return [
            ("Runs", [RunsTable.BINDINGS[0], *RunsScreen.BINDINGS, *RunsTable.BINDINGS[1:]]),
            ("New experiment", [*NewExperimentScreen.BINDINGS, *FormScroll.BINDINGS[:2]]),
            ("Dashboard", DashboardScreen.BINDINGS),
            ("Compare", CompareScreen.BINDINGS),
            ("Sweep", SweepScreen.BINDINGS),
            ("Predict", PredictScreen.BINDINGS),
            ("Questions", ConfirmScreen.BINDINGS),
            ("Everywhere", [Binding("ctrl+p", "command_palette", "Command palette",
                                    id="app.palette"), *self.BINDINGS]),
        ]

    def install_help(self) -> None:
        """Help is built once and kept: its tables are every binding of every screen (which,
        and the user's keymap, do not change while the app runs), and building them took
        longer than a key may."""
        from seqtui.tui.screens.help import HelpScreen

        if not self.is_screen_installed("help"):
            self.install_screen(HelpScreen(self.help_sections(), self.user_keymap), "help")

    def action_help(self) -> None:
        from seqtui.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.install_help()
        self.push_screen("help")

    # ---- terminal size ---------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.check_size(event.size.width, event.size.height)

    def check_size(self, width: int | None = None, height: int | None = None) -> None:
        if width is None or height is None:
            width, height = self.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen((width, height)))
        elif not small and showing:
            self.pop_screen()
        elif small:
            self.screen.describe((width, height))


def run_tui(runs_dir: Path, attach: str | None = None) -> int:
    """Open the TUI on a runs dir, optionally on a run's dashboard; returns an exit status.

    Raises BadInput (one line, exit 2) for a run that does not exist or when there is no
    terminal to draw on.
    """
    attach_path = find_run(attach, runs_dir) if attach else None
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise BadInput("the TUI needs a terminal; in scripts use `seqtui runs`, `seqtui show RUN` "
                       "or `seqtui train`")
    trace.install()
    app = SeqtuiApp(Path(runs_dir), attach=attach_path)
    app.run()
    return int(app.return_code or 0)
