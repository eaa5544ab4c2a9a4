"""One entry for every dataset source: `load_dataset` reads the dataset a config names (demo,
imdb, tfds:NAME, folder:PATH, csv:PATH, jsonl:PATH), trims it to `--subset` and settles the
validation split: the source's own, else a stratified, seeded share of train, or (the seeds'
way, `validation = "test"`) the test split itself."""

from __future__ import annotations

from pathlib import Path

from seqtui.engine.config import Config
from seqtui.engine.data.common import holdout
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
    data.val_texts, data.val_labels = apply_subset(
        data.val_texts, data.val_labels, config.data.subset, seed + 2)
    settle_validation(data, config)
    return data


def settle_validation(data: TextData, config: Config) -> None:
    """Fill data.val_* and say in the facts where validation comes from."""
    d = config.data
    if d.validation == "test":
        data.val_texts, data.val_labels = data.test_texts, data.test_labels
        data.facts["validation_split"] = "the test split (the seeds' way)"
        return
    if data.val_texts:
        data.facts.setdefault("validation_split", "the source's own validation data")
        return
    (train_x, train_y), (val_x, val_y) = holdout(
        data.train_texts, data.train_labels, d.validation_fraction, config.training.seed + 2)
    if not val_x:
        raise DataError(f"{d.dataset}: too few training rows to hold out a validation split "
                        "(each class needs two or more); add data or use --validation test")
    data.train_texts, data.train_labels, data.val_texts, data.val_labels = \
        train_x, train_y, val_x, val_y
    data.facts["validation_split"] = f"a stratified {d.validation_fraction:.0%} of train"


def load_external(config: Config, emit: Listener) -> TextData:
    """Load the dataset named by config.data.dataset (anything but demo)."""
    spec = config.data.dataset
    if config.data.test_path and not spec.startswith(("csv:", "jsonl:")):
        raise DataError("--test-path applies to csv: and jsonl: datasets only; "
                        f"{spec} has its own test split")
    if config.data.validation_path and not spec.startswith(("csv:", "jsonl:")):
        raise DataError("--validation-path applies to csv: and jsonl: datasets only; folders "
                        "use val/ (or valid/, dev/) and TFDS sets their validation split")
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
