"""Runs (home) screen: live list, open, mark, compare, filter, delete (asks first), report."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from helpers import wait_until
from seqtui.tui.app import SeqtuiApp
from seqtui.tui.screens.compare import CompareScreen
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.screens.dashboard import DashboardScreen
from seqtui.tui.screens.new import NewExperimentScreen
from seqtui.tui.screens.runs import RunsScreen
from seqtui.tui.screens_ahead import dashboard_name
from seqtui.tui.widgets.key_bar import KeyBar
from seqtui.tui.widgets.runs_table import RunsTable

pytestmark = pytest.mark.anyio


def table_text(app) -> str:
    table = app.screen.query_one(RunsTable)
    return "\n".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


async def test_lists_runs_newest_first_with_status_and_best(runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    runs.finished("2026-01-02_000000_bilstm", status="stopped")
    runs.create("2026-01-03_000000_lstm", runs.tiny("lstm"),
                runs.start_events(runs.tiny("lstm")), alive=True)
    app = make_app()
    async with app.run_test(size=(100, 30)):
        assert isinstance(app.screen, RunsScreen)
        text = table_text(app).splitlines()
        assert [line.split()[0] for line in text] == [
            "2026-01-03_000000_lstm", "2026-01-02_000000_bilstm", "2026-01-01_000000_gap"]
        assert "running" in text[0] and "stopped" in text[1] and "completed" in text[2]
        assert "0.720" in text[2]  # best val accuracy of the written curve


async def test_a_run_started_elsewhere_appears_and_updates_live(runs, make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.screen.query_one(RunsTable).row_count == 0
        config = runs.tiny("bigru", epochs=3)
        path = runs.create("2026-01-05_000000_bigru", config, runs.start_events(config),
                           alive=True)
        await wait_until(pilot, lambda: "bigru" in table_text(app))
        assert "0/3" in table_text(app)
        runs.append(path, [runs.epoch_event(1, 0.6, 0.6, 0.6, 0.65, best_epoch=1)])
        await wait_until(pilot, lambda: "1/3" in table_text(app) and "0.650" in table_text(app))


def shown_lines(table: RunsTable) -> list[str]:
    from textual.geometry import Region

    return [strip.text for strip in table.render_lines(Region(0, 0, *table.size))]


async def test_a_run_moving_on_redraws_its_row_alone_and_the_list_reads_as_a_fresh_one(
        runs, make_app, monkeypatch):
    for day in range(1, 9):
        runs.finished(f"2026-01-{day:02d}_000000_bilstm")
    config = runs.tiny("bigru", epochs=3)
    path = runs.create("2026-01-09_000000_bigru", config, runs.start_events(config),
                       alive=True)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one(RunsTable)
        await pilot.pause()
        before = shown_lines(table)
        rendered = []  # the rows whose cells were rendered (cache misses)
        original = RunsTable._get_row_renderables

        def row_renderables(self, row_index):
            rendered.append(row_index)
            return original(self, row_index)

        with monkeypatch.context() as patch:
            patch.setattr(RunsTable, "_get_row_renderables", row_renderables)
            runs.append(path, [runs.epoch_event(1, 0.6, 0.6, 0.6, 0.65, best_epoch=1)])
            await wait_until(pilot, lambda: "1/3" in table_text(app))
            after = shown_lines(table)
        # Only the running run's row (the first, under the header) was rendered again.
        assert rendered and set(rendered) == {0}
        assert "1/3" in after[1] and "0.6500" in after[1] and "0/3" in before[1]
        assert after[2:] == before[2:]
    fresh = make_app()
    async with fresh.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert shown_lines(fresh.screen.query_one(RunsTable)) == after


async def test_enter_opens_the_dashboard_and_escape_comes_back(runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter")
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.run_dir.name == "2026-01-01_000000_gap"
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_n_opens_the_new_experiment_form(runs, make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, NewExperimentScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_space_marks_and_c_compares_marked_runs(runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    runs.finished("2026-01-02_000000_bilstm", learning_rate=0.01)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("c")
        assert isinstance(app.screen, RunsScreen)  # nothing marked: a warning, no screen
        await pilot.press("space")
        assert "●" in table_text(app).splitlines()[0]
        await pilot.press("space")
        await pilot.press("c")
        assert isinstance(app.screen, CompareScreen)
        assert set(app.screen.run_ids) == {"2026-01-01_000000_gap", "2026-01-02_000000_bilstm"}


async def test_filter_narrows_the_list_and_escape_clears_it(runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    runs.finished("2026-01-02_000000_bilstm")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", "g", "a", "p")
        assert table_text(app).split()[0] == "2026-01-01_000000_gap"
        assert app.screen.query_one(RunsTable).row_count == 1
        await pilot.press("escape")
        assert app.screen.query_one(RunsTable).row_count == 2


async def test_delete_asks_first_and_no_keeps_the_run(runs, make_app):
    path = runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, RunsScreen)
        assert path.exists()
        await pilot.press("d", "y")
        await wait_until(pilot, lambda: not path.exists())
        await wait_until(pilot, lambda: app.screen.query_one(RunsTable).row_count == 0)


async def test_a_running_run_cannot_be_deleted(runs, make_app):
    config = runs.tiny("gap")
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config), alive=True)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        assert isinstance(app.screen, RunsScreen)
        await pilot.pause(0.2)
        assert path.exists()
        assert any("stop it" in n.message for n in app._notifications)


async def test_r_writes_the_report_and_shows_its_paths(runs, make_app):
    path = runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("r")
        await wait_until(pilot, lambda: (path / "report.md").exists(), timeout=60)
        await wait_until(pilot, lambda: any("report.md" in n.message
                                            for n in app._notifications), timeout=10)


async def test_run_that_finishes_rings_and_sends_osc9(runs, make_app):
    config = runs.tiny("gap", epochs=2)
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config), alive=True)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        # val_accuracy peaks at epoch 1, the monitored val_loss at epoch 2: the toast names the
        # epoch the dashboard stars, by the metric that chose it, and the test score.
        runs.append(path, [runs.epoch_event(1, 0.6, 0.6, 0.6, 0.70, best_epoch=1),
                           runs.epoch_event(2, 0.5, 0.7, 0.5, 0.65, best_epoch=2),
                           {"type": "run_finished", "time": runs.T0 + 50,
                            "status": "completed", "best_epoch": 2,
                            "best": {"val_loss": 0.5}, "test": {"accuracy": 0.6875}}])
        await wait_until(pilot, lambda: app.notifications_sent)
        expected = ("2026-01-01_000000_gap completed; best epoch 2 (val_loss 0.5000); "
                    "test acc 0.6875")
        assert expected in app.notifications_sent[0]
        assert any(expected in n.message for n in app._notifications)


async def test_detail_line_names_the_best_epoch_the_dashboard_marks(runs, make_app, shown):
    config = runs.tiny("gap", epochs=3)
    # val_accuracy peaks at epoch 1, the monitored val_loss at epoch 2.
    path = runs.create("2026-01-01_000000_gap", config, runs.start_events(config) + [
        runs.epoch_event(1, 0.6, 0.6, 0.6, 0.70, best_epoch=1),
        runs.epoch_event(2, 0.5, 0.7, 0.5, 0.65, best_epoch=2)], alive=True)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        detail = app.screen.query_one("#runs-detail")
        await pilot.pause()
        line, stage = shown(detail).strip().split("  ·  ")
        # The best so far fits in 80 columns (inside the padding); the stage may go below.
        assert line == "2026-01-01_000000_gap: running, best epoch 2 (val_loss 0.5000), 2.0s/epoch"
        assert len(line) <= 78 and stage == "training"
        await pilot.press("enter")
        dash = app.screen
        assert isinstance(dash, DashboardScreen)
        await wait_until(pilot, lambda: len(dash.state.epochs) == 2)
        assert dash.state.best_epoch == 2
        await pilot.press("escape")
        runs.append(path, [runs.epoch_event(3, 0.4, 0.8, 0.55, 0.68, best_epoch=2)
                           | {"best": {"val_loss": 0.5}},
                           {"type": "run_finished", "time": runs.T0 + 50,
                            "status": "completed", "best_epoch": 2,
                            "best": {"val_loss": 0.5}, "test": {"accuracy": 0.6875}}])
        await wait_until(pilot, lambda: "completed" in shown(detail))
        outcome = "best epoch 2 (val_loss 0.5000); test acc 0.6875"
        # At 80 columns the test score (a column of the table) gives way to the best epoch.
        assert shown(detail).strip() == ("2026-01-01_000000_gap: completed, best epoch 2 "
                                         "(val_loss 0.5000), 2.0s/epoch")
        await pilot.resize_terminal(120, 30)
        await wait_until(pilot, lambda: outcome in shown(detail))
        assert any(outcome in n.message for n in app._notifications)  # the run-ended toast


def test_osc9_escape_is_written_to_the_terminal(runs, make_app, monkeypatch):
    app = make_app()
    written: list[str] = []

    class Terminal:
        def write(self, data: str) -> None:
            written.append(data)

    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setattr(SeqtuiApp, "is_headless", property(lambda self: False))
    monkeypatch.setattr(app, "_driver", Terminal())
    app.desktop_notify("seqtui: run done")
    assert "\x07" in written  # the bell
    assert "\x1b]9;seqtui: run done\x07" in written


def cells(app, run_id: str) -> dict[str, str]:
    """The run's row as column key -> cell text, for the columns on screen."""
    table = app.screen.query_one(RunsTable)
    return {column.key.value: str(cell).strip()
            for column, cell in zip(table.columns.values(), table.get_row(run_id), strict=True)}


