"""Screens kept and built ahead: the last few dashboards opened stay installed, and while the
user is idle the app builds Help, the New experiment form and the dashboard of the run under
the runs list's cursor out of sight, so that the first `?`, `n` or enter only shows them.

A mixin of SeqtuiApp: it holds the app's kept and prebuilt screens' bookkeeping and the idle
build's steps, and lets screens built ahead finish mounting before the app quits.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from pathlib import Path

from seqtui.tui.workarounds import release_closed_widgets, screens_ahead_busy

PREBUILD_IDLE_SECONDS = 0.5
# How long quitting waits, at most, for a screen built ahead to finish mounting.
SETTLE_BEFORE_EXIT_SECONDS = 2.0
PREBUILD_STEP_SECONDS = 0.05  # between two pieces of the idle build: a key comes first
SETTLE_CHECK_SECONDS = 0.05  # how often a screen to close is checked for a finished mount
KEPT_DASHBOARDS = 4


def dashboard_name(run_dir: Path) -> str:
    """The name a run's dashboard is installed under (kept or built ahead)."""
    return f"dashboard:{Path(run_dir).resolve()}"


class ScreensAhead:
    """The kept dashboards and the idle build, for SeqtuiApp (a Textual App)."""

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

