"""The engine never imports Textual or the TUI (DESIGN §1): each module imported alone in a
fresh interpreter, then sys.modules checked."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import seqtui.engine

ENGINE_MODULES = sorted(m.name.removeprefix("seqtui.engine.") for m in
                        pkgutil.walk_packages(seqtui.engine.__path__, "seqtui.engine."))


def test_the_engine_has_modules_to_check():
    assert {"config", "training.train", "runs.store", "models.summary", "data.tfds",
            "reports.html"} <= set(ENGINE_MODULES)


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_module_does_not_import_textual(module: str):
    code = (
        f"import sys, seqtui.engine.{module}\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.')"
        " or m.startswith('seqtui.tui'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"seqtui.engine.{module} imported {out.stdout.strip()}"


@pytest.mark.parametrize("module", ["config", "errors", "runs.store", "runs.status",
                                    "runs.events", "runs.control", "models.summary",
                                    "models.specs", "training.launch", "reports.textplot",
                                    "reports.analysis", "data.demo"])
def test_light_engine_modules_do_not_import_tensorflow(module: str):
    """What the TUI imports to browse runs and preview models must not pull in TensorFlow."""
    code = f"import sys, seqtui.engine.{module}; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr
