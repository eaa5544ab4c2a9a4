"""Datasets read from outside: imdb (TFDS), tfds:NAME, folder:PATH, csv:PATH, jsonl:PATH.

Every loader returns a `TextData` with class names taken from the data (two or more). Rows a
classifier cannot use (empty text, no label) are skipped and counted; text that is not valid
UTF-8 is decoded with replacement characters and counted; both become `warning` events and
`facts`. Anything that makes a dataset unusable is a `DataError`: one line, naming what to
change. TensorFlow Datasets is imported only for imdb and tfds:NAME.

TFDS downloads are watched: its progress bars become `stage` events ("downloading", with done
and total), and without network the download fails within seconds instead of TFDS's ~200 s of
retries, with a line naming the offline alternatives.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import json
import random
import re
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from seqtui.engine.config import Config, DataConfig
from seqtui.engine.data import TextData
from seqtui.engine.errors import DataError
from seqtui.engine.events import Listener, make_event

IMDB_TFDS_NAME = "imdb_reviews/plain_text"
# Folders of an aclImdb-like tree that hold no class: aclImdb's train/unsup (50,000 unlabeled).
UNLABELED_FOLDERS = {"unsup", "unsupervised", "unlabeled", "unlabelled"}
# When the configured column is the default and absent, these names are tried, in order.
TEXT_NAMES = ("text", "review", "sentence", "content", "document", "description", "body",
              "comment", "tweet")
LABEL_NAMES = ("label", "sentiment", "labels", "class", "target", "category", "polarity")
DEFAULTS = DataConfig()
OFFLINE_HINT = ("offline, use --dataset folder:PATH (an unpacked aclImdb, train/<class>/*.txt), "
                "csv:PATH, jsonl:PATH or demo")
PROBE_TIMEOUT = 10.0  # seconds to reach a download host before calling the network down
PROGRESS_EVERY = 0.5  # seconds between progress events of one bar


def load_external(config: Config, emit: Listener) -> TextData:
    """Load the dataset named by config.data.dataset (anything but demo)."""
    spec = config.data.dataset
    if config.data.test_path and not spec.startswith(("csv:", "jsonl:")):
        raise DataError("--test-path applies to csv: and jsonl: datasets only; "
                        f"{spec} has its own test split")
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


# ---- shared helpers ---------------------------------------------------------------------------

_SURROGATE = re.compile("[\udc80-\udcff]")


def decode_bytes(raw: bytes) -> tuple[str, bool]:
    """UTF-8 text, and whether invalid bytes had to be replaced (U+FFFD)."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), True


def _repair(text: str) -> tuple[str, bool]:
    """Text decoded with surrogateescape: invalid bytes back to replacement characters."""
    if _SURROGATE.search(text) is None:
        return text, False
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace"), True


