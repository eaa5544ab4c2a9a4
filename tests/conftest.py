"""Shared fixtures: isolated runs dir; TensorFlow kept quiet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Subword vocabularies the tests learn go to a temporary cache, never ~/.cache."""
    os.environ["SEQTUI_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    # Saved presets too: a test never sees (or writes) the user's own.
    os.environ["SEQTUI_PRESETS_DIR"] = str(tmp_path_factory.mktemp("presets"))


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "runs"
    monkeypatch.setenv("SEQTUI_RUNS_DIR", str(path))
    return path
