"""The app shell: help lists every key, the command palette offers every action and every run,
keys can be remapped by binding id, a terminal under 80x24 gets a clear message, compare."""

from __future__ import annotations

import pytest

from seqtui.tui.app import SeqtuiApp
from seqtui.tui.screens.compare import CompareScreen
from seqtui.tui.screens.dashboard import DashboardScreen
from seqtui.tui.screens.help import HelpScreen
from seqtui.tui.screens.new import NewExperimentScreen
from seqtui.tui.screens.runs import RunsScreen
from seqtui.tui.screens.too_small import TooSmallScreen
from seqtui.tui.widgets.key_bar import KeyBar

pytestmark = pytest.mark.anyio

DESIGN_KEYS = {"runs.new": "n", "runs.open": "enter", "runs.mark": "space", "runs.compare": "c",
              "runs.report": "r", "runs.delete": "d", "runs.filter": "slash",
              "runs.help": "question_mark", "runs.quit": "q", "new.start": "ctrl+s",
              "new.queue": "ctrl+q", "new.cancel": "escape", "dash.stop": "s",
              "dash.pause": "p", "dash.back": "escape"}


async def test_help_lists_every_key_the_design_names(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(shown(s) for s in app.screen.query(".help-section"))
        for binding_id in DESIGN_KEYS:
            assert binding_id in text, binding_id
        # Keys as a user types them, in Help and in the key bar.
        lines = {line.split()[-1]: line for line in text.splitlines() if line.strip()}
        assert lines["runs.filter"].split()[0] == "/", lines["runs.filter"]
        assert lines["runs.help"].split()[0] == "?", lines["runs.help"]
        assert "slash" not in text and "question_mark" not in text
        await pilot.press("escape")
        bar = shown(app.screen.query_one(KeyBar))
        assert " ? " in bar and "question_mark" not in bar, bar
        await pilot.press("question_mark")
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)


async def test_bindings_carry_the_design_keys():
    from seqtui.tui.screens.dashboard import DashboardScreen as Dash
    from seqtui.tui.widgets.runs_table import RunsTable

    bound = {b.id: b.key for cls in (RunsTable, RunsScreen, NewExperimentScreen, Dash)
             for b in cls.BINDINGS}
    for binding_id, key in DESIGN_KEYS.items():
        assert key in bound[binding_id].split(","), binding_id


async def test_palette_runs_an_action_by_name(runs, make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"new experiment")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, NewExperimentScreen)


async def test_palette_lists_seqtuis_actions_first_and_no_widget_internals(runs, make_app):
    from textual.command import CommandList

    runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)
        options = app.screen.query_one(CommandList)
        names = [str(options.get_option_at_index(i).prompt).splitlines()[0]
                 for i in range(options.option_count)]
        assert names[:3] == ["Open the run's dashboard", "New experiment",
                             "Mark or unmark the run for comparison, then move down"]
        for internal in ("Cursor up", "Cursor down", "Page up", "Page down", "Top", "Home"):
            assert internal not in names, internal
        assert "Go to the first run" in names  # home, as seqtui binds it
        assert names.index("Open run 2026-01-01_000000_gap") < names.index("Theme")
        assert names.index("Quit (runs keep training)") < names.index("Theme")


async def test_palette_opens_a_run_by_id(runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"open run 2026")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DashboardScreen)


async def test_a_keymap_remaps_a_binding_by_id(runs, make_app):
    app = make_app(keymap={"runs.new": "a"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("a")
        assert isinstance(app.screen, NewExperimentScreen)


async def test_keymap_file_is_read_and_a_broken_one_is_reported(runs, tmp_path, monkeypatch):
    from seqtui.tui.keymap import load_keymap

    good = tmp_path / "good.toml"
    good.write_text('"runs.new" = "a"\n')
    assert load_keymap(good) == ({"runs.new": "a"}, None)
    bad = tmp_path / "bad.toml"
    bad.write_text('"runs.new" = \n')
    keymap, problem = load_keymap(bad)
    assert keymap == {} and "ignored" in problem
    monkeypatch.setenv("SEQTUI_KEYMAP", str(good))
    app = SeqtuiApp(runs.runs_dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, NewExperimentScreen)


async def test_a_small_terminal_gets_a_clear_message_until_it_grows(runs, make_app, shown):
    app = make_app()
    async with app.run_test(size=(70, 20)) as pilot:
        await pilot.pause(0.2)
        assert isinstance(app.screen, TooSmallScreen)
        message = shown(app.screen.query_one("#too-small-message"))
        assert "at least 80x24" in message and "70x20" in message
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.3)
        assert isinstance(app.screen, RunsScreen)


async def test_compare_overlays_and_tables_only_differing_settings(runs, make_app, shown):
    a = runs.finished("2026-01-01_000000_gap", preset="gap", params=900)
    b = runs.finished("2026-01-02_000000_bilstm", learning_rate=0.01,
                      curve=[(1, 0.6, 0.7, 0.5, 0.8), (2, 0.5, 0.8, 0.45, 0.85)])
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_compare([a, b])
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        table = screen.query_one("#compare-table")
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:6] == ["run", "best val_accuracy", "epoch", "test acc", "params",
                              "s/epoch"]
        assert set(labels[6:]) == {"preset", "units", "learning_rate", "epochs"}
        rows = {str(table.get_row_at(i)[0]).split(" ", 1)[1]: [str(c) for c in table.get_row_at(i)]
                for i in range(table.row_count)}
        assert rows["2026-01-02_000000_bilstm"][1:3] == ["0.8500", "2"]
        assert rows["2026-01-01_000000_gap"][1:5] == ["0.7200", "3", "-", "900"]
        await pilot.press("m")
        assert screen.metric == "val_loss"
        rows = {str(table.get_row_at(i)[0]).split(" ", 1)[1]: [str(c) for c in table.get_row_at(i)]
                for i in range(table.row_count)}
        assert rows["2026-01-02_000000_bilstm"][1:3] == ["0.4500", "2"]
        assert screen.query_one("#compare-plot").drawn == {"gap": 4, "bilstm": 2}
        await pilot.press("escape")
        assert isinstance(app.screen, RunsScreen)
