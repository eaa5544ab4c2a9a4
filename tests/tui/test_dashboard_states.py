"""Dashboard after a stop, a finish or a resume, against run directories the tests write: the keys
each status offers, resume (a real detached process), the interrupted epoch, the first batch's
compile stage, the header at 80 columns; and the charts' drawing (legend, best epoch, ticks)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from helpers import wait_until
from seqtui.engine.runs.control import CONTROL_DIR
from seqtui.engine.runs.process import read_pid, write_pid
from seqtui.tui.screens.confirm import ConfirmScreen
from seqtui.tui.screens.dashboard import DashboardScreen
from seqtui.tui.screens.dashboard_text import title_line

pytestmark = pytest.mark.anyio


def key_bar(screen) -> str:
    return str(screen.query_one("KeyBar").render())


async def test_keys_follow_the_status(runs, make_app):
    config = runs.tiny("gap")
    live = runs.create("2026-01-01_000000_gap", config, runs.start_events(config), alive=True)
    app = make_app(attach=live)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        await wait_until(pilot, lambda: dash.status == "running")
        await pilot.pause(0.1)
        assert "Stop" in key_bar(dash) and "Pause/resume" in key_bar(dash)
        assert "Resume " not in key_bar(dash) and "Train further" not in key_bar(dash)
        runs.append(live, [{"type": "run_finished", "time": runs.T0 + 9,
                            "status": "completed", "best_epoch": None}])
        await wait_until(pilot, lambda: "Train further" in key_bar(dash))
        assert "Stop" not in key_bar(dash) and "Pause" not in key_bar(dash)
        await pilot.press("s", "p")  # not offered: they do nothing
        assert not (live / CONTROL_DIR / "stop").exists()
        assert not (live / CONTROL_DIR / "pause").exists()


async def test_a_stopped_run_explains_its_cut_epoch_and_offers_resume(runs, make_app, shown):
    path = runs.stopped_mid_epoch()
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        await wait_until(pilot, lambda: dash.status == "stopped")
        await pilot.pause(0.1)
        bar = key_bar(dash)
        assert " Resume " in bar and "Stop" not in bar and "Pause" not in bar
        await pilot.press("2")
        note = dash.query_one("#dash-epochs-note")
        assert note.has_class("-shown")
        assert ("Epoch 3 was stopped at step 4 of 7: it is not kept, and resuming (r) trains "
                "it again from its start.") in shown(note)
        table = dash.query_one("#dash-epochs")
        assert table.row_count == 3
        last = [str(c) for c in table.get_row_at(2)]
        assert last[0] == "3 cut" and "0.4812" in last and last[-1] == "2.5"


async def test_r_resumes_a_stopped_run_in_a_detached_process(runs, make_app, shown):
    path = runs.stopped_mid_epoch()
    (path / CONTROL_DIR / "stop").write_text("")
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        await wait_until(pilot, lambda: dash.status == "stopped")
        await pilot.press("r")
        pid = read_pid(path)
        assert pid is not None
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            assert command[-5:-1] == [b"train", b"--run-dir", str(path).encode(), b"--resume"]
            assert os.getsid(pid) == pid  # its own session: the TUI may quit
            assert not (path / CONTROL_DIR / "stop").exists()
            assert dash.status == "running"
            assert "starting the training process" in shown(dash.query_one("#dash-progress"))
            assert "Stop" in key_bar(dash) and " Resume " not in key_bar(dash)
            await pilot.press("r")  # a second r while it starts does not start another
            assert read_pid(path) == pid
        finally:
            os.kill(pid, signal.SIGKILL)  # before it trains: the test checks only the start


async def test_resume_without_a_checkpoint_says_why_and_starts_nothing(runs, make_app):
    path = runs.stopped_mid_epoch(with_checkpoint=False)
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        await wait_until(pilot, lambda: dash.status == "stopped")
        await pilot.press("r")
        await pilot.pause(0.1)
        assert read_pid(path) is None
        assert any("no checkpoint to resume from" in str(n.message)
                   for n in app._notifications)


async def test_train_further_asks_then_raises_the_epochs(runs, make_app):
    path = runs.finished("2026-01-01_000000_gap", preset="gap")
    (path / "checkpoints" / "last.keras").write_bytes(b"not a real model")
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        await wait_until(pilot, lambda: dash.status == "completed")
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert read_pid(path) is None
        await pilot.press("r", "y")
        pid = read_pid(path)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        assert json.loads((path / "config.json").read_text())["training"]["epochs"] == 9
        assert dash.state.epochs_total == 9


async def test_a_resumed_run_starts_from_step_0_and_says_it_compiles(runs, make_app, shown):
    path = runs.stopped_mid_epoch()
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        dash = app.screen
        progress = dash.query_one("#dash-progress")
        await wait_until(pilot, lambda: "step 4/7" in shown(progress))
        assert "loss 0.4812" in shown(progress)
        config = runs.tiny("bilstm", epochs=4)
        write_pid(path, os.getpid())  # the resumed process: this one, so it reads as alive
        started = dict(runs.start_events(config)[0], time=runs.T0 + 40, resumed=True,
                       initial_epoch=2)
        runs.append(path, [started])
        await wait_until(pilot, lambda: dash.status == "running")
        await wait_until(pilot, lambda: "step 0/?" in shown(progress))
        text = shown(progress)
        assert "loss" not in text and "ex/s" not in text and "epoch 2/4" in text
        runs.append(path, [{"type": "epoch_started", "time": runs.T0 + 41, "epoch": 3,
                            "epochs": 4, "steps": 7}])
        await wait_until(pilot, lambda: "compiling the model" in shown(progress))
        assert "step 0/7" in shown(progress)
        runs.append(path, [{"type": "batch", "time": runs.T0 + 42, "step": 1, "steps": 7,
                            "logs": {"loss": 0.5}, "examples_per_sec": 50.0, "elapsed": 1.0}])
        await wait_until(pilot, lambda: "step 1/7" in shown(progress))
        assert "compiling" not in shown(progress)
        # While it runs again, the cut epoch is no longer reported as lost.
        assert not dash.query_one("#dash-epochs-note").has_class("-shown")


async def test_before_the_process_speaks_the_epoch_count_comes_from_the_config(
        runs, make_app, shown):
    path = runs.create("2026-01-01_000000_gap", runs.tiny("gap", epochs=6), [], alive=True)
    app = make_app(attach=path)
    async with app.run_test(size=(100, 30)) as pilot:
        progress = app.screen.query_one("#dash-progress")
        await wait_until(pilot, lambda: "epoch 0/6" in shown(progress))


def test_the_header_fits_80_columns_and_keeps_the_device():
    for device in ("cpu", "gpu:0 (NVIDIA GeForce RTX 3090)"):
        line = title_line("2026-01-01_100000_bilstm", "stacked-bilstm", "tfds:ag_news_subset",
                          1_234_567, device, 0.7175, 78).plain
        assert len(line) <= 78, line
        assert line.endswith("· cpu" if device == "cpu" else "· gpu:0"), line
        assert "test" in line and "0.7175" in line
    # A plain run at 80 columns (78 inside the borders) keeps its dataset.
    plain = title_line("2026-12-01_151900_bilstm", "bilstm", "demo", 86_145, "cpu", 0.9081, 78)
    assert plain.plain == "2026-12-01_151900_bilstm · test 0.9081 · bilstm on demo · 86.1k " \
        "params · cpu"
    roomy = title_line("2026-01-01_100000_bilstm", "bilstm", "demo", 98_305, "cpu", None, 118)
    assert roomy.plain == "2026-01-01_100000_bilstm · bilstm on demo · 98,305 params · cpu"


async def test_the_dashboard_header_at_80_columns_shows_the_device(runs, make_app, shown):
    config = runs.tiny("bilstm", epochs=4)
    events = runs.start_events(config, params=598_209)
    events[0]["device"] = "gpu:0 (Tesla T4)"
    path = runs.create("2026-01-01_100000_bilstm", config, events + [
        {"type": "run_finished", "time": runs.T0 + 9, "status": "completed",
         "test": {"loss": 0.5, "accuracy": 0.7175}}])
    app = make_app(attach=path)
    async with app.run_test(size=(80, 24)) as pilot:
        title = app.screen.query_one("#dash-title")
        await wait_until(pilot, lambda: "test 0.7175" in shown(title))
        assert shown(title).strip().endswith("· gpu:0 (Tesla T4)") or \
            shown(title).strip().endswith("· gpu:0")


# ---- drawing ---------------------------------------------------------------------------------


def frame_rows(text: str) -> list[str]:
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return lines[top:bottom + 1]


async def test_best_epoch_last_keeps_one_frame_and_the_legend_off_the_curve(runs, make_app):
    curve = [(1, 0.69, 0.55, 0.66, 0.62), (2, 0.60, 0.70, 0.58, 0.71),
             (3, 0.45, 0.80, 0.50, 0.72), (4, 0.30, 0.90, 0.40, 0.80)]
    path = runs.finished("2026-01-01_000000_bilstm", curve=curve)
    app = make_app(attach=path)
    async with app.run_test(size=(80, 24)) as pilot:
        dash = app.screen
        loss = dash.query_one("#plot-loss")
        await wait_until(pilot, lambda: loss.drawn.get("train") == 4)
        await pilot.pause(0.1)
        glyphs = {label: glyph for glyph, _, label, _ in loss.legend}
        assert glyphs["train"] != glyphs["val"]  # apart without colour
        text = loss.render().plain
        rows = frame_rows(text)
        assert not any(row.rstrip().endswith("││") for row in rows), text
        # The loss starts high on the left: the legend goes where nothing is drawn.
        legend_rows = [row for row in rows if " train" in row or " val" in row]
        assert len(legend_rows) == 2
        assert not any(row.index(" train" if " train" in row else " val") < 12 and
                       rows.index(row) < 3 for row in legend_rows), text
        ticks = text.splitlines()[text.splitlines().index(rows[-1]) + 1]
        assert ticks.split() == ["1", "2", "3", "4"]


async def test_epoch_ticks_are_whole_while_step_lines_share_the_axis(runs, make_app):
    config = runs.tiny("bilstm", epochs=2)
    path = runs.create("2026-01-01_000000_bilstm", config, runs.start_events(config) + [
        {"type": "epoch_started", "time": runs.T0 + 2, "epoch": 1, "epochs": 2, "steps": 7}] + [
        {"type": "batch", "time": runs.T0 + 2 + s, "step": s, "steps": 7,
         "logs": {"loss": 0.7 - s / 50, "accuracy": 0.5 + s / 50}, "examples_per_sec": 9.0,
         "elapsed": float(s)} for s in range(1, 6)], alive=True)
    app = make_app(attach=path)
    async with app.run_test(size=(120, 40)) as pilot:
        loss = app.screen.query_one("#plot-loss")
        await wait_until(pilot, lambda: loss.trace_points == 5)
        lines = loss.render().plain.splitlines()
        bottom = next(i for i, line in enumerate(lines) if "└" in line)
        assert lines[bottom + 1].split() == ["0", "1", "2"]


def test_help_sections_line_up():
    from rich.console import Console

    from seqtui.tui.screens.compare import CompareScreen
    from seqtui.tui.screens.help import key_rows, key_table
    from seqtui.tui.screens.new import NewExperimentScreen

    sections = [("Dashboard", key_rows(DashboardScreen.BINDINGS, {})),
                ("New", key_rows(NewExperimentScreen.BINDINGS, {})),
                ("Compare", key_rows(CompareScreen.BINDINGS, {}))]
    every = [row for _, rows in sections for row in rows]
    key_width = max(len(r[0]) for r in every)
    id_width = max(len(r[2]) for r in every)
    console = Console(width=100, color_system=None, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    starts = set()
    for title, rows in sections:
        console.print(key_table(title, rows, key_width, id_width))
        text = console.export_text()
        for _, action, binding_id in rows:
            line = next(line for line in text.splitlines() if binding_id in line)
            starts.add((line.index(action[:10]), line.index(binding_id)))
    console.file.close()
    assert len(starts) == 1, starts
