"""Compare: a pinned baseline (drawn apart, differences in the table), runs hidden from the chart,
markers per run, and the dashboard's chart controls (smoothing, steps, log y, zoom, metrics)."""

from __future__ import annotations

import pytest

from helpers import wait_until
from seqtui.tui.screens.compare import MARKERS, CompareScreen

pytestmark = pytest.mark.anyio


def rows(table) -> dict[str, list[str]]:
    return {str(table.get_row_at(i)[0]).split(" ", 1)[1]: [str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)}


@pytest.fixture
def three(runs):
    a = runs.finished("2026-01-01_000000_gap", preset="gap")
    b = runs.finished("2026-01-02_000000_lstm", preset="lstm",
                      curve=[(1, 0.6, 0.7, 0.5, 0.8), (2, 0.5, 0.8, 0.45, 0.85)])
    c = runs.finished("2026-01-03_000000_rnn", preset="rnn",
                      curve=[(1, 0.7, 0.5, 0.7, 0.5), (2, 0.69, 0.52, 0.69, 0.6)])
    return [a, b, c]


async def test_baseline_pin_hide_and_markers(three, make_app, shown):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_compare(three)
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        table = screen.query_one("#compare-table")
        plot = screen.query_one("#compare-plot")
        assert [str(table.get_row_at(i)[0])[0] for i in range(3)] == list(MARKERS[:3])
        assert plot.drawn == {"gap": 4, "lstm": 2, "rnn": 2}

        await pilot.press("b")  # the cursor is on the first run: gap, best val acc 0.72
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:3] == ["run", "best val_accuracy", "vs baseline"]
        shown_rows = rows(table)
        assert shown_rows["2026-01-01_000000_gap"][2] == "baseline"
        assert shown_rows["2026-01-02_000000_lstm"][2] == "+0.1300 better"
        assert shown_rows["2026-01-03_000000_rnn"][2] == "-0.1200 worse"
        assert "baseline 2026-01-01_000000_gap" in shown(screen.query_one("#compare-note"))
        assert "gap (baseline)" in plot.render().plain
        await pilot.press("m")  # val_loss: lower is better
        assert rows(table)["2026-01-02_000000_lstm"][2] == "-0.1300 better"

        await pilot.press("down", "v")
        assert plot.drawn == {"gap": 4, "rnn": 2}
        assert str(table.get_row_at(1)[0]).startswith("·")
        assert "1 hidden from the chart" in shown(screen.query_one("#compare-note"))
        await pilot.press("v")
        assert plot.drawn == {"gap": 4, "lstm": 2, "rnn": 2}

        await pilot.press("up", "b")  # unpin
        assert "vs baseline" not in [str(c.label) for c in table.columns.values()]
        assert "baseline" not in plot.render().plain


async def test_chart_controls_and_every_logged_metric(runs, make_app, shown):
    curve = [(1, 0.69, 0.5, 0.68, 0.5), (2, 0.5, 0.7, 0.5, 0.7), (3, 0.4, 0.8, 0.45, 0.8),
             (4, 0.3, 0.9, 0.4, 0.85)]
    a = runs.finished("2026-01-01_000000_gap", preset="gap", curve=curve)
    b = runs.finished("2026-01-02_000000_lstm", preset="lstm", curve=curve[:2])
    with open(a / "events.jsonl", encoding="utf-8") as handle:
        text = handle.read().replace('"val_accuracy": 0.85', '"val_accuracy": 0.85, "auc": 0.9')
    (a / "events.jsonl").write_text(text)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_compare([a, b])
        await pilot.pause(0.3)
        screen = app.screen
        plot = screen.query_one("#compare-plot")
        controls = screen.query_one("#compare-controls")
        await pilot.press("m", "m", "m")
        assert screen.metric == "loss"
        assert plot.series["gap"][1] == [0.69, 0.5, 0.4, 0.3]
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert "smoothing 0.6" in shown(controls)
        smoothed = plot.series["gap"][1]
        assert smoothed[0] == pytest.approx(0.69) and smoothed[-1] > 0.3 + 0.05
        await pilot.press("x")
        assert "x: steps" in shown(controls)
        assert "step" in plot.render().plain.splitlines()[-1]
        await pilot.press("l")
        assert "log y" in shown(controls)
        await pilot.press("z")
        assert "last 2 epochs" in shown(controls)
        assert plot.drawn == {"gap": 2}  # lstm's two epochs are before the window
        await pilot.press("Z")
        assert plot.drawn == {"gap": 4, "lstm": 2}
        await pilot.press("m")
        await wait_until(pilot, lambda: screen.metric == "auc")
        assert plot.drawn == {"gap": 1}
