"""Predict screen: a sentence labelled by a finished run's model through a helper process (the
TUI itself never loads TensorFlow); a run without a saved model is refused with a message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from seqtui.tui.screens.predict import PredictScreen
from seqtui.tui.screens.runs import RunsScreen

pytestmark = pytest.mark.anyio


async def test_a_run_without_a_checkpoint_is_refused(runs, make_app):
    runs.finished("2026-01-01_000000_gap", preset="gap")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        assert isinstance(app.screen, RunsScreen)
        await pilot.pause(0.1)
        assert any("no saved model" in n.message for n in app._notifications)


async def test_a_sentence_gets_a_label_and_the_helper_ends_with_the_screen(runs, make_app,
                                                                           tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "seqtui", "train", "--dataset", "demo", "--demo-size", "200",
         "--preset", "gap", "--embedding-dim", "8", "--dense-units", "8", "--epochs", "1",
         "--batch-size", "32", "--runs-dir", str(runs.runs_dir)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, PredictScreen)
        await pilot.press(*"not good at all", "enter")
        log = screen.query_one("#predict-answers")
        for _ in range(600):
            if log.lines:
                break
            await pilot.pause(0.2)
        answer = " ".join(str(line.text) for line in log.lines)
        assert answer.split()[0] in ("negative", "positive"), answer
        assert "not good at all" in answer
        helper = screen.helper
        assert helper is not None and helper.poll() is None
        await pilot.press("escape")
        await pilot.pause(0.5)
        assert isinstance(app.screen, RunsScreen)
        assert helper.wait(timeout=10) is not None  # the helper ended with the screen
