"""One entry for every dataset source: `load_dataset` reads the dataset a config names (demo,
imdb, tfds:NAME, folder:PATH, csv:PATH, jsonl:PATH) and trims it to `--subset`."""

from __future__ import annotations

from pathlib import Path

from seqtui.engine.config import Config
from seqtui.engine.data.textdata import TextData, apply_subset
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener, make_event


def load_dataset(config: Config, listener: Listener | None = None) -> TextData:
    emit = listener or (lambda event: None)
    spec = config.data.dataset
    if spec == "demo":
        from seqtui.engine.data.demo import CLASS_NAMES, demo_splits

        emit(make_event("stage", stage="loading", message="generating the demo dataset"))
        (train_x, train_y), (test_x, test_y) = demo_splits(config.data.demo_size)
        data = TextData(train_x, train_y, test_x, test_y, list(CLASS_NAMES),
                        facts={"source": "demo (generated, offline)"})
    else:
        data = load_external(config, emit)
    seed = config.training.seed
    data.train_texts, data.train_labels = apply_subset(
        data.train_texts, data.train_labels, config.data.subset, seed)
    data.test_texts, data.test_labels = apply_subset(
        data.test_texts, data.test_labels, config.data.subset, seed + 1)
    return data


def load_external(config: Config, emit: Listener) -> TextData:
    """Load the dataset named by config.data.dataset (anything but demo)."""
    spec = config.data.dataset
    if config.data.test_path and not spec.startswith(("csv:", "jsonl:")):
        raise DataError("--test-path applies to csv: and jsonl: datasets only; "
                        f"{spec} has its own test split")
    from seqtui.engine.data.folder import load_folder
    from seqtui.engine.data.tables import load_table
    from seqtui.engine.data.tfds import IMDB_TFDS_NAME, load_tfds

    if spec == "imdb":
        return load_tfds(IMDB_TFDS_NAME, config, emit)
    kind, _, rest = spec.partition(":")
    if kind == "tfds":
        return load_tfds(rest.strip(), config, emit)
    if kind == "folder":
        return load_folder(Path(rest).expanduser(), config, emit)
    if kind in ("csv", "jsonl"):
        return load_table(kind, Path(rest).expanduser(), config, emit)
    raise DataError(f"unknown dataset {spec!r}; use demo, imdb, tfds:NAME, folder:PATH, "
                    "csv:PATH or jsonl:PATH")
