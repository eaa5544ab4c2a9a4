"""The sweeps list (`w` on the Runs screen) and a sweep's live leaderboard, read from sweep
directories written here the way a controller writes them."""

from __future__ import annotations

import json
import os

import pytest

from helpers import wait_until
from seqtui.engine.runs.process import write_pid
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.screens.dashboard import DashboardScreen
from seqtui.tui.screens.sweeps import SweepScreen, SweepsScreen
from seqtui.tui.widgets.trial_plot import TrialPlot

SWEEP = "2026-01-02_090000_sweep-gap"
T0 = 1_790_000_000.0


def trial_run(runs, number, curve, status="completed"):
    run_id = f"2026-01-02_09{number:02d}00_gap-t{number}"
    path = runs.finished(run_id, preset="gap", curve=curve, status=status)
    (path / "trial.json").write_text(json.dumps({"sweep": SWEEP, "trial": number}))
    return run_id


def write_sweep(runs, running=False, values=(0.58, 0.45, 0.69)):
    """Three ended trials (one pruned, one failed), one best by val_loss; `values` are the
    three trials' val_loss as the sweep's log gives them."""
    path = runs.runs_dir / SWEEP
    (path / "control").mkdir(parents=True)
    spec = {"id": SWEEP, "study": SWEEP, "name": "gap", "trials": 4, "parallel": 1,
            "sampler": "tpe", "pruner": "median", "monitor": "val_loss", "created": T0,
            "space": [{"name": "training.learning_rate", "kind": "float", "low": 1e-4,
                       "high": 1e-1, "log": True}], "base": runs.tiny("gap").to_dict()}
    (path / "sweep.json").write_text(json.dumps(spec))
    t0 = trial_run(runs, 0, [(1, 0.69, 0.55, 0.66, 0.62), (2, 0.60, 0.70, 0.58, 0.71)])
    t1 = trial_run(runs, 1, [(1, 0.65, 0.60, 0.52, 0.75), (2, 0.50, 0.80, 0.45, 0.80)])
    t2 = trial_run(runs, 2, [(1, 0.69, 0.50, 0.69, 0.50)], status="pruned")
    events = [{"type": "sweep_started", "time": T0}]
    for n, run, lr, value, epoch, kind, status in (
            (0, t0, 0.001, values[0], 2, "trial_finished", "completed"),
            (1, t1, 0.01, values[1], 2, "trial_finished", "completed"),
            (2, t2, 1e-4, values[2], 1, "trial_pruned", "pruned")):
        params = {"training.learning_rate": lr}
        events.append({"type": "trial_started", "time": T0 + n, "trial": n, "run": run,
                       "params": params})
        events.append({"type": kind, "time": T0 + n + 0.5, "trial": n, "run": run,
                       "params": params, "status": status, "value": value, "epoch": epoch,
                       "epochs_done": epoch, "seconds": 4.0})
    events.append({"type": "trial_failed", "time": T0 + 4, "trial": 3, "run": None,
                   "params": {"training.learning_rate": 0.1},
                   "message": "preset flatten needs a fixed length"})
    if not running:
        events.append({"type": "sweep_finished", "time": T0 + 5, "status": "completed"})
    with open(path / "events.jsonl", "w") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in events)
    if running:
        write_pid(path, os.getpid())
    return path


def rows(app, selector):
    table = app.screen.query_one(selector)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.anyio
async def test_w_lists_sweeps_and_enter_opens_the_leaderboard(runs, make_app):
    write_sweep(runs)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, SweepsScreen)
        [row] = rows(app, "#sweeps-table")
        assert row == [SWEEP, "completed", "4/4", "1", "1", "0.4500 t1"]
        await pilot.press("enter")
        assert isinstance(app.screen, SweepScreen)
        board = rows(app, "#sweep-table")
        # best value first (val_loss: lowest), the failed trial (no value) last
        assert [r[0] for r in board] == ["1", "0", "2", "3"]
        assert board[0][1:3] == ["completed", "0.4500"] and board[2][1] == "pruned"
        assert "learning_rate=0.01" in board[0][5]
        assert app.screen.query_one(TrialPlot).drawn == 3
        # A finished sweep has nothing to stop: the key is neither offered nor taken.
        assert "Stop sweep" not in str(app.screen.query_one("KeyBar").render())
        await pilot.press("s")
        assert isinstance(app.screen, SweepScreen)
        await pilot.press("down", "down", "down")
        detail = app.screen.query_one("#sweep-detail").content
        assert "preset flatten needs a fixed length" in str(detail)
        await pilot.press("up", "up", "up", "enter")
        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.run_dir.name.endswith("gap-t1")


