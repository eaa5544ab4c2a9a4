"""What the sources share: decoding bytes, counting skipped rows, stratified hold-out splits,
labels as class keys, and column picking."""

from __future__ import annotations

import difflib
import os
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seqtui.engine.config import Config, DataConfig
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener, make_event

# When the configured column is the default and absent, these names are tried, in order.
TEXT_NAMES = ("text", "review", "sentence", "content", "document", "description", "body",
              "comment", "tweet")
LABEL_NAMES = ("label", "sentiment", "labels", "class", "target", "category", "polarity")
DEFAULTS = DataConfig()
PROGRESS_EVERY = 0.5  # seconds between progress events of one bar


# ---- shared helpers ---------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where learned vocabularies and vector matrices are kept between runs."""
    if os.environ.get("SEQTUI_CACHE_DIR"):
        return Path(os.environ["SEQTUI_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "seqtui"


_SURROGATE = re.compile("[\udc80-\udcff]")


def _single_byte(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: latin-1's controls
        return chr(byte)


# A byte that is not UTF-8 (a surrogate after surrogateescape) as the cp1252 character it
# most likely was: files that are not UTF-8 are nearly always Windows-1252 or latin-1 (the
# Sentiment140 CSV is), and each such byte stands alone, so valid UTF-8 around it stays.
_LEGACY = {0xDC00 + b: _single_byte(b) for b in range(0x80, 0x100)}


def decode_bytes(raw: bytes) -> tuple[str, bool]:
    """UTF-8 text, and whether some bytes were not UTF-8 (read as cp1252/latin-1)."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return _repair(raw.decode("utf-8", errors="surrogateescape"))


def _repair(text: str) -> tuple[str, bool]:
    """Text decoded with surrogateescape: bytes that were not UTF-8 read as cp1252/latin-1."""
    if _SURROGATE.search(text) is None:
        return text, False
    return text.translate(_LEGACY), True


class Tally:
    """Counts of rows skipped or repaired while reading, turned into warnings and facts."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] += int(n)

    def report(self, source: str, emit: Listener, facts: dict[str, Any]) -> None:
        words = {
            "not_utf8": "texts were not valid UTF-8 (their bytes read as cp1252/latin-1)",
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
