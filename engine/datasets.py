"""Datasets read from outside: imdb (TFDS), tfds:NAME, folder:PATH, csv:PATH, jsonl:PATH."""

from __future__ import annotations

from seqtui.engine.config import Config
from seqtui.engine.data import TextData
from seqtui.engine.errors import DataError
from seqtui.engine.events import Listener


def load_external(config: Config, emit: Listener) -> TextData:
    raise DataError(f"dataset {config.data.dataset!r} is not supported yet; use demo")
