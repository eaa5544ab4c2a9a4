"""Archiving runs: a run directory moves to `archive/` under the runs dir and back (plain Python).

The runs list and `seqtui runs` list only directories holding a config.json directly under the
runs dir, so an archived run drops out of them without being lost; nothing inside it changes.
"""

from __future__ import annotations

import os
from pathlib import Path

ARCHIVE_DIR = "archive"


class ArchiveError(OSError):
    """A move that cannot be done; the message says why."""


def archive_dir(runs_dir: Path) -> Path:
    return Path(runs_dir) / ARCHIVE_DIR


def _move(source: Path, target: Path) -> Path:
    if target.exists():
        raise ArchiveError(f"{target} already exists; rename or delete it first")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.rename(source, target)  # same file system: one atomic rename, nothing half-moved
    except OSError as exc:
        raise ArchiveError(f"cannot move {source.name}: {exc.strerror}") from None
    return target


def archive_run(run_dir: Path, runs_dir: Path) -> Path:
    """Move a run into the archive; returns its new path."""
    return _move(Path(run_dir), archive_dir(runs_dir) / Path(run_dir).name)


def restore_run(archived: Path, runs_dir: Path) -> Path:
    """Move an archived run back among the runs; returns its path."""
    return _move(Path(archived), Path(runs_dir) / Path(archived).name)
