"""Snapshots of every screen at 80x24 (the minimum) and 120x40, against fixed run directories.

Update after an intended change with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

SIZES = [(80, 24), (120, 40)]


@pytest.fixture
def fixed_runs(runs):
    """Three finished runs and one comparison-worthy pair, all with fixed ids and times."""
    runs.finished("2026-01-01_090000_gap", preset="gap", params=80_641,
                  curve=[(1, 0.69, 0.52, 0.68, 0.55), (2, 0.66, 0.60, 0.65, 0.62),
                         (3, 0.61, 0.68, 0.62, 0.66), (4, 0.57, 0.72, 0.60, 0.69)],
                  test={"loss": 0.61, "accuracy": 0.6725})
    runs.finished("2026-01-01_100000_bilstm", params=98_305, validation="test",
                  test={"loss": 0.58, "accuracy": 0.7175})
    runs.finished("2026-01-01_110000_lstm", preset="lstm", status="stopped", params=90_113,
                  curve=[(1, 0.68, 0.56, 0.66, 0.60), (2, 0.58, 0.70, 0.57, 0.73)])
    return runs


def still(app) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_runs_screen(fixed_runs, make_app, snap_compare, size):
    assert snap_compare(make_app(scan=False), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_new_experiment_screen(fixed_runs, make_app, snap_compare, size):
    async def open_form(pilot):
        await pilot.press("n")
        still(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(scan=False), terminal_size=size, run_before=open_form)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_new_experiment_inline_error(fixed_runs, make_app, snap_compare, size):
    async def bad_units(pilot):
        await pilot.press("n")
        pilot.app.screen.query_one("#field-model-units").focus()
        await pilot.press(*"64,x")
        still(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(scan=False), terminal_size=size, run_before=bad_units)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_screen(fixed_runs, make_app, snap_compare, size):
    app = make_app(scan=False, attach=fixed_runs.runs_dir / "2026-01-01_100000_bilstm")

    async def settle(pilot):
        await pilot.pause(0.5)

    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_epoch_table(fixed_runs, make_app, snap_compare, size):
    app = make_app(scan=False, attach=fixed_runs.runs_dir / "2026-01-01_100000_bilstm")

    async def epochs_tab(pilot):
        await pilot.pause(0.5)
        await pilot.press("2")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=epochs_tab)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compare_screen(fixed_runs, make_app, snap_compare, size):
    async def compare(pilot):
        await pilot.press("space", "space", "space", "c")
        await pilot.pause(0.3)

    assert snap_compare(make_app(scan=False), terminal_size=size, run_before=compare)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(fixed_runs, make_app, snap_compare, size):
    assert snap_compare(make_app(scan=False), terminal_size=size, press=["question_mark"])


def test_too_small_screen(fixed_runs, make_app, snap_compare):
    assert snap_compare(make_app(scan=False), terminal_size=(60, 20))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_predict_screen(fixed_runs, make_app, snap_compare, size):
    # The screen opens for a run with a checkpoint; no sentence is sent, so no helper starts.
    (fixed_runs.runs_dir / "2026-01-01_110000_lstm" / "checkpoints" / "best.keras").touch()

    async def predict(pilot):
        await pilot.press("p")
        still(pilot.app)
        await pilot.pause()

    assert snap_compare(make_app(scan=False), terminal_size=size, run_before=predict)
