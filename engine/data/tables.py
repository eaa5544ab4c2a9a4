"""csv:PATH and jsonl:PATH: a text column and a label column, a separate test file or a
held-out fraction. Rows a classifier cannot use are skipped and counted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from seqtui.engine.config import Config
from seqtui.engine.data.common import (
    DEFAULTS,
    LABEL_NAMES,
    TEXT_NAMES,
    Tally,
    _held_out,
    _pick_column,
    class_order,
)
from seqtui.engine.data.csvtable import keep_row, read_csv, resolve_columns, sniff
from seqtui.engine.data.folder import _read_text_file
from seqtui.engine.data.textdata import TextData
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener, make_event

Row = dict[str, Any]


def _jsonl_rows(source: str, text: str, tally: Tally) -> tuple[list[str], list[Row]]:
    rows: list[Row] = []
    first_bad: tuple[int, str] | None = None
    lines = text.splitlines()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            obj, why = None, f"not valid JSON ({exc.msg})"
        else:
            why = "not a JSON object"
        if not isinstance(obj, dict):
            tally.add("bad_lines")
            first_bad = first_bad or (n, why)
            continue
        rows.append(obj)
    if not rows:
        n, why = first_bad or (1, "no rows")
        raise DataError(f"{source}: line {n} is {why}; JSON Lines needs one object a line, "
                        'like {"text": "...", "label": 1}')
    keys: dict[str, None] = {}
    for row in rows[:1000]:
        keys.update(dict.fromkeys(row))
    return list(keys), rows


def _table(kind: str, path: Path, config: Config, emit: Listener, tally: Tally,
           text_col: str | None = None, label_col: str | None = None
           ) -> tuple[list[str], list[int | str], str, str]:
    source = f"{kind}:{path}"
    d = config.data
    if kind == "csv":
        if not path.is_file():
            _read_text_file(source, path)  # the same one-line errors as any file
        # A test file is read with the training file's columns, by name or index.
        layout = sniff(source, path, config)
        columns = resolve_columns(source, layout, config, emit, text_col, label_col)
        texts, keys, _, _ = read_csv(source, path, config, emit, tally, layout, columns)
        return texts, keys, layout.header[columns[0]], layout.header[columns[1]]
    text = _read_text_file(source, path)
    header, rows = _jsonl_rows(source, text, tally)
    text_col = text_col or _pick_column(source, header, d.text_column, DEFAULTS.text_column,
                                        TEXT_NAMES, "text", "--text-column", emit)
    label_col = label_col or _pick_column(source, header, d.label_column,
                                          DEFAULTS.label_column, LABEL_NAMES, "label",
                                          "--label-column", emit)
    for col, what, flag in ((text_col, "text", "--text-column"),
                            (label_col, "label", "--label-column")):
        if col not in header:  # a test file read with the training file's columns
            raise DataError(f"{source}: no {what} column {col!r}; its columns are "
                            f"{', '.join(map(repr, header))}; set {flag}")
    texts: list[str] = []
    keys: list[int | str] = []
    for row in rows:
        keep_row(row.get(text_col), row.get(label_col), tally, texts, keys)
    return texts, keys, text_col, label_col


def load_table(kind: str, path: Path, config: Config, emit: Listener) -> TextData:
    """csv:PATH or jsonl:PATH: a text and a label column (names configurable, labels strings or
    integers); the test split is --test-path (same format and columns) or a held-out fraction."""
    source = f"{kind}:{path}"
    emit(make_event("stage", stage="loading", message=f"reading {path}"))
    tally = Tally()
    texts, keys, text_col, label_col = _table(kind, path, config, emit, tally)
    test_texts: list[str] = []
    test_keys: list[int | str] = []
    test_path = Path(config.data.test_path).expanduser() if config.data.test_path else None
    if test_path:
        test_texts, test_keys, _, _ = _table(kind, test_path, config, emit, tally,
                                             text_col, label_col)
    val_path = Path(config.data.validation_path).expanduser() \
        if config.data.validation_path else None
    val_texts: list[str] = []
    val_keys: list[int | str] = []
    if val_path:
        val_texts, val_keys, _, _ = _table(kind, val_path, config, emit, tally,
                                           text_col, label_col)
    facts: dict[str, Any] = {"source": source, "text_column": text_col,
                             "label_column": label_col}
    tally.report(source, emit, facts)
    if not texts:
        raise DataError(f"{source}: no usable rows (every row was empty or unlabeled in "
                        f"columns {text_col!r}/{label_col!r})")
    order = class_order(set(keys))
    if len(order) < 2:
        raise DataError(f"{source}: only one class ({str(order[0])!r}) in column "
                        f"{label_col!r}; a classifier needs two or more")
    index = {k: i for i, k in enumerate(order)}
    labels = [index[k] for k in keys]
    names = [str(k) for k in order]
    val_labels: list[int] = []
    if val_path:
        unknown = sorted({str(k) for k in val_keys if k not in index})
        if unknown:
            raise DataError(f"{kind}:{val_path}: validation labels the training file does not "
                            f"have: {', '.join(map(repr, unknown[:5]))}; validation needs the "
                            "training classes")
        if not val_texts:
            raise DataError(f"{kind}:{val_path}: no usable rows in the validation file")
        val_labels = [index[k] for k in val_keys]
        facts["validation_split"] = str(val_path)
    if test_path:
        unknown = sorted({str(k) for k in test_keys if k not in index})
        if unknown:
            raise DataError(f"{kind}:{test_path}: labels the training file does not have: "
                            f"{', '.join(map(repr, unknown[:5]))}")
        if not test_texts:
            raise DataError(f"{kind}:{test_path}: no usable rows in the test file")
        test_labels = [index[k] for k in test_keys]
        facts["test_split"] = str(test_path)
    else:
        (texts, labels), (test_texts, test_labels) = _held_out(
            source, texts, labels, config, facts, " (no --test-path)")
    return TextData(texts, labels, test_texts, test_labels, names, facts=facts,
                    val_texts=val_texts, val_labels=val_labels)


def _peek_header(kind: str, source: str, path: Path, want: str) -> list[str] | None:
    """A JSON Lines table's keys from its first lines; None when the start says too little.
    (A CSV file's layout is csvtable.sniff's.)"""
    with path.open("rb") as f:
        head = f.read(1 << 20)
    text = head.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    if not text.strip():
        raise DataError(f"{source}: the file is empty")
    lines = text.splitlines()
    if len(head) == 1 << 20:
        lines = lines[:-1]  # the last line may be cut
    for line in lines[:50]:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            return list(obj)
    if len(lines) >= 50 or len(head) < 1 << 20:
        raise DataError(f"{source}: no JSON object in its first lines; JSON Lines needs one "
                        'object a line, like {"text": "...", "label": 1}')
    return None
