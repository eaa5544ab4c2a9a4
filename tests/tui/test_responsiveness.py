"""What keeps keys quick: dashboards kept and reused (and let go of), the New experiment form
and the dashboard of the run under the cursor built while the user is idle, and full garbage
collections moved to idle moments."""

from __future__ import annotations

import gc
import shutil
import weakref

import pytest

from helpers import wait_until
from seqtui.tui.formfields import FIELDS
from seqtui.tui.screens.dashboard import POLL_SECONDS, DashboardScreen
from seqtui.tui.screens.new import NewExperimentScreen
from seqtui.tui.screens.runs import RunsScreen
from seqtui.tui.screens_ahead import KEPT_DASHBOARDS, dashboard_name
from seqtui.tui.widgets.metric_plot import MetricPlot
from seqtui.tui.workarounds import IdleCollector

pytestmark = pytest.mark.anyio


async def open_row(pilot, row: int) -> DashboardScreen:
    """From the Runs screen: the cursor to a row (newest run first), enter."""
    app = pilot.app
    app.screen.query_one("#runs-table").move_cursor(row=row, animate=False)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen))
    return app.screen


async def test_reopening_a_run_shows_the_same_dashboard_without_building_it_again(runs, make_app):
    runs.finished("2026-01-01_000000_bilstm")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        first = await open_row(pilot, 0)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)
        again = await open_row(pilot, 0)
        assert again is first
        assert len(again.query(MetricPlot)) == 2


async def test_a_closed_dashboard_stops_reading_its_run_and_catches_up_when_opened(
        runs, make_app):
    config = runs.tiny("bilstm", epochs=4)
    path = runs.create("2026-01-01_000000_bilstm", config, runs.start_events(config), alive=True)
    runs.append(path, [runs.epoch_event(*runs.OVERFIT_CURVE[0], best_epoch=1)])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        dash = await open_row(pilot, 0)
        await wait_until(pilot, lambda: len(dash.state.epochs) == 1)
        await pilot.press("escape")
        await pilot.pause()
        runs.append(path, [runs.epoch_event(*runs.OVERFIT_CURVE[1], best_epoch=2)])
        await pilot.pause(4 * POLL_SECONDS)
        assert len(dash.state.epochs) == 1  # closed: it read nothing more

        assert await open_row(pilot, 0) is dash
        await wait_until(pilot, lambda: dash.query_one("#dash-epochs").row_count == 2)


async def test_only_the_last_dashboards_are_kept_and_the_others_are_freed(runs, make_app):
    for day in range(1, KEPT_DASHBOARDS + 3):
        runs.finished(f"2026-01-{day:02d}_000000_bilstm")
    app = make_app()
    opened = []
    async with app.run_test(size=(100, 30)) as pilot:
        for row in range(KEPT_DASHBOARDS + 2):
            dash = await open_row(pilot, row)
            await wait_until(pilot, lambda d=dash: len(d.state.epochs) == 4)
            plots = list(dash.query(MetricPlot))
            opened.append((weakref.ref(dash), [weakref.ref(p) for p in plots],
                           [weakref.ref(p._styles_cache) for p in plots]))
            del dash, plots
            await pilot.press("escape")
        await pilot.pause(0.3)
        gc.collect()
        alive = [screen for screen, _, _ in opened if screen() is not None]
        assert len(alive) == KEPT_DASHBOARDS
        for screen, plots, render_caches in opened[:2]:  # the two least recently opened
            assert screen() is None
            # Textual's theme signal (the plots) and a style cache (their rendered lines) used
            # to keep these after the screen had gone.
            assert all(plot() is None for plot in plots)
            assert all(cache() is None for cache in render_caches)


async def test_the_dashboard_of_a_deleted_run_is_let_go(runs, make_app):
    path = runs.finished("2026-01-01_000000_bilstm")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = weakref.ref(await open_row(pilot, 0))
        await pilot.press("escape")
        shutil.rmtree(path)
        app.scan_runs()
        await wait_until(pilot, lambda: not app.runs)
        # Removing a screen is a message like any other: on a loaded machine its timers and
        # finished workers let go of it a little later. It must be gone within seconds.

        def released() -> bool:
            gc.collect()
            return screen() is None

        await wait_until(pilot, released, timeout=5.0)


async def test_the_new_form_is_built_while_the_user_is_idle_and_shown_by_n(runs, make_app):
    runs.finished("2026-01-01_000000_bilstm")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.is_screen_installed("new")
                         and app.get_screen("new").is_running)
        form = app.get_screen("new")
        assert isinstance(form, NewExperimentScreen)
        await wait_until(pilot, lambda: not form.unbuilt)  # a piece at a time, all of them
        assert isinstance(app.screen, RunsScreen)  # built, not shown
        assert all(form.query(f"#{f.widget_id}") for f in FIELDS)
        assert form.query("#sweep-pruner")
        await pilot.press("n")
        assert app.screen is form
        assert form.query_one("#model-preview").border_subtitle.endswith("params")


async def test_the_dashboard_under_the_cursor_is_built_while_idle_and_enter_shows_it(
        runs, make_app):
    config = runs.tiny("bilstm", epochs=4)
    running = runs.create("2026-01-03_000000_bilstm", config, runs.start_events(config),
                          alive=True)
    runs.append(running, [runs.epoch_event(*runs.OVERFIT_CURVE[0], best_epoch=1)])
    second = runs.finished("2026-01-02_000000_bilstm")
    third = runs.finished("2026-01-01_000000_bilstm")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        list_screen = app.screen
        table = list_screen.query_one("#runs-table")
        name = dashboard_name(running)
        await wait_until(pilot, lambda: app.is_screen_installed(name)
                         and app.get_screen(name).is_running)
        dash = app.get_screen(name)
        # Built out of sight, drawn from the run's log; nothing shown changed.
        assert app.screen is list_screen and app.focused is table
        await wait_until(pilot, lambda: dash.query_one("#dash-epochs").row_count == 1)
        runs.append(running, [runs.epoch_event(*runs.OVERFIT_CURVE[1], best_epoch=2)])
        await pilot.pause(4 * POLL_SECONDS)
        assert dash.query_one("#dash-epochs").row_count == 1  # not followed until opened

        await pilot.press("enter")
        assert app.screen is dash  # shown, not built again
        await wait_until(pilot, lambda: dash.query_one("#dash-epochs").row_count == 2)
        await pilot.press("escape")
        assert app.screen is list_screen

        # The cursor rests on another run: its dashboard is built ahead in turn, the opened one
        # stays kept; and one the cursor left before it was opened is let go.
        table.move_cursor(row=1, animate=False)
        await wait_until(pilot, lambda: app.is_screen_installed(dashboard_name(second)))
        left = weakref.ref(app.get_screen(dashboard_name(second)))
        table.move_cursor(row=2, animate=False)
        await wait_until(pilot, lambda: app.is_screen_installed(dashboard_name(third)))
        assert not app.is_screen_installed(dashboard_name(second))
        assert app.is_screen_installed(name)

        def released() -> bool:
            gc.collect()
            return left() is None

        await wait_until(pilot, released, timeout=5.0)
        assert app.screen is list_screen


def test_full_collections_wait_for_an_idle_moment_or_run_once_overdue():
    collector = IdleCollector()
    before = gc.get_threshold()
    collector.start()
    try:
        assert gc.get_threshold()[:2] == before[:2]  # young generations as usual
        assert gc.get_threshold()[2] > 10**6  # no automatic full pass
        assert gc.get_freeze_count() > 0  # start-up objects out of the collector's way

        for _ in range(IdleCollector.DUE):
            gc.collect(1)  # each collection of the middle generation brings a full pass closer
        collector.input_seen()  # a key just now
        collector.tick()
        assert collector.full_passes == 0 and gc.get_count()[2] >= IdleCollector.DUE
        collector.last_input -= IdleCollector.IDLE_SECONDS  # a short pause: not yet
        collector.tick()
        assert collector.full_passes == 0
        collector.last_input -= IdleCollector.COLLECT_IDLE_SECONDS  # nobody typed since
        collector.tick()
        assert collector.full_passes == 1 and gc.get_count()[2] == 0

        for _ in range(IdleCollector.OVERDUE):
            gc.collect(1)
        collector.input_seen()  # keys without a pause: the one just pressed is answered first
        collector.tick()
        assert collector.full_passes == 1
        collector.last_input -= IdleCollector.ANSWERED_SECONDS
        collector.tick()
        assert collector.full_passes == 2  # memory stays bounded anyway
    finally:
        collector.stop()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def row_of(widget) -> str:
    """The form row a focused widget belongs to (the layers editor's list is in its row)."""
    return next(node.id for node in (widget, *widget.ancestors)
                if (node.id or "").endswith("-row"))


async def test_n_during_the_idle_build_opens_the_form_and_tab_reaches_every_field(
        runs, make_app, monkeypatch):
    """The build caught half way (its later steps put off): n shows the form at once, and
    the keyboard still goes through every field in order, the missing ones mounted as the
    focus nears them; what is typed into them reaches the config, and the styles of the
    pieces mounted later are those a full restyle gives."""
    import seqtui.tui.screens_ahead as screens_ahead
    from seqtui.tui.formfields import sections
    from seqtui.tui.screens.new_sweep import SWEEP_SETTINGS

    runs.finished("2026-01-01_000000_bilstm")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.is_screen_installed("new")
                         and app.get_screen("new").is_running)
        monkeypatch.setattr(screens_ahead, "PREBUILD_STEP_SECONDS", 600.0)
        form = app.get_screen("new")
        await pilot.press("n")
        assert app.screen is form
        assert form.unbuilt and not form.query("#sweep-trials")  # shown half built
        everything = [f"{f.widget_id}-row" for _, fields in sections() for f in fields] + \
            [f"sweep-{name}-row" for name, _ in SWEEP_SETTINGS]
        # From the last field composed with the form on, by tab alone.
        start = everything.index("field-data-demo-size-row")
        expected = everything[start:]
        form.query_one("#field-data-demo-size").focus()
        app.animation_level = "none"  # the scroll follows the focus without easing (quicker)
        await pilot.pause()
        seen = [row_of(app.focused)]
        while len(seen) < 200 and seen[-1] != expected[-1]:
            if seen[-1] == "field-training-seed-row":
                await pilot.press("ctrl+u", *"7")
            if seen[-1] == "sweep-trials-row":
                await pilot.press("ctrl+u", *"3")
            await pilot.press("tab")
            if row_of(app.focused) != seen[-1]:
                seen.append(row_of(app.focused))
        assert seen == expected
        assert not form.unbuilt
        assert form.config.training.seed == 7 and form.sweep_setting("trials") == "3"
        await pilot.press("tab")  # past the last field: back to the first
        assert row_of(app.focused) == everything[0]
        before = {id(n): tuple(n._css_styles.css_lines) for n in form.walk_children()}
        app.update_styles(form, animate=False)
        assert before == {id(n): tuple(n._css_styles.css_lines) for n in form.walk_children()}