async def test_val_and_test_accuracy_have_columns_and_test_validation_is_marked(runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap", test={"loss": 0.5, "accuracy": 0.6875})
    runs.finished("2026-01-02_000000_seeds", preset="gap", validation="test",
                  test={"loss": 0.5, "accuracy": 0.7})
    runs.finished("2026-01-03_000000_old", preset="gap")  # no test scores: from before
    app = make_app()
    async with app.run_test(size=(80, 24)):
        assert cells(app, "2026-01-01_000000_gap")["acc"] == "0.7200"
        assert cells(app, "2026-01-01_000000_gap")["test"] == "0.6875"
        assert cells(app, "2026-01-02_000000_seeds")["acc"] == "0.7200*"
        assert cells(app, "2026-01-02_000000_seeds")["test"] == "0.7000"
        assert cells(app, "2026-01-03_000000_old")["test"] == "-"


def layout_problems(app) -> list[str]:
    """Cells wider than their column, and columns Textual sizes later (what made the first
    frame read `2` for an id and `comple` for completed until the table was laid out again)."""
    table = app.screen.query_one(RunsTable)
    problems = []
    for index, column in enumerate(table.columns.values()):
        if column.auto_width:
            problems.append(f"{column.key.value} is sized later")
        for row in range(table.row_count):
            text = table.get_row_at(row)[index]
            if getattr(text, "cell_len", len(str(text))) > column.width or "…" in str(text):
                problems.append(f"{column.key.value}: {text!s} cut to {column.width}")
    return problems


async def test_the_columns_fit_80_columns_whole_and_use_a_wider_terminal(runs, make_app,
                                                                         shown):
    runs.finished("2026-01-01_000000_gap", preset="gap", test={"loss": 0.5, "accuracy": 0.6875})
    runs.finished("2026-01-02_000000_bilstm", status="early_stopped", validation="test")
    app = make_app(first_scan_in_thread=True)  # as a user starts it: rows come after a frame
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(RunsTable)
        await wait_until(pilot, lambda: table.row_count == 2)
        # params gives way first, then data (as in `seqtui runs`): "early stopped" is wide.
        assert table.shown_columns == ["run", "status", "model", "epochs", "acc", "test"]
        assert layout_problems(app) == []
        assert cells(app, "2026-01-02_000000_bilstm")["status"] == "early stopped"
        assert table.virtual_size.width <= 80
        await pilot.press("h")  # the column chooser says which chosen ones have no room
        assert "data, params, val loss, s/epoch" in shown(
            app.screen.query_one("#columns-squeezed"))
        await pilot.press("escape")
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: "speed" in table.shown_columns)
        assert table.shown_columns[-5:] == ["epochs", "acc", "test", "val_loss", "speed"]
        assert "params" in table.shown_columns and layout_problems(app) == []
        assert table.virtual_size.width == 120  # the table spans the terminal
        assert cells(app, "2026-01-01_000000_gap")["val_loss"] == "0.5800"  # the lowest


