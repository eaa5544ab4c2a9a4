"""folder:PATH, the aclImdb layout: train/<class>/*.txt and test/<class>/*.txt (other folders,
such as unsup, ignored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seqtui.engine.config import Config
from seqtui.engine.data.common import Tally, _held_out, _need_two_classes, _progress, decode_bytes
from seqtui.engine.data.textdata import TextData
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener

# Folders of an aclImdb-like tree that hold no class: aclImdb's train/unsup (50,000 unlabeled).
UNLABELED_FOLDERS = {"unsup", "unsupervised", "unlabeled", "unlabelled"}
# A validation folder beside train/ and test/, by the names datasets commonly give it.
VALIDATION_FOLDERS = ("val", "valid", "validation", "dev")


# ---- folder:PATH ------------------------------------------------------------------------------


def _class_dirs(split_dir: Path) -> list[Path]:
    return sorted(d for d in split_dir.iterdir()
                  if d.is_dir() and d.name.lower() not in UNLABELED_FOLDERS
                  and not d.name.startswith(".") and any(d.glob("*.txt")))


def load_folder(root: Path, config: Config, emit: Listener) -> TextData:
    """The aclImdb layout: train/<class>/*.txt and test/<class>/*.txt, and a validation folder
    (val/, valid/, validation/ or dev/) when there is one. `unsup` and folders with no .txt file
    are ignored. Without test/, a stratified held-out fraction of train (also when PATH holds
    the class folders directly)."""
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
    val_dir = next((root / n for n in VALIDATION_FOLDERS
                    if train_dir != root and (root / n).is_dir()), None)
    val_classes = _class_dirs(val_dir) if val_dir else []
    extra = [d.name for d in val_classes if d.name not in names]
    if extra:
        raise DataError(f"{source}: {val_dir.name}/ has classes that train/ lacks: "
                        f"{', '.join(extra)}")

    files: list[tuple[str, Path, int]] = []
    for split, dirs in (("train", classes), ("test", test_classes), ("val", val_classes)):
        for d in dirs:
            label = names.index(d.name)
            files += [(split, f, label) for f in sorted(d.glob("*.txt")) if f.is_file()]
    tally = Tally()
    out: dict[str, tuple[list[str], list[int]]] = {"train": ([], []), "test": ([], []),
                                                   "val": ([], [])}
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
    if out["val"][0]:
        facts["validation_split"] = f"the {val_dir.name}/ folder"
    return TextData(train_x, train_y, test_x, test_y, names, facts=facts,
                    val_texts=out["val"][0], val_labels=out["val"][1])


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