@pytest.mark.anyio
async def test_the_leaderboard_follows_a_new_trial_live_and_s_stops(runs, make_app):
    path = write_sweep(runs, running=True)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(SweepScreen(path))
        await pilot.pause()
        assert len(rows(app, "#sweep-table")) == 4
        config = runs.tiny("gap")
        run = runs.create("2026-01-02_091000_gap-t4", config, runs.start_events(config),
                          alive=True)
        (run / "trial.json").write_text(json.dumps({"sweep": SWEEP, "trial": 4}))
        with open(path / "events.jsonl", "a") as handle:
            handle.write(json.dumps({"type": "trial_started", "time": T0 + 9, "trial": 4,
                                     "run": run.name,
                                     "params": {"training.learning_rate": 0.02}}) + "\n")
        runs.append(run, [runs.epoch_event(1, 0.5, 0.8, 0.40, 0.82, best_epoch=1)])
        await wait_until(pilot, lambda: rows(app, "#sweep-table")[0][0] == "4")
        assert rows(app, "#sweep-table")[0][1:3] == ["running", "0.4000"]

        assert "Stop sweep" in str(app.screen.query_one("KeyBar").render())
        await pilot.press("s")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: (path / "control" / "stop").exists())


@pytest.mark.anyio
async def test_the_trial_chart_legend_leaves_the_first_trials_visible(runs, make_app):
    """A minimizing sweep whose first trial is its worst starts its points and its best-so-far
    line top left: plotext wrote its legend there, over them."""
    write_sweep(runs, values=(0.69, 0.62, 0.50))
    app = make_app(scan=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w", "enter")
        plot = app.screen.query_one(TrialPlot)
        await wait_until(pilot, lambda: plot.drawn == 3)
        await pilot.pause()
        lines = plot.render().plain.splitlines()
        top = next(i for i, line in enumerate(lines) if "┌" in line)
        bottom = next(i for i, line in enumerate(lines) if "└" in line)
        inside = "\n".join(lines[top + 1:bottom])
        assert "trial" in inside and "best so far" in inside, inside  # the legend is shown
        # Trial 0 (the highest val_loss) is drawn in the top row, above the first x tick.
        cell = lines[top + 1][lines[bottom].index("┬")]
        assert cell != " " and not cell.isalpha(), "\n".join(lines)


SIZES = [(80, 24)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweeps_screen_snapshot(runs, make_app, snap_compare, size):
    write_sweep(runs)

    async def open_sweeps(pilot):
        await pilot.press("w")
        await pilot.pause()

    assert snap_compare(make_app(scan=False), terminal_size=size, run_before=open_sweeps)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_sweep_screen_snapshot(runs, make_app, snap_compare, size):
    # The first trial the worst, as in most minimizing sweeps: the chart's legend goes to the
    # corner its points leave free, not over them top left.
    write_sweep(runs, values=(0.69, 0.62, 0.50))

    async def open_sweep(pilot):
        await pilot.press("w", "enter")
        await pilot.pause()

    assert snap_compare(make_app(scan=False), terminal_size=size, run_before=open_sweep)


SWEEP_PROBE = '''
import asyncio, json, sys
from pathlib import Path
from seqtui.tui.app import SeqtuiApp
from seqtui.tui.screens.sweeps import SweepScreen

async def main():
    app = SeqtuiApp(Path(sys.argv[1]), keymap={}, first_scan_in_thread=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w", "enter")
        await pilot.pause(0.3)
        rows = app.screen.query_one("#sweep-table").row_count
        opened = isinstance(app.screen, SweepScreen)
    heavy = sorted(m for m in sys.modules
                   if m.split(".")[0] in ("optuna", "tensorflow", "keras", "sqlalchemy"))
    print(json.dumps({"opened": opened, "rows": rows, "heavy": heavy}))

asyncio.run(main())
'''


def test_the_sweep_screens_never_load_optuna(runs):
    import subprocess
    import sys

    write_sweep(runs)
    done = subprocess.run([sys.executable, "-c", SWEEP_PROBE, str(runs.runs_dir.resolve())],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"opened": True, "rows": 4, "heavy": []}


@pytest.mark.anyio
async def test_attach_to_a_sweep_opens_its_leaderboard(runs, make_app):
    from seqtui.cmd_attach import pick_run

    path = write_sweep(runs)
    picked = pick_run("sweep-gap", runs.runs_dir)
    assert picked == str(path)
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)):
        assert isinstance(app.screen, SweepScreen)
        assert len(rows(app, "#sweep-table")) == 4