async def test_the_key_bar_shows_every_key_whole_at_80_columns(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(80, 24)):
        bar = app.screen.query_one(KeyBar)
        lines = shown(bar).rstrip().splitlines()
        assert len(lines) == 2 and bar.size.height == 2
        assert all(len(line.rstrip()) <= 80 for line in lines)
        words = " ".join(lines).split()
        for description in ("Open", "New", "Mark", "Compare", "Report", "Delete", "Predict",
                            "Filter", "Sweeps", "Help", "Quit", "palette"):
            assert description in words, (description, lines)


async def test_a_one_line_key_bar_leaves_keys_out_whole_and_keeps_back_help_quit(runs,
                                                                                    make_app,
                                                                                    shown):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    runs.finished("2026-01-02_000000_lstm", preset="lstm")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "space", "c")  # Compare: more keys than one line holds
        assert isinstance(app.screen, CompareScreen)
        text = shown(app.screen.query_one(KeyBar)).rstrip()
        assert "\n" not in text and len(text) <= 80 and "…" not in text
        assert text.split()[-8:] == ["esc", "Back", "?", "Help", "q", "Quit", "^p", "palette"]
        assert "Show/hide" not in text  # the rightmost of the others went


async def test_home_end_delete_and_coming_back_keep_the_cursor_where_it_belongs(runs,
                                                                               make_app):
    for day in range(1, 6):
        runs.finished(f"2026-01-0{day}_000000_gap", preset="gap")
    app = make_app(attach=runs.runs_dir / "2026-01-02_000000_gap")
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("escape")  # the list opens on the run its dashboard showed
        table = app.screen.query_one(RunsTable)
        assert table.current_run_id == "2026-01-02_000000_gap"
        await pilot.press("home")
        assert table.current_run_id == "2026-01-05_000000_gap"
        await pilot.press("end")
        assert table.current_run_id == "2026-01-01_000000_gap"
        await pilot.press("up", "up", "space")  # marks the 3rd, and moves down
        assert table.current_run_id == "2026-01-02_000000_gap"
        await pilot.press("up", "d", "y")  # delete the 3rd: the cursor stays at its place
        await wait_until(pilot, lambda: table.row_count == 4)
        assert table.current_run_id == "2026-01-02_000000_gap"
        assert table.cursor_row == 2
        await pilot.press("up", "enter")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("escape")
        assert table.current_run_id == "2026-01-04_000000_gap"


