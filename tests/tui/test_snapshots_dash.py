"""Snapshots at 80x24 and 120x40 of the dashboard's step curves during an epoch, of its system
panel, and of a grouped, filtered runs list.

The system panel's figures come from this machine and change every second, so its snapshot is
fed fixed readings (a stand-in NVML card and fixed /proc figures) with its sampling stopped; the
tests in test_system_panel.py read the real /proc.
A run stopped mid-epoch has one at 80x24 of its Epochs tab.
Update after an intended change with: pytest tests/tui/test_snapshots_dash.py --snapshot-update
"""

from __future__ import annotations

import pytest

from seqtui.engine.training.system_stats import SystemSample
from seqtui.tui.widgets.system_panel import SystemRead

SIZES = [(80, 24), (120, 40)]
GIB = 2**30


def mid_epoch_run(runs):
    """A bilstm in epoch 3 of 4, with batch events through epochs 1 to 3 and two epochs done."""
    config = runs.tiny("bilstm", epochs=4)
    events = runs.start_events(config, params=98_305)
    loss = 0.70
    for epoch in (1, 2, 3):
        events.append({"type": "epoch_started", "time": runs.T0 + 10 * epoch, "epoch": epoch,
                       "epochs": 4, "steps": 7})
        for step in range(1, 8 if epoch < 3 else 5):
            loss *= 0.97 if step % 2 else 1.01
            events.append({"type": "batch", "time": runs.T0 + 10 * epoch + step, "step": step,
                           "steps": 7, "logs": {"loss": round(loss, 4),
                                                "accuracy": round(1.2 - loss, 4)},
                           "examples_per_sec": 120.0, "elapsed": float(step)})
        if epoch < 3:
            events.append(runs.epoch_event(*runs.OVERFIT_CURVE[epoch - 1], best_epoch=epoch))
    return runs.create("2026-01-01_120000_bilstm", config, events, alive=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_step_curves(runs, make_app, snap_compare, size):
    app = make_app(scan=False, attach=mid_epoch_run(runs))

    async def settle(pilot):
        await pilot.pause(0.6)
        await pilot.press("right_square_bracket")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_system_panel(runs, make_app, snap_compare, size):
    app = make_app(scan=False, attach=mid_epoch_run(runs))
    gpu = {"index": 0, "name": "Tesla T4", "memory_total": 15 * GIB, "temperature": 61,
           "power_limit_watts": 70.0}

    async def fixed_readings(pilot):
        await pilot.press("6")
        panel = pilot.app.screen.query_one("#dash-system")
        panel.pause()
        await pilot.pause(0.3)
        panel.history.clear()
        panel.latest.clear()
        for i in range(40):
            load = (i * 7) % 100
            sample = SystemSample(cpu_percent=float(40 + load // 2), cpus=2,
                                  memory_used=int((6 + i / 20) * GIB), memory_total=24 * GIB,
                                  process_cpu_percent=float(80 + load), process_alive=True,
                                  process_memory=int(1.5 * GIB))
            panel.on_system_read(SystemRead(sample, [gpu | {
                "utilization": load, "memory_used": int((3 + i / 40) * GIB),
                "power_watts": 20.0 + load / 2}], None))
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=fixed_readings)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_runs_grouped_and_filtered(runs, make_app, snap_compare, size):
    runs.finished("2026-01-01_090000_gap", preset="gap", params=80_641,
                  curve=[(1, 0.69, 0.52, 0.68, 0.55), (2, 0.66, 0.60, 0.65, 0.62)])
    runs.finished("2026-01-01_100000_bilstm", params=98_305)
    runs.finished("2026-01-01_110000_lstm", preset="lstm", status="stopped", params=90_113,
                  curve=[(1, 0.68, 0.56, 0.66, 0.60), (2, 0.58, 0.70, 0.57, 0.73)])
    runs.finished("2026-01-01_120000_bilstm", params=98_305, status="stopped",
                  curve=[(1, 0.68, 0.56, 0.66, 0.60)])

    async def group_and_filter(pilot):
        await pilot.press("g", "g", "slash")
        box = pilot.app.screen.query_one("#runs-filter")
        box.insert_text_at_cursor("val_acc>0.6")
        box.cursor_blink = False
        await pilot.press("enter", "O")
        await pilot.pause()

    assert snap_compare(make_app(scan=False), terminal_size=size, run_before=group_and_filter)


def test_dashboard_stopped_mid_epoch(runs, make_app, snap_compare):
    """Stopped in epoch 3: the key bar offers resume, the Epochs tab explains the cut epoch."""
    app = make_app(scan=False, attach=runs.stopped_mid_epoch())

    async def epochs_tab(pilot):
        await pilot.pause(0.5)
        await pilot.press("2")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=epochs_tab)
