"""Pretrained word vectors (GloVe, word2vec and fastText text formats, gzipped or not) as an
embedding matrix for a run's vocabulary.

The file is streamed a line at a time and only the vocabulary's words are parsed and kept, so a
5 GB file needs memory for vocabulary x dim floats, not for the file. Words the file lacks start
random (seeded, Keras's own uniform range); padding stays zero. The matrix is cached per vectors
file (path, size, modification time) and vocabulary. Plain Python and NumPy: no TensorFlow.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from seqtui.engine.config import Config
from seqtui.engine.data.common import PROGRESS_EVERY, cache_dir
from seqtui.engine.errors import DataError
from seqtui.engine.runs.events import Listener, make_event

CACHE_VERSION = 1  # bump when the matrix for the same inputs changes


@dataclass
class VectorsHeader:
    dim: int
    has_count_line: bool  # word2vec and fastText .vec start with "COUNT DIM"
    gzipped: bool


@dataclass
class Coverage:
    found: int
    total: int

    @property
    def fraction(self) -> float:
        return self.found / self.total if self.total else 0.0

    def sentence(self) -> str:
        return f"{self.found:,} of {self.total:,} words found, {100 * self.fraction:.1f}%"


def _open(path: Path) -> tuple[IO[bytes], bool]:
    try:
        raw = path.open("rb")
    except FileNotFoundError:
        raise DataError(f"--embeddings: {path} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"--embeddings: {path} is a folder, not a vectors file") from None
    except OSError as exc:
        raise DataError(f"--embeddings: cannot read {path}: {exc.strerror or exc}") from None
    gzipped = raw.read(2) == b"\x1f\x8b"
    raw.seek(0)
    return (gzip.open(raw) if gzipped else raw), gzipped  # type: ignore[return-value]


def _numbers(fields: list[bytes]) -> bool:
    try:
        [float(f) for f in fields]
    except ValueError:
        return False
    return True


def read_header(path: str | Path) -> VectorsHeader:
    """The format and dimension from the first lines; a file that is not vectors is refused
    with its first bad line named."""
    path = Path(path).expanduser()
    stream, gzipped = _open(path)
    with stream:
        try:
            first = stream.readline()
            second = stream.readline()
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise DataError(f"--embeddings: {path} is not readable: {exc}") from None
    head = first.split()
    if not head:
        raise DataError(f"--embeddings: {path} line 1 is empty; a vectors file has a word and "
                        "its numbers on each line (GloVe, word2vec or fastText text format)")
    if len(head) == 2 and all(f.isdigit() for f in head):
        dim, counted, line, n = int(head[1]), True, second, 2
    else:
        dim, counted, line, n = len(head) - 1, False, first, 1
    fields = line.rstrip(b"\r\n").rstrip(b" ").split(b" ")
    if dim < 1 or len(fields) != dim + 1 or not _numbers(fields[1:]):
        shown = line[:60].decode("utf-8", errors="replace").rstrip()
        raise DataError(f"--embeddings: {path} line {n} is not a word and {max(dim, 1)} numbers "
                        f"({shown!r}); expected GloVe, word2vec or fastText text format")
    return VectorsHeader(dim, counted, gzipped)


def check_vectors_config(config: Config) -> int:
    """The vectors file's dimension, checked against the config: the subwords tokenizer and an
    embedding size that disagrees with the file are refused. Sets the embedding size."""
    m = config.model
    if config.tokenizer.kind == "subwords":
        raise DataError("--embeddings: whole-word vectors do not apply to the subwords "
                        "tokenizer, whose ids are word pieces ('##ing'), not words; use "
                        "--tokenizer words")
    header = read_header(m.embeddings)
    default = type(m)().embedding_dim
    if m.embedding_dim not in (default, header.dim):
        raise DataError(f"--embedding-dim: {m.embedding_dim} conflicts with {m.embeddings}, "
                        f"whose vectors have {header.dim} dimensions; leave --embedding-dim out")
    stack = m.layers if isinstance(m.layers, list) else []
    if stack and isinstance(stack[0], dict) and stack[0].get("kind") == "embedding" \
            and stack[0].get("dim") not in (None, header.dim):
        raise DataError(f"--layers: embedding({stack[0]['dim']}) conflicts with {m.embeddings}, "
                        f"whose vectors have {header.dim} dimensions; write embedding without "
                        "a size")
    m.embedding_dim = header.dim
    return header.dim


def _cache_dir() -> Path:
    return cache_dir() / "vectors"


def _cache_key(path: Path, vocabulary: list[str], rows: int, seed: int) -> str:
    stat = path.stat()
    h = hashlib.sha256(json.dumps({"v": CACHE_VERSION, "path": str(path.resolve()),
                                   "size": stat.st_size, "mtime": stat.st_mtime_ns,
                                   "rows": rows, "seed": seed}).encode())
    for word in vocabulary:
        h.update(word.encode("utf-8", errors="replace") + b"\n")
    return h.hexdigest()[:32]


def embedding_matrix(config: Config, vocabulary: list[str], rows: int, emit: Listener
                     ) -> tuple[Any, Coverage]:
    """(rows x dim float32 matrix, coverage) for the vocabulary (id 0 padding, id 1 OOV), from
    the cache when this file and vocabulary were seen before."""
    import numpy as np

    path = Path(config.model.embeddings).expanduser()
    header = read_header(path)
    seed = config.training.seed
    key = _cache_key(path, vocabulary, rows, seed)
    cached = _cache_dir() / f"{key}.npz"
    words = {w: i for i, w in enumerate(vocabulary) if i >= 2 and w}
    if cached.is_file():
        try:
            with np.load(cached) as saved:
                matrix, found = saved["matrix"], int(saved["found"])
            coverage = Coverage(found, len(words))
            emit(make_event("stage", stage="vectors", message=f"vectors from the cache: "
                            f"{coverage.sentence()}", cached=True, **_facts(coverage, path)))
            return matrix, coverage
        except (OSError, ValueError, KeyError):
            pass  # a torn cache file: read the vectors again
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-0.05, 0.05, size=(rows, header.dim)).astype("float32")
    matrix[0] = 0.0
    exact: set[int] = set()
    fallback: set[int] = set()
    total_bytes = path.stat().st_size
    started = last = time.monotonic()
    stream, _ = _open(path)
    raw = stream.fileobj if header.gzipped else stream  # type: ignore[attr-defined]
    with stream:
        for n, line in enumerate(stream, 1):
            if n == 1 and header.has_count_line:
                continue
            if line.count(b" ", 0, len(line.rstrip(b" \r\n"))) < header.dim:
                if not line.strip():
                    continue
                shown = line[:60].decode("utf-8", errors="replace").rstrip()
                raise DataError(f"--embeddings: {path} line {n} is not a word and {header.dim} "
                                f"numbers ({shown!r})")
            word_bytes, rest = line.split(b" ", 1)
            word = word_bytes.decode("utf-8", errors="replace")
            i = words.get(word)
            is_exact = i is not None
            if i is None:
                i = words.get(word.lower())  # "Paris" for "paris" when the file has no "paris"
                if i is None or i in exact or i in fallback:
                    continue
            elif i in exact:
                continue
            try:
                vector = np.array(rest.split()[-header.dim:], dtype="float32")
            except ValueError:
                shown = line[:60].decode("utf-8", errors="replace").rstrip()
                raise DataError(f"--embeddings: {path} line {n} is not a word and "
                                f"{header.dim} numbers ({shown!r})") from None
            if vector.shape[0] != header.dim:
                raise DataError(f"--embeddings: {path} line {n} has {vector.shape[0]} numbers, "
                                f"expected {header.dim}")
            matrix[i] = vector
            (exact if is_exact else fallback).add(i)
            if n % 8192 == 0 and time.monotonic() - last >= PROGRESS_EVERY:
                last = time.monotonic()
                emit(make_event("stage", stage="vectors", message=f"reading {path.name}",
                                done=raw.tell(), total=total_bytes, unit="bytes"))
    coverage = Coverage(len(exact | fallback), len(words))
    emit(make_event("stage", stage="vectors", message=f"{path.name}: {coverage.sentence()}",
                    done=total_bytes, total=total_bytes, unit="bytes",
                    seconds=round(time.monotonic() - started, 3), **_facts(coverage, path)))
    _save(cached, matrix, coverage.found)
    return matrix, coverage


def _facts(coverage: Coverage, path: Path) -> dict[str, Any]:
    return {"file": str(path), "found": coverage.found, "words": coverage.total,
            "coverage": round(coverage.fraction, 4)}


def _save(target: Path, matrix: Any, found: int) -> None:
    """Write the cache atomically; a cache that cannot be written only costs the next run."""
    import numpy as np

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".npz.tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, matrix=matrix, found=np.int64(found))
        os.replace(tmp, target)
    except OSError:
        pass
