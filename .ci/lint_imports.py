"""Check the import rules in pyproject.toml with import-linter, over any checkout.

cli/, engine/ and tui/ become seqtui, seqtui.engine and seqtui.tui when installed (a setuptools
package-dir mapping). import-linter walks the root package's folder, cli/, where the links
cli/engine and cli/tui give it the installed layout: a bare `lint-imports` in an editable
install checks this checkout. This script checks another one (a test's altered copy): cli/ is
copied with its links followed, which is the installed package, and linted there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lint(root: Path = ROOT, **run: object) -> subprocess.CompletedProcess:
    """lint-imports over the sources in `root` (a checkout), laid out as installed."""
    with tempfile.TemporaryDirectory(prefix="seqtui-lint-") as tmp:
        package = Path(tmp) / "seqtui"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(root / "cli", package, ignore=ignore)  # through cli/engine, cli/tui
        env = {**os.environ, "PYTHONPATH": tmp}
        linter = Path(sys.executable).with_name("lint-imports")
        command = [str(linter)] if linter.exists() else ["lint-imports"]
        return subprocess.run([*command, "--no-logo", "--no-cache", str(root / "pyproject.toml")],
                              cwd=tmp, env=env, **run)


def main() -> int:
    return lint().returncode


if __name__ == "__main__":
    sys.exit(main())