class Tally:
    """Counts of rows skipped or repaired while reading, turned into warnings and facts."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] += int(n)

    def report(self, source: str, emit: Listener, facts: dict[str, Any]) -> None:
        words = {
            "not_utf8": "texts were not valid UTF-8 (decoded with replacement characters)",
            "empty": "rows had no text and were skipped",
            "unlabeled": "rows had no label and were skipped",
            "bad_lines": "lines were not JSON objects and were skipped",
            "empty_files": "files were empty and were skipped",
        }
        for key, text in words.items():
            n = self.counts.get(key, 0)
            if n:
                emit(make_event("warning", message=f"{source}: {n:,} {text}", count=n,
                                reason=key))
        if self.counts:
            facts["skipped"] = dict(self.counts)


def _progress(emit: Listener, stage: str, message: str, total: int) -> Callable[[int], None]:
    """A throttled reporter of done/total for a loop over `total` items."""
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            emit(make_event("stage", stage=stage, message=message, done=done, total=total))

    return report


def holdout(texts: list[str], labels: list[int], fraction: float, seed: int
            ) -> tuple[tuple[list[str], list[int]], tuple[list[str], list[int]]]:
    """A stratified test split of `fraction` of each class, chosen with the run's seed, so a
    small or unbalanced dataset still tests every class. Order within each split is kept."""
    rng = random.Random(seed)
    by_class: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    test_idx: set[int] = set()
    for y in sorted(by_class):
        idx = by_class[y]
        rng.shuffle(idx)
        # Each class on both sides of the split when it has two rows or more.
        k = min(max(round(len(idx) * fraction), 1), len(idx) - 1) if len(idx) >= 2 else 0
        test_idx.update(idx[:k])
    train = ([t for i, t in enumerate(texts) if i not in test_idx],
             [y for i, y in enumerate(labels) if i not in test_idx])
    test = ([t for i, t in enumerate(texts) if i in test_idx],
            [y for i, y in enumerate(labels) if i in test_idx])
    return train, test


def _held_out(source: str, texts: list[str], labels: list[int], config: Config,
              facts: dict[str, Any], why: str
              ) -> tuple[tuple[list[str], list[int]], tuple[list[str], list[int]]]:
    """(train, test) for data with no test split of its own: --test-fraction held out, recorded
    in the facts with why."""
    train, test = holdout(texts, labels, config.data.test_fraction, config.training.seed)
    if not test[0]:
        raise DataError(f"{source}: too few rows to hold out a test split (each class needs "
                        "two or more)")
    facts["test_split"] = f"held out {config.data.test_fraction:g}{why}"
    return train, test


def _need_two_classes(source: str, labels: list[int], class_names: list[str], where: str) -> None:
    present = sorted(set(labels))
    if not labels:
        raise DataError(f"{source}: no usable rows in {where} (every row was empty or unlabeled)")
    if len(present) < 2:
        raise DataError(f"{source}: only one class ({class_names[present[0]]!r}) in {where}; "
                        "a classifier needs two or more")


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ---- labels from data (csv, jsonl, folders) ---------------------------------------------------

_INT = re.compile(r"[+-]?\d+")


def label_key(value: Any) -> int | str | None:
    """A raw label as a class key: integers (and integer-like strings and floats) unify, so the
    same file may say 1 or "1"; None or blank is no label."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return int(value) if value.is_integer() else str(value)
    text = str(value).strip()
    if not text:
        return None
    return int(text) if _INT.fullmatch(text) else text


def class_order(keys: set[int | str]) -> list[int | str]:
    """Integers in numeric order (0, 1, ...); otherwise names in alphabetical order
    (negative, positive), which is also aclImdb's neg/pos = 0/1."""
    if all(isinstance(k, int) for k in keys):
        return sorted(keys)
    return sorted(keys, key=str)


# ---- folder:PATH ------------------------------------------------------------------------------


def _class_dirs(split_dir: Path) -> list[Path]:
    return sorted(d for d in split_dir.iterdir()
                  if d.is_dir() and d.name.lower() not in UNLABELED_FOLDERS
                  and not d.name.startswith(".") and any(d.glob("*.txt")))


