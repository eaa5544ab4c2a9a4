"""Cheap checks of a local dataset (folder:, csv:, jsonl:) before anything starts: the path,
the layout, a table's columns. Plain Python, no TensorFlow, so the TUI's form can call them."""

from __future__ import annotations

from pathlib import Path

from seqtui.engine.config import Config
from seqtui.engine.data.common import DEFAULTS, LABEL_NAMES, TEXT_NAMES, Tally, _pick_column
from seqtui.engine.data.folder import _class_dirs
from seqtui.engine.data.tables import _peek_header, _table
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener


def check_local(config: Config) -> None:
    """Cheap checks of folder:, csv: and jsonl: datasets (their layout, a file's columns) that
    need no TensorFlow and read little, so the CLI can refuse bad input before it makes a run
    directory. Everything here is checked again, in full, when the data loads."""
    spec = config.data.dataset
    kind, _, rest = spec.partition(":")
    if kind in ("folder", "csv", "jsonl"):
        path = Path(rest).expanduser()
        if not path.exists():
            raise DataError(f"--dataset: {path} does not exist")
        if kind == "folder" and not path.is_dir():
            raise DataError(f"--dataset: {path} is not a folder (folder:PATH takes a folder in "
                            "the aclImdb layout)")
        if kind != "folder" and path.is_dir():
            raise DataError(f"--dataset: {path} is a folder; {kind}:PATH takes a file")
    if config.data.test_path and not Path(config.data.test_path).expanduser().is_file():
        raise DataError(f"--test-path: {config.data.test_path} does not exist")
    if config.data.validation_path and \
            not Path(config.data.validation_path).expanduser().is_file():
        raise DataError(f"--validation-path: {config.data.validation_path} does not exist "
                        "(a csv/jsonl file with the training file's columns)")
    if kind == "folder":
        root = Path(rest).expanduser()
        train_dir = root / "train" if (root / "train").is_dir() else root
        if root.is_dir():
            names = [d.name for d in _class_dirs(train_dir)]
            if not names:
                raise DataError(f"{spec}: no class folders with .txt files in {train_dir} "
                                "(expected the aclImdb layout: train/<class>/*.txt, "
                                "test/<class>/*.txt)")
            if len(names) < 2:
                raise DataError(f"{spec}: only one class folder ({names[0]!r}) in {train_dir}; "
                                "a classifier needs two or more")
    elif kind in ("csv", "jsonl"):
        paths = [Path(rest).expanduser()]
        for extra in (config.data.test_path, config.data.validation_path):
            if extra:
                paths.append(Path(extra).expanduser())
        quiet: Listener = lambda event: None  # noqa: E731
        for path in paths:
            if not path.is_file():
                continue
            source = f"{kind}:{path}"
            header = _peek_header(kind, source, path, config.data.text_column)
            if header is None:
                continue
            for want, default, names, what, flag in (
                    (config.data.text_column, DEFAULTS.text_column, TEXT_NAMES, "text",
                     "--text-column"),
                    (config.data.label_column, DEFAULTS.label_column, LABEL_NAMES, "label",
                     "--label-column")):
                _pick_column(source, header, want, default, names, what, flag, quiet)
        if config.data.validation_path:
            _check_validation_classes(kind, Path(rest).expanduser(),
                                      Path(config.data.validation_path).expanduser(), config)


def _check_validation_classes(kind: str, train: Path, validation: Path, config: Config) -> None:
    """Validation labels the training file lacks would score as errors that training could
    never fix: refuse before a run directory exists. Reads both files in full."""
    quiet: Listener = lambda event: None  # noqa: E731
    _, train_keys, text_col, label_col = _table(kind, train, config, quiet, Tally())
    _, val_keys, _, _ = _table(kind, validation, config, quiet, Tally(), text_col, label_col)
    unknown = sorted({str(k) for k in val_keys} - {str(k) for k in train_keys})
    if unknown:
        raise DataError(f"--validation-path: {validation} has labels the training file does "
                        f"not have: {', '.join(map(repr, unknown[:5]))}; validation needs the "
                        "training classes")
