"""The import rules in pyproject.toml hold (import-linter), and they would catch a break."""

from __future__ import annotations

import importlib.util
import shutil
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _lint_module():
    spec = importlib.util.spec_from_file_location("lint_imports", ROOT / ".ci" / "lint_imports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_contracts_are_kept():
    done = _lint_module().lint(capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout, done.stdout


def test_every_cli_module_is_forbidden_to_the_engine():
    """The CLI is the root package, so its modules are listed one by one: none may be missing."""
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    forbidden = set(contracts["contracts"][0]["forbidden_modules"])
    cli = {f"seqtui.{p.stem}" for p in (ROOT / "cli").glob("*.py")
           if p.stem not in ("__init__", "__main__")}
    assert cli <= forbidden, sorted(cli - forbidden)


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("engine/runs/status.py", "import seqtui.engine.training.train", "import only the ones below"),
    ("engine/config_rules.py", "import seqtui.engine.runs.status", "import only the ones below"),
    ("tui/runindex.py", "import tensorflow", "never imports TensorFlow"),
    ("engine/models/summary.py", "import textual", "never imports the TUI"),
    ("engine/data/subwords.py", "import tensorflow_text", "Only the export imports"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, broken):
    for folder in ("cli", "engine", "tui"):
        shutil.copytree(ROOT / folder, tmp_path / folder, symlinks=True,  # cli/engine -> ../engine
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n\ndef _late():\n    {line}\n")
    done = _lint_module().lint(tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert f"{broken}" in done.stdout.split("Broken contracts")[-1], done.stdout
