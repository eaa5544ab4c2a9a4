"""csv:PATH as files come: with or without a header row, columns by name or 0-based index,
any of , tab ; | as the delimiter, bytes that are not UTF-8 read as cp1252/latin-1.

The file is streamed: only the text and label columns are kept, so the 1.6-million-row
Sentiment140 file needs memory for its texts, not for its rows, and a `stage` event reports
progress by bytes read.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import time
from pathlib import Path

from seqtui.engine.config import Config
from seqtui.engine.data.common import (
    DEFAULTS,
    LABEL_NAMES,
    PROGRESS_EVERY,
    TEXT_NAMES,
    Tally,
    _pick_column,
    _repair,
    label_key,
)
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener, make_event

DELIMITERS = (",", "\t", ";", "|")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
PEEK_BYTES = 1 << 20



def keep_row(value: object, label: object, tally: Tally, texts: list[str],
             keys: list[int | str]) -> None:
    """Append a row's text and label key, or count why a classifier cannot use it: an empty
    text, or no label. Bytes that were not UTF-8 are repaired, in the label too, and counted."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # a JSON number as text
    if not isinstance(value, str) or not value.strip():
        tally.add("empty")
        return
    key = label_key(label)
    if isinstance(key, str):
        key, _ = _repair(key)
    if key is None:
        tally.add("unlabeled")
        return
    value, repaired = _repair(value)
    tally.add("not_utf8", repaired)
    texts.append(value)
    keys.append(key)

class Layout:
    """How a CSV file is laid out: its delimiter, whether row one is a header, the columns."""

    def __init__(self, delimiter: str, has_header: bool, header: list[str]) -> None:
        self.delimiter, self.has_header, self.header = delimiter, has_header, header


def _first_rows(source: str, path: Path, count: int = 2) -> list[str]:
    try:
        with path.open("rb") as f:
            head = f.read(PEEK_BYTES)
    except OSError as exc:
        raise DataError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    text = head.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    if not text.strip():
        raise DataError(f"{source}: the file is empty")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(head) == PEEK_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    return lines[:count]


def sniff(source: str, path: Path, config: Config) -> Layout:
    """The delimiter (the one whose first row holds the wanted text column, else the one
    giving the most columns) and whether the first row is a header (`--no-header` says not;
    otherwise a row of distinct short names, none a number, is one)."""
    lines = _first_rows(source, path)
    want = str(config.data.text_column)
    best, best_cols = ",", [lines[0]]
    for delim in DELIMITERS:
        cols = next(csv.reader([lines[0]], delimiter=delim), [])
        if want in [c.strip() for c in cols]:
            best, best_cols = delim, cols
            break
        if len(cols) > len(best_cols):
            best, best_cols = delim, cols
    first = [c.strip() for c in best_cols]
    has_header = not config.data.no_header and _looks_like_header(first)
    header = first if has_header else [str(i) for i in range(len(first))]
    return Layout(best, has_header, header)


def _looks_like_header(row: list[str]) -> bool:
    return (all(row) and len(set(row)) == len(row)
            and not any(_NUMBER.fullmatch(c) or len(c) > 64 for c in row))


def column_index(source: str, layout: Layout, want: str | int, default: str,
                 names: tuple[str, ...], what: str, flag: str, emit: Listener) -> int:
    """A column by name (as written, any case, or a common name when the default is absent)
    or by 0-based index."""
    want = str(want)
    header = layout.header
    if want not in header and want.isdigit():
        index = int(want)
        if index >= len(header):
            raise DataError(f"{source}: {flag} {index} is out of range: the file has "
                            f"{len(header)} columns (0 to {len(header) - 1})")
        return index
    try:
        return header.index(_pick_column(source, header, want, default, names, what, flag,
                                         emit))
    except DataError as exc:
        hint = ("; if the first row is data, not a header, add --no-header and give columns as "
                "0-based indexes") if layout.has_header else \
            "; the file has no header row: give columns as 0-based indexes"
        raise DataError(f"{exc}{hint}") from None


def resolve_columns(source: str, layout: Layout, config: Config, emit: Listener,
                    text_col: str | None = None, label_col: str | None = None
                    ) -> tuple[int, int]:
    d = config.data
    text = column_index(source, layout, text_col or d.text_column, DEFAULTS.text_column,
                        TEXT_NAMES, "text", "--text-column", emit)
    label = column_index(source, layout, label_col or d.label_column, DEFAULTS.label_column,
                         LABEL_NAMES, "label", "--label-column", emit)
    return text, label


def read_csv(source: str, path: Path, config: Config, emit: Listener, tally: Tally,
             layout: Layout | None = None, columns: tuple[int, int] | None = None
             ) -> tuple[list[str], list[int | str], Layout, tuple[int, int]]:
    """Texts and label keys of a CSV file, streamed; a test file is read with the training
    file's layout and columns."""
    layout = layout or sniff(source, path, config)
    text_i, label_i = columns or resolve_columns(source, layout, config, emit)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # reviews can be longer than 128 KiB
    size = path.stat().st_size
    texts: list[str] = []
    keys: list[int | str] = []
    last = time.monotonic()
    message = f"reading {path.name}"
    with path.open("rb") as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
        reader = csv.reader(stream, delimiter=layout.delimiter)
        try:
            for n, row in enumerate(reader):
                if n == 0:
                    if row and row[0].startswith("\ufeff"):
                        row[0] = row[0][1:]
                    if layout.has_header:
                        continue
                if not row:
                    continue
                keep_row(row[text_i] if text_i < len(row) else "",
                         row[label_i] if label_i < len(row) else None, tally, texts, keys)
                if n % 4096 == 0 and time.monotonic() - last >= PROGRESS_EVERY:
                    last = time.monotonic()
                    emit(make_event("stage", stage="loading", message=message,
                                    done=raw.tell(), total=size, unit="bytes"))
        except csv.Error as exc:
            raise DataError(f"{source}: not readable as CSV near line {reader.line_num}: "
                            f"{exc}") from None
    emit(make_event("stage", stage="loading", message=message, done=size, total=size,
                    unit="bytes", rows=len(texts)))
    return texts, keys, layout, (text_i, label_i)