async def test_parameter_counts_read_alike_in_the_list_and_on_the_dashboard(runs, make_app,
                                                                             shown):
    """One way of writing counts: whole thousands in the list's narrow column, three digits
    on the dashboard's line when it has to shorten; 999,950 rounds up to 1M in both."""
    from seqtui.tui.counts import compact_count
    from seqtui.tui.screens.dashboard_text import title_line

    runs.finished("2026-01-01_000000_gap", preset="gap", params=86_123)
    runs.finished("2026-01-02_000000_gap", preset="gap", params=999_950)
    app = make_app()
    async with app.run_test(size=(120, 30)):
        text = table_text(app).splitlines()
        assert " 1.0M " in f" {text[0]} " and " 86k " in f" {text[1]} "
    assert compact_count(86_123, significant=3) == "86.1k"
    assert compact_count(999_950, significant=3) == "1M"  # not 1e+03k
    assert compact_count(None) == "-" and compact_count(1_234) == "1,234"
    line = title_line("2026-01-01_000000_gap", "gap", "demo", 86_123, "", None, width=50)
    assert "86.1k params" in line.plain


async def test_the_run_ended_toast_leaves_the_detail_line_and_the_key_bar_readable(
        runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    runs.finished("2026-01-02_000000_bilstm")
    def toasts() -> list:
        return [n for n in app.screen.walk_children() if type(n).__name__ == "Toast"]

    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.run_ended(app.runs[0])  # as when the scan sees a run stop running
        await wait_until(pilot, toasts)
        await pilot.pause(0.3)
        [toast] = toasts()
        for below in ("#runs-detail", "KeyBar"):
            widget = app.screen.query_one(below)
            assert widget.region.height and not toast.region.overlaps(widget.region), below


async def test_quitting_while_a_dashboard_is_built_ahead_raises_nothing(runs, make_app):
    """Quit in the middle of building the dashboard under the cursor: Textual would tear the
    half-mounted screen down under its own handlers (a traceback at exit) unless the app
    lets it finish first. run_test re-raises any error the app met."""
    import asyncio

    runs.finished("2026-01-01_000000_bilstm")
    app = make_app()
    build = app.prebuild_dashboard
    mounting = asyncio.Event()

    async def prebuild_dashboard(run_dir):
        task = asyncio.ensure_future(build(run_dir))
        await asyncio.sleep(0)  # the build installs the screen and starts its mount
        mounting.set()
        await task

    app.prebuild_dashboard = prebuild_dashboard
    async with app.run_test(size=(100, 30)):
        await asyncio.wait_for(mounting.wait(), timeout=20)
        assert not app.get_screen(app._prebuilt).is_mounted  # the quit lands mid-mount



@pytest.mark.parametrize("turns", [1, 3])
async def test_a_run_deleted_while_its_dashboard_is_built_ahead_leaves_the_list(
        runs, make_app, turns):
    """Another process deletes the run under the cursor while its dashboard is being built
    ahead, and the scan that notices drops that dashboard in the middle of its mount. Removed
    then, the screen's own handlers ran against widgets Textual had already removed: one turn
    of the event loop into the mount, the dashboard's on_mount (NoMatches); three, its tabs
    activating the first one (ValueError). run_test re-raises any error the app met."""
    runs.finished("2026-01-01_000000_gap", preset="gap")
    doomed = runs.finished("2026-01-02_000000_bilstm")  # newest: under the cursor
    app = make_app(scan=False)  # the test makes the scan, at the moment that matters
    build = app.prebuild_dashboard
    deleted = asyncio.Event()

    async def prebuild_dashboard(run_dir):
        if deleted.is_set():
            return await build(run_dir)
        task = asyncio.ensure_future(build(run_dir))
        for _ in range(turns):
            await asyncio.sleep(0)
        assert app._prebuilt == dashboard_name(doomed)
        assert not app.get_screen(app._prebuilt).is_mounted  # the mount is under way
        shutil.rmtree(run_dir)
        app.apply_scan(app.index.scan(), app.queued)  # as a scan's RunsScanned does
        deleted.set()
        await task

    app.prebuild_dashboard = prebuild_dashboard
    async with app.run_test(size=(100, 30)) as pilot:
        await asyncio.wait_for(deleted.wait(), timeout=20)
        assert table_text(app).split()[0] == "2026-01-01_000000_gap"  # the run left the list
        assert app.screen.query_one(RunsTable).row_count == 1
        # Closed once its mount is over, not left behind.
        await wait_until(pilot, lambda: not app.is_screen_installed(dashboard_name(doomed)))
        await pilot.press("enter")
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.run_dir.name == "2026-01-01_000000_gap"


async def test_a_dashboard_whose_run_is_deleted_says_so_and_offers_no_control(
        runs, make_app, shown):
    finished = runs.finished("2026-01-01_000000_gap", preset="gap")
    config = runs.tiny("bilstm", epochs=3)
    running = runs.create("2026-01-02_000000_bilstm", config, runs.start_events(config) + [
        runs.epoch_event(1, 0.6, 0.6, 0.6, 0.70, best_epoch=1)], alive=True)
    app = make_app(scan=False)
    async with app.run_test(size=(80, 24)) as pilot:
        # Built ahead, then deleted before a scan noticed: enter still opens it.
        name = dashboard_name(running)
        await wait_until(pilot, lambda: app._prebuilt == name
                         and app.get_screen(name)._read_once)
        shutil.rmtree(running)
        await pilot.press("enter")
        dash = app.screen
        assert isinstance(dash, DashboardScreen) and dash.run_dir == running
        note = dash.query_one("#dash-gone")
        await wait_until(pilot, lambda: note.display and note.region.height)
        assert "This run's directory is gone" in shown(note)
        # The status as last read (its pid file went with it: not "died"), and no control:
        # stop and pause would write request files into a directory that is not there.
        assert shown(dash.query_one("#dash-progress")).split()[0] == "running"
        await pilot.press("s", "p")
        await pilot.pause()
        assert app.screen is dash and not running.exists()
        await pilot.press("escape")
        app.scan_runs()
        await wait_until(pilot, lambda: app.screen.query_one(RunsTable).row_count == 1)
        # Open, then deleted.
        await pilot.press("enter")
        dash = app.screen
        assert isinstance(dash, DashboardScreen) and dash.run_dir == finished
        await pilot.pause(0.3)
        shutil.rmtree(finished)
        note = dash.query_one("#dash-gone")
        await wait_until(pilot, lambda: note.display and note.region.height)
        await pilot.press("r")  # train further: not offered
        await pilot.pause()
        assert app.screen is dash and not finished.exists()
        assert shown(dash.query_one("#dash-progress")).split()[0] == "completed"