def load_folder(root: Path, config: Config, emit: Listener) -> TextData:
    """The aclImdb layout: train/<class>/*.txt and test/<class>/*.txt. `unsup` and folders with
    no .txt file are ignored. Without test/, a stratified held-out fraction of train (also when
    PATH holds the class folders directly)."""
    source = f"folder:{root}"
    if not root.is_dir():
        raise DataError(f"{source}: no such folder")
    train_dir = root / "train" if (root / "train").is_dir() else root
    classes = _class_dirs(train_dir)
    if not classes:
        raise DataError(f"{source}: no class folders with .txt files in {train_dir} (expected "
                        "the aclImdb layout: train/<class>/*.txt, test/<class>/*.txt)")
    names = [d.name for d in classes]
    if len(names) < 2:
        raise DataError(f"{source}: only one class folder ({names[0]!r}) in {train_dir}; a "
                        "classifier needs two or more")
    test_dir = root / "test" if train_dir != root and (root / "test").is_dir() else None
    test_classes = _class_dirs(test_dir) if test_dir else []
    extra = [d.name for d in test_classes if d.name not in names]
    if extra:
        raise DataError(f"{source}: test/ has classes that train/ lacks: {', '.join(extra)}")

    files: list[tuple[str, Path, int]] = []
    for split, dirs in (("train", classes), ("test", test_classes)):
        for d in dirs:
            label = names.index(d.name)
            files += [(split, f, label) for f in sorted(d.glob("*.txt")) if f.is_file()]
    tally = Tally()
    out: dict[str, tuple[list[str], list[int]]] = {"train": ([], []), "test": ([], [])}
    report = _progress(emit, "loading", f"reading {len(files):,} files from {root}", len(files))
    for n, (split, path, label) in enumerate(files, 1):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise DataError(f"{source}: cannot read {path}: {exc.strerror or exc}") from None
        text, replaced = decode_bytes(raw)
        tally.add("not_utf8", replaced)
        if not text.strip():
            tally.add("empty_files")
        else:
            out[split][0].append(text)
            out[split][1].append(label)
        if n % 500 == 0 or n == len(files):
            report(n)
    facts: dict[str, Any] = {"source": source}
    tally.report(source, emit, facts)
    (train_x, train_y), (test_x, test_y) = out["train"], out["test"]
    _need_two_classes(source, train_y, names, "train")
    if not test_x:
        (train_x, train_y), (test_x, test_y) = _held_out(
            source, train_x, train_y, config, facts, " of train (no test/ folder)")
    return TextData(train_x, train_y, test_x, test_y, names, facts=facts)


# ---- csv:PATH and jsonl:PATH ------------------------------------------------------------------

Row = dict[str, Any]


def _read_text_file(source: str, path: Path) -> str:
    """The file as text; invalid UTF-8 bytes survive as surrogates, repaired per field later
    so they can be counted per row."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{source}: is a folder, not a file") from None
    except OSError as exc:
        raise DataError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    text = raw.decode("utf-8", errors="surrogateescape")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DataError(f"{source}: the file is empty")
    return text


def _csv_rows(source: str, text: str, want: str) -> tuple[list[str], list[Row]]:
    """Header and rows. The delimiter is the one (of , tab ; |) that makes the header hold the
    wanted text column, else the one giving the most columns, else a comma."""
    header_line = text.splitlines()[0]
    best, best_n = ",", 1
    for delim in (",", "\t", ";", "|"):
        cols = next(csv.reader([header_line], delimiter=delim), [])
        if want in [c.strip() for c in cols]:
            best, best_n = delim, 10**9
            break
        if len(cols) > best_n:
            best, best_n = delim, len(cols)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # reviews can be longer than 128 KiB
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=best)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = list(reader)
    except csv.Error as exc:
        raise DataError(f"{source}: not readable as CSV near line {reader.line_num}: {exc}") \
            from None
    return header, rows


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


def _pick_column(source: str, header: list[str], want: str, default: str,
                 candidates: tuple[str, ...], what: str, flag: str, emit: Listener) -> str:
    if want in header:
        return want
    folded = {h.lower(): h for h in header}
    if want.lower() in folded:
        return folded[want.lower()]
    if want == default:
        found = [folded[c] for c in candidates if c in folded]
        if found:
            emit(make_event("stage", stage="loading",
                            message=f"{source}: using column {found[0]!r} as the {what} "
                                    f"({flag} to choose another)"))
            return found[0]
    shown = ", ".join(repr(h) for h in header[:20]) + (" ..." if len(header) > 20 else "")
    raise DataError(f"{source}: no {what} column {want!r}{_suggest(want, header)}; its columns "
                    f"are {shown}; set {flag}")


def _table(kind: str, path: Path, config: Config, emit: Listener, tally: Tally,
           text_col: str | None = None, label_col: str | None = None
           ) -> tuple[list[str], list[int | str], str, str]:
    source = f"{kind}:{path}"
    text = _read_text_file(source, path)
    d = config.data
    if kind == "csv":
        header, rows = _csv_rows(source, text, text_col or d.text_column)
    else:
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
        value = row.get(text_col)
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            tally.add("empty")
            continue
        key = label_key(row.get(label_col))
        if isinstance(key, str):
            key, _ = _repair(key)
        if key is None:
            tally.add("unlabeled")
            continue
        value, replaced = _repair(value)
        tally.add("not_utf8", replaced)
        texts.append(value)
        keys.append(key)
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
    return TextData(texts, labels, test_texts, test_labels, names, facts=facts)


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
        if config.data.test_path:
            paths.append(Path(config.data.test_path).expanduser())
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


def _peek_header(kind: str, source: str, path: Path, want: str) -> list[str] | None:
    """A table's columns from its first line(s); None when the start says too little."""
    with path.open("rb") as f:
        head = f.read(1 << 20)
    text = head.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    if not text.strip():
        raise DataError(f"{source}: the file is empty")
    lines = text.splitlines()
    if len(head) == 1 << 20:
        lines = lines[:-1]  # the last line may be cut
    if kind == "csv":
        return _csv_rows(source, lines[0] + "\n", want)[0] if lines else None
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


# ---- TFDS: imdb and tfds:NAME -----------------------------------------------------------------


def _tfds():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow_datasets as tfds

    return tfds


def _pick_feature(source: str, features: dict[str, Any], want: str, default: str,
                  kinds: tuple[type, ...], candidates: tuple[str, ...], what: str, flag: str,
                  emit: Listener) -> str:
    described = ", ".join(f"{k} ({type(v).__name__})" for k, v in features.items())
    if want in features:
        if not isinstance(features[want], kinds):
            raise DataError(f"{source}: feature {want!r} is a {type(features[want]).__name__}, "
                            f"not a {what}; its features are {described}; set {flag}")
        return want
    if want != default:
        raise DataError(f"{source}: no feature {want!r}{_suggest(want, list(features))}; its "
                        f"features are {described}; set {flag}")
    found = [k for k, v in features.items() if isinstance(v, kinds)]
    if not found:
        raise DataError(f"{source}: no {what} feature (features: {described}); seqtui trains "
                        "text classifiers: one text feature and a class label")
    found.sort(key=lambda k: candidates.index(k) if k in candidates else len(candidates))
    if len(found) > 1:
        emit(make_event("stage", stage="loading",
                        message=f"{source}: using feature {found[0]!r} as the {what} (also "
                                f"{', '.join(found[1:])}; {flag} to choose)"))
    return found[0]


def load_tfds(name: str, config: Config, emit: Listener) -> TextData:
    """A TFDS text classification set: the text and label features come from its info (or
    --text-key/--label-key); the test split is `test`, else `validation`, else held out."""
    source = "imdb" if name == IMDB_TFDS_NAME else f"tfds:{name}"
    tfds = _tfds()
    data_dir = str(Path(config.data.data_dir).expanduser()) if config.data.data_dir else None
    emit(make_event("stage", stage="loading", message=f"{source}: opening TFDS {name}"))
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        base = name.split("/")[0]
        raise DataError(f"unknown TFDS dataset {base!r}{_suggest(base, tfds.list_builders())}; "
                        "see the TFDS catalog for names, e.g. tfds:ag_news_subset") from None
    except Exception as exc:  # noqa: BLE001 - a bad config name and such: one line, not a trace
        raise DataError(f"{source}: {str(exc).strip().splitlines()[0]}") from None

    features = dict(builder.info.features.items()) \
        if isinstance(builder.info.features, tfds.features.FeaturesDict) else {}
    text_key = _pick_feature(source, features, config.data.text_column, DEFAULTS.text_column,
                             (tfds.features.Text,), TEXT_NAMES, "text", "--text-key", emit)
    label_kinds = (tfds.features.ClassLabel,)
    label_key_ = _pick_feature(source, features, config.data.label_column,
                               DEFAULTS.label_column, label_kinds, LABEL_NAMES, "class label",
                               "--label-key", emit)
    names = list(features[label_key_].names)

    prepare(builder, name, emit)
    splits = list(builder.info.splits.keys())
    if "train" not in splits:
        raise DataError(f"{source}: no train split (splits: {', '.join(splits) or 'none'})")
    tally = Tally()
    read = _split_reader(builder, text_key, label_key_, len(names), tally, emit, source)
    train_x, train_y = read("train")
    facts: dict[str, Any] = {"source": f"TFDS {builder.info.full_name}",
                             "data_dir": str(builder.data_dir), "text_key": text_key,
                             "label_key": label_key_}
    test_x: list[str] = []
    test_y: list[int] = []
    for split in ("test", "validation"):
        if split in splits:
            test_x, test_y = read(split)
            if test_x:  # GLUE's test split has no labels (-1): fall through to validation
                facts["test_split"] = split
                break
    tally.report(source, emit, facts)
    _need_two_classes(source, train_y, names, "the train split")
    if not test_x:
        (train_x, train_y), (test_x, test_y) = _held_out(
            source, train_x, train_y, config, facts, " of train")
    return TextData(train_x, train_y, test_x, test_y, names, facts=facts)


