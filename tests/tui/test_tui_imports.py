"""The TUI process never imports TensorFlow: not to start, show runs, fill the form, show the
model preview, or follow a run (DESIGN §1). Checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent('''
    import asyncio, json, sys, threading
    from pathlib import Path
    from seqtui.tui.app import SeqtuiApp
    from seqtui.tui.screens.dashboard import DashboardScreen
    from seqtui.tui.screens.new import NewExperimentScreen
    from seqtui.tui.widgets.model_preview import ModelPreview
    from seqtui.tui.widgets.runs_table import RunsTable
    from seqtui.tui.workarounds import WARM_MODULES

    async def main():
        app = SeqtuiApp(Path(sys.argv[1]), keymap={}, first_scan_in_thread=False)
        seen = {}
        async with app.run_test(size=(100, 30)) as pilot:
            seen["rows"] = app.screen.query_one(RunsTable).row_count
            await pilot.press("enter")
            for _ in range(100):  # the dashboard reads the run in a thread
                await pilot.pause(0.1)
                if isinstance(app.screen, DashboardScreen) and app.screen.state.epochs:
                    break
            seen["dashboard"] = isinstance(app.screen, DashboardScreen)
            seen["epochs_followed"] = len(app.screen.state.epochs)
            await pilot.press("escape", "n")
            await pilot.pause(0.3)
            seen["form"] = isinstance(app.screen, NewExperimentScreen)
            seen["preview"] = app.screen.query_one(ModelPreview).border_subtitle
            # The other screens' modules load in a background thread after the first frame.
            for _ in range(300):
                if all(name in sys.modules for name in WARM_MODULES) and not any(
                        t.name == "seqtui-warm-imports" for t in threading.enumerate()):
                    break
                await pilot.pause(0.1)
            seen["warmed"] = all(name in sys.modules for name in WARM_MODULES)
            heavy = sorted(m for m in sys.modules
                           if m.split(".")[0] in ("tensorflow", "keras", "tensorflow_datasets"))
            seen["heavy"] = heavy
        print(json.dumps(seen))

    asyncio.run(main())
''')


def test_tui_up_with_a_run_shown_and_preview_on_screen_has_no_tensorflow(runs):
    runs.finished("2026-01-01_000000_bilstm")
    done = subprocess.run([sys.executable, "-c", PROBE, str(runs.runs_dir.resolve())],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["rows"] == 1, seen
    assert seen["dashboard"] and seen["epochs_followed"] == 4
    assert seen["form"] and seen["preview"].endswith("params")
    assert seen["warmed"]  # ...and still no TensorFlow after the warm-up imports
    assert seen["heavy"] == []
