"""Reading big inputs as they come: a 400,000-word x 100-dimension vectors file (the size of
glove.6B.100d.txt) into a 10,000-word vocabulary's matrix, and a 1.6-million-row
Sentiment140-format CSV (no header, latin-1, six columns). Seconds, rows/s and peak RSS, each
measurement in a fresh process so its peak is its own.

    python bench/data_bench.py [--dir DIR] [--vectors-words 400000] [--csv-rows 1600000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

MEASURE_VECTORS = r"""
import json, resource, sys, time
from seqtui.engine.config import Config
from seqtui.engine.data.vectors import embedding_matrix
path, vocab_file = sys.argv[1], sys.argv[2]
vocabulary = json.loads(open(vocab_file).read())
config = Config(); config.model.embeddings = path
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
matrix, coverage = embedding_matrix(config, vocabulary, len(vocabulary), lambda e: None)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "found": coverage.found, "words": coverage.total,
                  "rss_before_mb": base / 1024,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "matrix_mb": matrix.nbytes / 2**20}))
"""

MEASURE_CSV = r"""
import json, resource, sys, time
from pathlib import Path
from seqtui.engine.config import Config
from seqtui.engine.data.common import Tally
from seqtui.engine.data.csvtable import read_csv
path = Path(sys.argv[1])
config = Config(); config.data.text_column, config.data.label_column = "5", "0"
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
stages = []
texts, keys, layout, _ = read_csv(f"csv:{path}", path, config, stages.append, Tally())
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": len(texts), "classes": sorted(set(map(str, keys))),
                  "has_header": layout.has_header, "progress_events": len(stages),
                  "rss_before_mb": base / 1024,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def word(i: int) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = letters[r] + out
    return out


def write_vectors(path: Path, words: int, dim: int) -> None:
    rng = random.Random(0)
    # A pool of formatted vectors, reused: the file has glove's size and shape, quickly.
    pool = [" ".join(f"{rng.gauss(0, 0.4):.5f}" for _ in range(dim)) for _ in range(997)]
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8", **({"compresslevel": 1}
                                                  if path.suffix == ".gz" else {})) as f:
        for i in range(words):
            f.write(f"{word(i)} {pool[i % len(pool)]}\n")


def write_sentiment140(path: Path, rows: int) -> None:
    good = ["loved the café today", "great day with friends", "what a superb film"]
    bad = ["hated the traffic again", "awful day at work", "naïve of me, so bored"]
    with open(path, "w", encoding="latin-1", newline="") as f:
        for i in range(rows):
            text = (good if i % 2 else bad)[i % 3] + f" number {i}, with some more words"
            f.write(f'"{4 if i % 2 else 0}","{1467810369 + i}","Mon Apr 06 22:19:45 PDT 2009",'
                    f'"NO_QUERY","user{i % 50000}","{text}"\r\n')


def measure(script: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", help="where the generated files go (default: a temp dir)")
    parser.add_argument("--vectors-words", type=int, default=400_000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--vocabulary", type=int, default=10_000)
    parser.add_argument("--csv-rows", type=int, default=1_600_000)
    parser.add_argument("--gz", action="store_true", help="also the vectors file gzipped")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="seqtui-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: dict = {}

    # 94% of the vocabulary is in the file (glove.6B covers IMDB's top words about so).
    vocab = ["", "[UNK]"] + [word(i * 37) for i in range(int((args.vocabulary - 2) * 0.94))]
    vocab += [f"zz{i}" for i in range(args.vocabulary - len(vocab))]
    vocab_file = folder / "vocab.json"
    vocab_file.write_text(json.dumps(vocab))
    targets = [folder / "vectors.txt"] + ([folder / "vectors.txt.gz"] if args.gz else [])
    for path in targets:
        if not path.exists():
            write_vectors(path, args.vectors_words, args.dim)
        for cache in (Path(tempfile.mkdtemp(prefix="seqtui-cache-")),):
            import os

            os.environ["SEQTUI_CACHE_DIR"] = str(cache)  # cold: no cached matrix
            cold = measure(MEASURE_VECTORS, str(path), str(vocab_file))
            warm = measure(MEASURE_VECTORS, str(path), str(vocab_file))
        results[path.name] = {"file_mb": path.stat().st_size / 2**20, "cold": cold,
                              "cached": warm}

    csv_path = folder / "training.1600000.processed.noemoticon.csv"
    if not csv_path.exists():
        write_sentiment140(csv_path, args.csv_rows)
    result = measure(MEASURE_CSV, str(csv_path))
    result["file_mb"] = csv_path.stat().st_size / 2**20
    result["rows_per_s"] = result["rows"] / result["seconds"]
    results[csv_path.name] = result
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