def _split_reader(builder: Any, text_key: str, label_key_: str, num_classes: int,
                  tally: Tally, emit: Listener, source: str
                  ) -> Callable[[str], tuple[list[str], list[int]]]:
    tfds = _tfds()

    def read(split: str) -> tuple[list[str], list[int]]:
        total = builder.info.splits[split].num_examples or 0
        message = f"{source}: reading the {split} split"
        report = _progress(emit, "loading", message, total) if total else None
        if not report:
            emit(make_event("stage", stage="loading", message=message))
        ds = builder.as_dataset(split=split, shuffle_files=False)
        ds = ds.map(lambda ex: (ex[text_key], ex[label_key_])).batch(4096)
        texts: list[str] = []
        labels: list[int] = []
        for batch_x, batch_y in tfds.as_numpy(ds):
            for raw, y in zip(batch_x.tolist(), batch_y.tolist(), strict=True):
                if not 0 <= y < num_classes:  # -1: no label (GLUE test splits)
                    tally.add("unlabeled")
                    continue
                text, replaced = decode_bytes(raw)
                tally.add("not_utf8", replaced)
                if not text.strip():
                    tally.add("empty")
                    continue
                texts.append(text)
                labels.append(int(y))
            if report:
                report(min(total, len(texts)))
        return texts, labels

    return read


class Offline(OSError):
    """A download host cannot be reached."""


def prepare(builder: Any, name: str, emit: Listener) -> None:
    """download_and_prepare with progress as stage events and a bounded offline failure."""
    if builder.is_prepared():
        return
    emit(make_event("stage", stage="downloading", phase="download", done=0, total=None,
                    message=f"downloading and preparing TFDS {name} into {builder.data_dir} "
                            "(once; later runs reuse it)"))
    try:
        with _tfds_watched(emit, name):
            builder.download_and_prepare()
    except Exception as exc:  # noqa: BLE001 - network failures become one line, others re-raise
        host = _network_failure(exc)
        if host is not None:
            raise DataError(f"cannot download {name}: no network ({host} unreachable); "
                            f"{OFFLINE_HINT}") from None
        text = str(exc).strip().splitlines()
        if "manual" in str(exc).lower() and text:
            raise DataError(f"{name}: {text[0]}") from None
        raise


