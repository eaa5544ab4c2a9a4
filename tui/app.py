"""The seqtui TUI: the app shell that owns the runs scan, notifications and navigation.

Screens live in seqtui.tui.screens, widgets in seqtui.tui.widgets, styles in the .tcss files
next to this module. The app follows runs only by reading run directories; TensorFlow is never
imported here (training runs in its own detached process).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from functools import partial
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
from seqtui.tui.workarounds import (
    IdleCollector,
    keep_typed_keys_in_order,
    release_closed_widgets,
    screens_ahead_busy,
    warm_imports,
)

SCAN_SECONDS = 1.0
COLLECT_CHECK_SECONDS = 0.1
PREBUILD_IDLE_SECONDS = 0.5
# How long quitting waits, at most, for a screen built ahead to finish mounting.
SETTLE_BEFORE_EXIT_SECONDS = 2.0
PREBUILD_STEP_SECONDS = 0.05  # between two pieces of the idle build: a key comes first
SETTLE_CHECK_SECONDS = 0.05  # how often a screen to close is checked for a finished mount
KEPT_DASHBOARDS = 4


def dashboard_name(run_dir: Path) -> str:
    """The name a run's dashboard is installed under (kept or built ahead)."""
    return f"dashboard:{Path(run_dir).resolve()}"


class RunsScanned(Message):
    """A fresh look at every run in the runs dir (made in a thread)."""

    def __init__(self, runs: list[RunInfo], queued: set[str]) -> None:
        super().__init__()
        self.runs = runs
        self.queued = queued
        self.scanned = True


