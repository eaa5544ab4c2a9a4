"""Runs list keys against run directories the tests write: sort (o, O), group with folding (g,
enter on a group), the filter language and a bad filter explained inline (/), columns (h),
archive and restore (a, A)."""

from __future__ import annotations

import json

import pytest

from helpers import wait_until
from seqtui.engine.runs.store import list_runs
from seqtui.tui.screens.columns import ColumnsScreen
from seqtui.tui.screens.runs import RunsScreen
from seqtui.tui.widgets.runs_table import RunsTable

pytestmark = pytest.mark.anyio


@pytest.fixture
def four(runs):
    runs.finished("2026-01-01_000000_gap", preset="gap", params=900,
                  curve=[(1, 0.69, 0.5, 0.68, 0.55), (2, 0.6, 0.6, 0.62, 0.66)])
    runs.finished("2026-01-02_000000_bilstm", params=98_000,
                  curve=[(1, 0.6, 0.7, 0.5, 0.8), (2, 0.5, 0.8, 0.45, 0.87)])
    c = runs.finished("2026-01-03_000000_bilstm", status="stopped", params=97_000,
                      curve=[(1, 0.6, 0.7, 0.5, 0.82)])
    (c / "trial.json").write_text(json.dumps({"sweep": "lr-sweep", "trial": 3, "host": "h"}))
    runs.finished("2026-01-04_000000_lstm", preset="lstm", params=50_000,
                  curve=[(1, 0.6, 0.7, 0.5, 0.75)])
    return runs


def keys(app) -> list[str]:
    table = app.screen.query_one(RunsTable)
    return [table.coordinate_to_cell_key((i, 0))[0].value for i in range(table.row_count)]


def short(app) -> list[str]:
    return [k[:10] if k[0].isdigit() else k.split(":", 1)[1] for k in keys(app)]


def headers(app) -> list[str]:
    return [str(c.label) for c in app.screen.query_one(RunsTable).columns.values()]


async def test_sort_cycles_the_column_and_reverses(four, make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert short(app) == ["2026-01-04", "2026-01-03", "2026-01-02", "2026-01-01"]
        assert headers(app)[0] == "run"  # the default order, newest first, goes unmarked
        await pilot.press("O")
        assert short(app) == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
        assert headers(app)[0] == "run▲"
        await pilot.press("o")  # status, ascending
        assert headers(app)[1] == "status▲"
        assert short(app)[-1] == "2026-01-03"  # stopped comes after completed
        for _ in range(5):  # data, model, params, epochs, then best val acc
            await pilot.press("o")
        assert headers(app)[6] == "val acc▲"
        assert short(app) == ["2026-01-01", "2026-01-04", "2026-01-03", "2026-01-02"]
        await pilot.press("O")
        assert short(app) == ["2026-01-02", "2026-01-03", "2026-01-04", "2026-01-01"]


async def test_group_by_preset_and_sweep_folds_on_enter(four, make_app, shown):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("g")  # by data: everything is demo
        assert short(app)[0] == "demo" and len(keys(app)) == 5
        await pilot.press("g")  # by preset
        assert short(app) == ["lstm", "2026-01-04", "bilstm", "2026-01-03", "2026-01-02",
                              "gap", "2026-01-01"]
        table = app.screen.query_one(RunsTable)
        assert str(table.get_row_at(2)[0]) == "▾ bilstm (2)"
        assert "by preset" in shown(app.screen.query_one("#runs-title"))
        table.move_cursor(row=2)
        await pilot.press("enter")
        assert short(app) == ["lstm", "2026-01-04", "bilstm", "gap", "2026-01-01"]
        assert str(table.get_row_at(2)[0]) == "▸ bilstm (2)"
        assert isinstance(app.screen, RunsScreen)  # a header folds; it opens nothing
        await pilot.press("enter")
        assert len(keys(app)) == 7
        await pilot.press("g")  # by sweep
        assert short(app) == ["(no sweep)", "2026-01-04", "2026-01-02", "2026-01-01",
                              "lr-sweep", "2026-01-03"]
        await pilot.press("g", "g")  # status, then no groups
        assert short(app) == ["2026-01-04", "2026-01-03", "2026-01-02", "2026-01-01"]


async def test_filter_language_and_a_bad_filter_explained_inline(four, make_app, shown):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        error = app.screen.query_one("#runs-filter-error")
        await pilot.press("slash", *"preset:bilstm val_acc>0.85")
        await pilot.pause()
        assert short(app) == ["2026-01-02"]
        assert not error.has_class("-shown")
        box = app.screen.query_one("#runs-filter")
        box.insert_text_at_cursor(" colour:red")  # pasted: no half-typed filter in between
        await pilot.pause()
        assert error.has_class("-shown")
        assert "filter: 'colour' is not a field; fields are id, name, status" in shown(error)
        assert short(app) == ["2026-01-02"]  # the last good filter holds meanwhile
        await pilot.press(*["backspace"] * len(" colour:red"))
        await pilot.pause()
        assert not error.has_class("-shown")
        await pilot.press(*["backspace"] * len(" val_acc>0.85"), "enter")
        await pilot.pause()
        assert short(app) == ["2026-01-03", "2026-01-02"]
        assert "filter 'preset:bilstm': 2 shown" in shown(app.screen.query_one("#runs-title"))


async def test_columns_can_be_hidden_and_shown(four, make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert "params" in headers(app)
        await pilot.press("h")
        assert isinstance(app.screen, ColumnsScreen)
        await pilot.press("down", "down", "down", "space", "enter")  # status, data, model, params
        assert isinstance(app.screen, RunsScreen)
        assert headers(app) == ["run", "status", "data", "preset", "epochs", "val acc",
                                "test acc", "val loss", "s/epoch"]
        await pilot.press("h", "down", "down", "down", "space", "escape")
        assert "params" in headers(app)


async def test_archive_moves_the_run_and_restore_brings_it_back(four, make_app, shown):
    app = make_app()
    runs_dir = four.runs_dir
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")  # the newest: lstm
        archived = runs_dir / "archive" / "2026-01-04_000000_lstm"
        assert archived.is_dir() and (archived / "events.jsonl").is_file()
        assert not (runs_dir / "2026-01-04_000000_lstm").exists()
        await wait_until(pilot, lambda: short(app)[0] == "2026-01-03")
        assert [r.id for r in list_runs(runs_dir)] .count("2026-01-04_000000_lstm") == 0
        await pilot.press("A")
        assert short(app) == ["2026-01-04"]
        assert "1 archived run" in shown(app.screen.query_one("#runs-title"))
        await pilot.press("a")  # restore
        assert (runs_dir / "2026-01-04_000000_lstm" / "config.json").is_file()
        assert not archived.exists()
        assert "No archived runs" in shown(app.screen.query_one("#runs-detail"))
        await pilot.press("escape")  # back from the archive view
        await wait_until(pilot, lambda: len(keys(app)) == 4)