def _network_failure(exc: BaseException) -> str | None:
    """The unreachable host when exc (or what caused it) is a network failure, else None."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    markers = ("Failed to resolve", "Name or service not known", "Temporary failure in name",
               "Network is unreachable", "Max retries exceeded", "Connection refused",
               "No route to host", "timed out", "nodename nor servname")
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, Offline):
            return str(e)
        text = str(e)
        if isinstance(e, ConnectionError | socket.gaierror | socket.timeout) or \
                any(m in text for m in markers):
            match = re.search(r"host='([^']+)'", text)
            return match.group(1) if match else "the download host"
        if type(e).__name__ in ("ConnectionError", "NewConnectionError", "MaxRetryError",
                                "NameResolutionError", "ConnectTimeout"):
            return "the download host"
        stack += [e.__cause__, e.__context__]
    return None


def probe(url: str, timeout: float = PROBE_TIMEOUT) -> None:
    """Raise Offline unless the url's host answers on its port within `timeout` seconds."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ftp") or not parts.hostname:
        return
    from urllib.request import getproxies, proxy_bypass

    if parts.scheme in getproxies() and not proxy_bypass(parts.hostname):
        return  # behind a proxy a direct connection proves nothing; TFDS's requests use it
    port = parts.port or {"http": 80, "https": 443, "ftp": 21}[parts.scheme]
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError:
        raise Offline(parts.hostname) from None


@contextlib.contextmanager
def _swapped(obj: Any, attr: str, value: Any) -> Iterator[None]:
    """Replace obj.attr for the duration; skip quietly if this TFDS version lacks it."""
    if obj is None or not hasattr(obj, attr):
        yield
        return
    old = getattr(obj, attr)
    setattr(obj, attr, value)
    try:
        yield
    finally:
        setattr(obj, attr, old)


@contextlib.contextmanager
def _tfds_watched(emit: Listener, name: str) -> Iterator[None]:
    """TFDS's tqdm bars become stage events; its stdout banner becomes a stage message; each
    download first probes its host (a DNS failure or a 10 s connect timeout ends it) and
    retries twice, not ten times with backoff (~200 s with no network)."""
    from tensorflow_datasets.core import dataset_builder
    from tensorflow_datasets.core.download import downloader
    from tensorflow_datasets.core.utils import tqdm_utils

    bar_class = _event_bar_class(emit, name)
    tqdm_shim = type("TqdmShim", (), {"tqdm": bar_class})

    class Cprint:
        @staticmethod
        def cprint(text: Any, *args: Any, **kwargs: Any) -> None:
            emit(make_event("stage", stage="downloading", phase="prepare",
                            message=" ".join(str(text).split())))

    open_url = getattr(downloader, "_open_url", None)

    def probing_open_url(url: str, **kwargs: Any) -> Any:
        probe(url)
        return open_url(url, **kwargs)  # type: ignore[misc]

    with contextlib.ExitStack() as stack:
        stack.enter_context(_swapped(tqdm_utils, "tqdm_lib", tqdm_shim))
        stack.enter_context(_swapped(tqdm_utils, "_active", True))
        stack.enter_context(_swapped(dataset_builder, "termcolor", Cprint))
        stack.enter_context(_swapped(downloader, "MAX_RETRIES", 2))
        if open_url is not None:
            stack.enter_context(_swapped(downloader, "_open_url", probing_open_url))
        yield


def _event_bar_class(emit: Listener, name: str) -> type:
    """A tqdm whose display is a throttled `stage` event instead of terminal output."""
    from tqdm import std

    class EventBar(std.tqdm):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["file"] = io.StringIO()
            kwargs["disable"] = False
            self._last_emit = 0.0
            super().__init__(*args, **kwargs)

        def display(self, msg: Any = None, pos: Any = None) -> bool:
            now = time.monotonic()
            total = int(self.total) if self.total else None
            done = int(self.n)
            if now - self._last_emit < PROGRESS_EVERY and (total is None or done < total):
                return True
            self._last_emit = now
            desc = (self.desc or "").rstrip(". :")
            phase = "download" if desc.lower().startswith(("dl", "extract")) else "prepare"
            unit = (self.unit or "").strip()
            amount = f"{done:,}/{total:,}" if total else f"{done:,}"
            emit(make_event("stage", stage="downloading", phase=phase, done=done, total=total,
                            unit=unit, message=f"{name}: {desc.lower()} {amount} {unit}".strip()))
            return True

    return EventBar