class SeqtuiApp(App, inherit_bindings=False):
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

    def open_dashboard(self, run_dir: Path) -> None:
        """The run's dashboard. The last few opened are kept (installed, their polling paused
        while hidden): going back and forth between the runs list and a run builds nothing
        again, and leaves no screen of widgets behind for the garbage collector."""
        from seqtui.tui.screens.dashboard import DashboardScreen

        name = dashboard_name(run_dir)
        self.last_opened_run = Path(run_dir).name
        if name == self._prebuilt:
            self._prebuilt = None  # opened: kept from now on like any other
        if not self.is_screen_installed(name):
            self.install_screen(DashboardScreen(run_dir), name)
        self._dashboards = [n for n in self._dashboards if n != name] + [name]
        screen = self.get_screen(name)
        if screen in self.screen_stack:
            while self.screen is not screen:
                self.pop_screen()
        else:
            self.push_screen(screen)
        self.forget_dashboards()

    def forget_dashboards(self, known_runs: set[str] | None = None) -> None:
        """Close the kept dashboards beyond the newest KEPT_DASHBOARDS, and those of runs that
        are gone (`known_runs`: the run ids that still exist), unless they are showing."""
        keep = self._dashboards[-KEPT_DASHBOARDS:]
        closed = False
        for name in list(self._dashboards):
            if not self.is_screen_installed(name):  # the app is closing: Textual let it go
                self._dashboards.remove(name)
                continue
            screen = self.get_screen(name)
            gone = known_runs is not None and screen.run_dir.name not in known_runs
            if (name in keep and not gone) or screen in self.screen_stack:
                continue
            self._dashboards.remove(name)
            closed |= self.close_hidden_screen(name)
        prebuilt = self._prebuilt
        if prebuilt is not None and known_runs is not None and (
                not self.is_screen_installed(prebuilt)
                or self.get_screen(prebuilt).run_dir.name not in known_runs):
            closed |= self.drop_prebuilt_dashboard()
        if closed:
            release_closed_widgets()

    def drop_prebuilt_dashboard(self) -> bool:
        """Close the dashboard built ahead for a run that was never opened."""
        name, self._prebuilt = self._prebuilt, None
        if name is None or not self.is_screen_installed(name):
            return False
        return self.close_hidden_screen(name)

    def close_hidden_screen(self, name: str) -> bool:
        """Uninstall and remove an installed screen that is not showing; True when it is closed
        now. One built ahead whose mount is under way is closed once the mount is over:
        removed mid-mount (its run deleted, and the scan dropping it), its own handlers ran
        against widgets Textual had already removed, and raised."""
        screen = self.get_screen(name)
        if screen in self.screen_stack:
            return False
        if name in self._mounting:
            self.set_timer(SETTLE_CHECK_SECONDS, partial(self._close_after_mount, name, screen))
            return False
        self.uninstall_screen(name)
        screen.remove()
        return True

    def _close_after_mount(self, name: str, screen: object) -> None:
        if name in self._dashboards or name == self._prebuilt or \
                not self.is_screen_installed(name) or self.get_screen(name) is not screen:
            return  # opened, or built ahead again, in the meantime: it stays
        if self.close_hidden_screen(name):
            release_closed_widgets()
            self.cursor_moved()  # the idle build goes on if the cursor came back to its run

    def cursor_run_unbuilt(self) -> Path | None:
        """The run under the runs list's cursor while the list shows, if its dashboard is not
        built (kept or built ahead) yet."""
        from seqtui.tui.screens.runs import RunsScreen

        screen = self.screen
        run = screen.current_run() if isinstance(screen, RunsScreen) else None
        if run is None or self.is_screen_installed(dashboard_name(run.path)):
            return None
        return run.path

    async def prebuild_dashboard(self, run_dir: Path) -> None:
        """Build the dashboard of the run under the cursor while the user is idle, so that
        enter only shows it, as it shows a kept one. It reads its run once, draws, and is then
        styled, laid out and painted out of sight in steps (RestyleWhenStale), without
        following the run until it is opened. One is built ahead at a time: one the cursor
        left before it was opened is dropped."""
        from seqtui.tui.screens.dashboard import DashboardScreen

        self.drop_prebuilt_dashboard()
        name = dashboard_name(run_dir)
        self.install_screen(DashboardScreen(run_dir), name)
        self._prebuilt = name
        _, mounted = self._get_screen(name)
        self._mounting.add(name)
        try:
            await mounted
        finally:
            self._mounting.discard(name)

    def cursor_moved(self) -> None:
        """The runs list's cursor is on another run: build its dashboard once the user rests
        there (the idle build resumes if it had finished)."""
        if self._prebuild and not self._prebuilding and self.cursor_run_unbuilt() is not None:
            self._prebuilding = True
            self.set_timer(PREBUILD_IDLE_SECONDS, self.prebuild_screens)

    def open_compare(self, run_dirs: list[Path]) -> None:
        from seqtui.tui.screens.compare import CompareScreen

        self.push_screen(CompareScreen(run_dirs))

    def install_new_form(self, staged: bool = False) -> None:
        """The form is built once and kept (installed): opening it again is instant, and it
        remembers the last config, ready to tweak and queue the next one. `staged`: built a
        section at a time (NewExperimentScreen.build_next_piece)."""
        from seqtui.tui.screens.new import NewExperimentScreen

        if not self.is_screen_installed("new"):
            self.install_screen(NewExperimentScreen(staged=staged), "new")

    async def prebuild_screens(self) -> None:
        """One step of the idle build (prebuild_step), noted while it runs: see _shutdown."""
        if self._shutting_down:
            return
        self._prebuild_step_running = True
        try:
            await self.prebuild_step()
        finally:
            self._prebuild_step_running = False

    async def _shutdown(self) -> None:
        """Let screens built ahead finish mounting before Textual tears the app down. It closes
        a widget's children before the widget, so a mount still under way, or a message it
        queued (a TabbedContent activating its first tab), would run against half-removed
        widgets and raise: a traceback for a user who quits while a dashboard is built ahead."""
        self._shutting_down = True  # no further step starts
        deadline = time.monotonic() + SETTLE_BEFORE_EXIT_SECONDS
        while time.monotonic() < deadline and (self._prebuild_step_running
                                               or screens_ahead_busy(self)):
            await asyncio.sleep(0.01)
        await super()._shutdown()

    async def prebuild_step(self) -> None:
        """Build Help and the New experiment form while the user is idle on the first screen,
        so that the first `?` or `n` only shows them (building the form's widgets takes half a
        second on a busy machine). One piece at a time (Help, the form's first sections, each
        further section; then the screens style, lay out and paint themselves out of sight,
        in steps of their own), each only after half a second without a key: a key pressed
        meanwhile waits for one piece, not the whole build. `n` during the build shows the
        form with the pieces built so far, and the others follow in the same way (and at once
        for the next piece when the focus nears the end of the built ones). Help first: the
        form then starts with the stylesheet that showing Help would otherwise change (a
        modal screen's CSS), and is not restyled on its next showing for it. After the form's
        first piece, the dashboard of the run under the cursor (prebuild_dashboard): enter is
        then as quick the first time as on a reopen."""
        if not self.collector.idle(PREBUILD_IDLE_SECONDS):
            self.set_timer(PREBUILD_IDLE_SECONDS, self.prebuild_screens)
            return
        # Textual builds an installed screen when it is first shown; _get_screen builds it
        # now without showing it. Without it (a later Textual), the first key builds it.
        get_screen = getattr(self, "_get_screen", None)
        if not callable(get_screen):
            self._prebuilding = False
            return
        if not self.is_screen_installed("help"):
            self.install_help()
            _, mounted = get_screen("help")
            await mounted
        elif not self.is_screen_installed("new"):
            self.install_new_form(staged=True)
            _, mounted = get_screen("new")
            await mounted
        elif (run_dir := self.cursor_run_unbuilt()) is not None:
            await self.prebuild_dashboard(run_dir)
        else:
            form = self.get_screen("new")
            if not form.is_running or not await form.build_next_piece():
                self._prebuilding = False  # built whole; cursor_moved starts it again
                return
        self.set_timer(PREBUILD_STEP_SECONDS, self.prebuild_screens)

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
