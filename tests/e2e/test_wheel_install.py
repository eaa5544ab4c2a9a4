"""A built wheel, not only the editable install, holds every package and trains on demo.

The wheel is built from this checkout and installed with --no-deps into a fresh venv that reuses
the dependencies already installed here (TensorFlow is not downloaded again); `seqtui train` then
runs from a folder outside the checkout, so nothing can come from the source tree.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str | Path, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def test_a_wheel_installed_without_the_checkout_trains_on_demo(tmp_path):
    # Built from a copy: a build/ folder left in the checkout would hide a package the
    # pyproject no longer lists.
    source = tmp_path / "source"
    for folder in ("cli", "engine", "tui"):
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", dist, source, timeout=300)
    (wheel,) = dist.glob("seqtui-*.whl")

    # Every source module is in the wheel, under its installed name.
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"seqtui/{p.relative_to(ROOT / 'cli')}" for p in (ROOT / "cli").glob("*.py")}
    for folder in ("engine", "tui"):
        expected |= {f"seqtui/{folder}/{p.relative_to(ROOT / folder)}"
                     for p in (ROOT / folder).rglob("*.py")}
    assert expected <= names, sorted(expected - names)
    assert any(n.startswith("seqtui/tui/") and n.endswith(".tcss") for n in names)

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv)
    # When this interpreter is itself a venv, --system-site-packages reaches the base Python,
    # not this venv's packages: a .pth line adds them (as plain paths, so the editable
    # install's finder in there is not loaded).
    (purelib,) = (venv / "lib").glob("python3*/site-packages")
    (purelib / "reuse-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel,
         timeout=300)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SEQTUI_RUNS_DIR")}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    where = _run(python, "-c", "import seqtui.engine.data.tfds as m, seqtui.tui.app as t; "
                 "print(m.__file__); print(t.__file__)", cwd=outside, env=env, timeout=120)
    for line in where.stdout.split():
        assert Path(line).is_relative_to(purelib), where.stdout

    done = _run(venv / "bin" / "seqtui", "train", "--dataset", "demo", "--demo-size", "200",
                "--preset", "gap", "--embedding-dim", "8", "--dense-units", "8", "--epochs", "1",
                cwd=outside, env=env, timeout=300)
    assert "completed" in done.stdout + done.stderr
    (run_dir,) = (outside / "runs").iterdir()
    assert (run_dir / "report.md").is_file() and (run_dir / "checkpoints" / "last.keras").is_file()
